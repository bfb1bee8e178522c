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
    const page = await httpGetOver(stream, 'site.tor-net')
    expect(page).toMatch(/^HTTP\/1\.1 200/)
    expect(page).toContain('<h1>behind the rendezvous</h1>')
    expect(web.remotes.length).toBeGreaterThan(0)
    expect(web.remotes.every(a => a === '127.0.0.1' || a === '::ffff:127.0.0.1')).toBe(true)

    // Somewhere a relay joined two circuits, and it knows only its two predecessors.
    const joined = net.nodes.flatMap(n => n.tunnels.relayed().filter(v => v.joined))
    expect(joined.length).toBeGreaterThanOrEqual(1)
    const ids = (n: typeof service): string => n.identity.id.toString('hex')
    for (const v of joined) {
      expect(v.previous).not.toBe(ids(client))
      expect(v.previous).not.toBe(ids(service))
    }
    expect(service.hidden.list()[0].introductions).toBe(1)
  }, 60_000)
})
