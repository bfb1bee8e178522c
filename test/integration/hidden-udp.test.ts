import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { httpGetOver, startRecordingServer } from '../helpers/memory-hidden-net.js'

/**
 * Hidden services on 14 real nodes over UDP on loopback, with real circuits
 * (cells, onion layers, ntor) — no test double: a service behind a local
 * node:http server, a client on another node that connects by the key alone
 * (and by the registered name) and gets the page.
 */
describe('hidden service on 14 real nodes (UDP, real circuits)', () => {
  let net: Testnet
  let web: Awaited<ReturnType<typeof startRecordingServer>>
  beforeAll(async () => {
    net = await createTestnet(14, { nameDifficulty: 6 })
    web = await startRecordingServer('<h1>behind the rendezvous</h1>')
  }, 60_000)
  afterAll(async () => {
    await net?.close()
    await web?.close()
  })

  it('a client reaches the service by key and by NAME.tor-net; the service sees only loopback', async () => {
    const service = net.nodes[3]
    const client = net.nodes[11]
    const info = await service.hidden.add('site', { host: '127.0.0.1', port: web.port })
    expect(info.introPoints).toHaveLength(3)
    const looked = await client.names.lookup('site')
    expect(looked.target).toEqual({ kind: 'hidden-service', value: Buffer.from(info.publicKey, 'hex') })

    const phases: string[] = []
    const stream = await client.hidden.connect(looked.target.value, { onProgress: p => phases.push(p.phase) })
    expect(phases).toEqual(['descriptor', 'rendezvous', 'introduce', 'joined'])

    // Relay state while joined: the rendezvous relay holds two joined circuits and knows of each
    // only its predecessor — the second hop of the client's circuit and of the service's.
    const joinedCircuit = (n: typeof service): { hops: Array<{ id: Buffer }> } => {
      const c = [...n.tunnels.internals.origin.values()].find(o => o.info.endToEnd)
      if (c === undefined) throw new Error('no joined circuit')
      return c
    }
    const clientSide = joinedCircuit(client).hops
    const serviceSide = joinedCircuit(service).hops
    expect(clientSide).toHaveLength(3)
    expect(serviceSide).toHaveLength(3)
    expect(clientSide[2].id.equals(serviceSide[2].id)).toBe(true)
    const rendezvous = net.nodes.find(n => n.identity.id.equals(clientSide[2].id))
    const views = rendezvous?.tunnels.relayed().filter(v => v.joined) ?? []
    expect(views.map(v => v.previous).sort()).toEqual([clientSide[1].id.toString('hex'), serviceSide[1].id.toString('hex')].sort())
    expect(views.every(v => v.next === undefined)).toBe(true)

    const page = await httpGetOver(stream, 'site.tor-net')
    expect(page).toMatch(/^HTTP\/1\.1 200/)
    expect(page).toContain('<h1>behind the rendezvous</h1>')
    expect(web.remotes.length).toBeGreaterThan(0)
    expect(web.remotes.every(a => a === '127.0.0.1' || a === '::ffff:127.0.0.1')).toBe(true)
    expect(service.hidden.list()[0].introductions).toBe(1)
  }, 60_000)

  it('a service whose local server is down ends the client stream with an error, not a clean close', async () => {
    const closed = await startRecordingServer('soon gone')
    const port = closed.port
    await closed.close()
    const info = await net.nodes[5].hidden.add('down', { host: '127.0.0.1', port }, { register: false })
    const stream = await net.nodes[9].hidden.connect(Buffer.from(info.publicKey, 'hex'))
    const err = await new Promise<unknown>(resolve => {
      stream.on('error', resolve)
      stream.on('close', () => { resolve(undefined) })
      stream.write('GET / HTTP/1.1\r\nHost: down.tor-net\r\n\r\n')
      stream.resume()
    })
    expect(err).toMatchObject({ code: 'TUNNEL_STREAM_CLOSED' })
  }, 60_000)

  it('0-RTT: a request given to connect() rides in the introduction, its tail follows the join, the answer comes back byte-exact', async () => {
    const echo = createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => { const b = Buffer.concat(parts); res.end(`got ${b.length} ${sha(b)}`) })
    })
    await new Promise<void>(resolve => echo.listen(0, '127.0.0.1', resolve))
    try {
      const service = net.nodes[7]
      const client = net.nodes[12]
      const info = await service.hidden.add('echo', { host: '127.0.0.1', port: (echo.address() as AddressInfo).port }, { register: false })
      const body = Buffer.alloc(20_000)
      for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 0xff
      const request = Buffer.concat([Buffer.from(`POST /x HTTP/1.1\r\nHost: echo.tor-net\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`), body])
      const stream = await client.hidden.connect(Buffer.from(info.publicKey, 'hex'), { earlyData: request })
      // Joined at the intro point the client introduced through: one of the service's intro circuits ends there.
      const joined = [...client.tunnels.internals.origin.values()].find(o => o.info.endToEnd)
      const at = net.nodes.find(n => n.identity.id.equals(joined?.hops[2].id ?? Buffer.alloc(0)))
      expect(at?.hidden.relayRoles().intros).toBeGreaterThan(0)
      const chunks: Buffer[] = []
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', resolve)
        stream.on('close', resolve)
        stream.on('error', reject)
      })
      expect(Buffer.concat(chunks).toString('utf8')).toContain(`got ${body.length} ${sha(body)}`)
    } finally {
      echo.closeAllConnections()
      await new Promise<void>(resolve => echo.close(() => resolve()))
    }
  }, 60_000)
})

function sha (b: Buffer): string { return createHash('sha256').update(b).digest('hex') }
