import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../../src/node/errors.js'
import { generateIdentity, nodeIdOf } from '../../../../../src/node/identity/identity.js'
import { ntorClientStart } from '../../../../../src/node/services/tunnels/ntor.js'
import { blindedPublicKey, timePeriod } from '../../../../../src/node/services/tunnels/blinding.js'
import { TunnelError, TunnelErrorCode } from '../../../../../src/node/services/tunnels/errors.js'
import type { HiddenConnectProgress, HiddenServiceInfo } from '../../../../../src/node/services/tunnels/hidden-api.js'
import { DESCRIPTOR_KEY, fetchDescriptor } from '../../../../../src/node/services/tunnels/hidden/descriptor-store.js'
import { hiddenKeyPath } from '../../../../../src/node/services/tunnels/hidden/hs-key-file.js'
import { HS_REQUEST, HS_STATUS, HS_STREAM, encodeIntroduce, readStatus, statusAnswer } from '../../../../../src/node/services/tunnels/hidden/hs-messages.js'
import { sealIntroduction } from '../../../../../src/node/services/tunnels/hidden/introduce-blob.js'
import { makeContact } from '../../../../../src/node/routing/contact.js'
import { type HiddenTestNet, createHiddenTestNet, httpGetOver, startRecordingServer } from '../../../../helpers/memory-hidden-net.js'

let net: HiddenTestNet | undefined
let closeServer: (() => Promise<void>) | undefined
afterEach(async () => {
  await net?.close(); net = undefined
  await closeServer?.(); closeServer = undefined
})

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}


/** Tests that connect many times in a row must not trip the service's flood limit. */
const RELAXED = { host: { ratePerSec: 1000, burst: 1000 } }

/** A test net of `n` nodes whose node 0 serves `body` as hidden service 'site'. */
async function serving (n: number, body: string, opts: Parameters<typeof createHiddenTestNet>[1] = {}): Promise<{ t: HiddenTestNet, key: Buffer, info: HiddenServiceInfo, web: Awaited<ReturnType<typeof startRecordingServer>> }> {
  const t = createHiddenTestNet(n, opts)
  net = t
  const web = await startRecordingServer(body)
  closeServer = web.close
  const info = await t.nodes[0].hidden.add('site', { host: '127.0.0.1', port: web.port })
  return { t, key: Buffer.from(info.publicKey, 'hex'), info, web }
}

/**
 * A client node that is none of the service's intro points: a client never introduces through its
 * own node, so a client that is one has one intro point fewer than the tests that pick among them
 * count on (and which nodes become intro points changes with the ids of the run).
 */
async function clientOutside (t: HiddenTestNet, key: Buffer): Promise<HiddenTestNet['nodes'][number]> {
  const d = await fetchDescriptor(t.nodes[1].kv, key, Date.now())
  const intro = new Set((d?.introPoints ?? []).map(ip => ip.id.toString('hex')))
  const client = t.nodes.slice(1).find(n => !intro.has(n.net.identity.id.toString('hex')))
  if (client === undefined) throw new Error('every node is an intro point')
  return client
}

describe('hidden services on the memory tunnel double', () => {
  it('publishes a blinded descriptor and serves a page to a client that knows only the key', async () => {
    net = createHiddenTestNet(12)
    const web = await startRecordingServer('hello from the hidden side')
    closeServer = web.close
    const [service, , , , , client] = net.nodes
    const info = await service.hidden.add('site', { host: '127.0.0.1', port: web.port })
    expect(info.introPoints).toHaveLength(3)
    expect(existsSync(hiddenKeyPath(service.dataDir, 'site'))).toBe(true)
    const key = Buffer.from(info.publicKey, 'hex')
    // The record sits under the blinded key, not the service key, and decrypts only with the service key.
    const blinded = blindedPublicKey(key, timePeriod(Date.now()))
    expect(blinded.equals(key)).toBe(false)
    expect(await client.kv.get(key, DESCRIPTOR_KEY)).toBeUndefined()
    expect(await client.kv.get(blinded, DESCRIPTOR_KEY)).toBeDefined()
    const d = await fetchDescriptor(client.kv, key, Date.now())
    expect(d?.introPoints.map(i => i.authKey.length)).toEqual([32, 32, 32])

    const phases: Array<HiddenConnectProgress['phase']> = []
    const stream = await client.hidden.connect(key, { onProgress: p => phases.push(p.phase) })
    expect(phases).toEqual(['descriptor', 'rendezvous', 'introduce', 'joined'])
    const page = await httpGetOver(stream)
    expect(page).toMatch(/^HTTP\/1\.1 200/)
    expect(page).toContain('hello from the hidden side')
    expect(web.remotes.every(a => a === '127.0.0.1' || a === '::ffff:127.0.0.1')).toBe(true)
    expect(service.hidden.list()[0].introductions).toBe(1)
    // A rendezvous relay joined two circuits; intro points hold the auth keys.
    expect(net.nodes.reduce((s, x) => s + x.hidden.relayRoles().rendezvousJoined, 0)).toBe(1)
    expect(net.nodes.reduce((s, x) => s + x.hidden.relayRoles().intros, 0)).toBe(3)
  })

  it('an unknown key is HS_NOT_FOUND; a BEGIN hs on an ordinary circuit to the host finds nothing', async () => {
    net = createHiddenTestNet(8)
    const web = await startRecordingServer('secret')
    closeServer = web.close
    const [service, client] = net.nodes
    await service.hidden.add('site', { host: '127.0.0.1', port: web.port })
    const err = await client.hidden.connect(generateIdentity().publicKey).then(() => undefined, (e: unknown) => e)
    expect(isTornetError(err, TunnelErrorCode.HS_NOT_FOUND)).toBe(true)
    // Probing: a circuit that ends at the service's node and BEGINs 'hs' must not reach the target.
    const probe = await client.tunnels.service.build({ hops: 2, lastHop: service.tunnels.contact })
    const s = await probe.openStream(HS_STREAM)
    await new Promise<void>(resolve => { s.on('close', resolve); s.on('error', () => resolve()); s.resume() })
    expect(web.remotes).toEqual([])
  })

  it('replaces a lost intro point and re-publishes; clients still connect', async () => {
    const { t, key } = await serving(12, 'still here')
    const [service, client] = t.nodes
    const before = await fetchDescriptor(client.kv, key, Date.now())
    const victim = before?.introPoints[0].id as Buffer
    t.tunnels.kill(victim)
    await until(() => service.hidden.list()[0].introPoints.length === 3)
    let after = await fetchDescriptor(client.kv, key, Date.now())
    for (let i = 0; i < 100 && after?.introPoints.some(ip => ip.id.equals(victim)) === true; i++) {
      await new Promise(resolve => setTimeout(resolve, 10))
      after = await fetchDescriptor(client.kv, key, Date.now())
    }
    expect(after?.introPoints.some(ip => ip.id.equals(victim))).toBe(false)
    expect(await httpGetOver(await client.hidden.connect(key))).toContain('still here')
  })

  it('under an introduction flood the service asks for proof of work, refuses replays, and a client that proves still gets in', async () => {
    const { t, key } = await serving(12, 'worked for it', { host: { ratePerSec: 0.5, burst: 2, powBits: 8 } })
    const [service, attacker, client] = t.nodes
    const d = await fetchDescriptor(attacker.kv, key, Date.now())
    if (d === undefined) throw new Error('no descriptor')
    expect(d.powBits).toBe(0)
    const ip = d.introPoints[0]
    const circuit = await attacker.tunnels.service.build({ hops: 3, lastHop: makeContact(ip.id, ip.endpoint, { publicKey: ip.publicKey }) })
    const rv = t.nodes[5].tunnels.contact
    const junk = async (ntor = Buffer.alloc(96, 1)): Promise<Buffer> => encodeIntroduce({
      authKey: ip.authKey,
      blob: await sealIntroduction(key, ip.authKey, {
        cookie: Buffer.from(Math.random().toString(16).padEnd(20, '0').slice(0, 20)),
        rendezvous: { id: rv.id, publicKey: rv.publicKey as Buffer, nonce: rv.nonce as Buffer, endpoint: rv.endpoint },
        ntor, // by default not a valid handshake: the service refuses it after decrypting
        timestamp: Date.now()
      }, 0)
    })
    // A well-formed introduction (its rendezvous never comes: no cookie waits there), then its replay.
    const one = await junk(ntorClientStart({ id: nodeIdOf(key), publicKey: key }).message)
    for (const payload of [one, one]) expect(readStatus(await circuit.request(HS_REQUEST.introduce, payload))).toBe(0)
    await until(() => service.hidden.list()[0].introductions + service.hidden.list()[0].refused === 2)
    expect(service.hidden.list()[0]).toMatchObject({ introductions: 1, refused: 1 })
    for (let i = 0; i < 6; i++) await circuit.request(HS_REQUEST.introduce, await junk())
    await until(() => service.hidden.list()[0].powRequired)
    const s = service.hidden.list()[0]
    expect(s.refused).toBeGreaterThanOrEqual(6)
    expect(s.introductions).toBe(1)
    let republished = await fetchDescriptor(client.kv, key, Date.now())
    for (let i = 0; i < 100 && republished?.powBits === 0; i++) {
      await new Promise(resolve => setTimeout(resolve, 10))
      republished = await fetchDescriptor(client.kv, key, Date.now())
    }
    expect(republished?.powBits).toBe(8)
    // The bucket refills (0.5/s): a client with the new descriptor proves 8 bits and gets in.
    await new Promise(resolve => setTimeout(resolve, 2100))
    expect(await httpGetOver(await client.hidden.connect(key))).toContain('worked for it')
    expect(service.hidden.list()[0].introductions).toBe(2)
  }, 20_000)

  it('an intro point that refuses is replaced by another one; a failed circuit build is rebuilt once', async () => {
    const { t, key } = await serving(12, 'retried', RELAXED)
    const client = await clientOutside(t, key)
    const d = await fetchDescriptor(client.kv, key, Date.now())
    // Not the client itself: a client never introduces through its own node.
    const refuser = t.tunnels.node(d?.introPoints.find(ip => !ip.id.equals(client.net.identity.id))?.id as Buffer)
    if (refuser === undefined) throw new Error('no intro node')
    let asked = 0
    refuser.requests.set(HS_REQUEST.introduce, async () => { asked++; return statusAnswer(HS_STATUS.limit) })
    // The client picks its first intro point at random: connect until it has met the refusing one.
    for (let i = 0; i < 30 && asked === 0; i++) expect(await httpGetOver(await client.hidden.connect(key))).toContain('retried')
    expect(asked).toBeGreaterThan(0)

    // The next circuit build fails (a hop did not answer): the whole attempt is made once more.
    const real = client.tunnels.service.build
    let failures = 0
    client.tunnels.service.build = async (opts) => {
      if (failures === 0) { failures++; throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'injected') }
      return await real(opts)
    }
    expect(await httpGetOver(await client.hidden.connect(key))).toContain('retried')
    expect(failures).toBe(1)
    // Two failures in a row are reported, not retried forever.
    let always = 0
    client.tunnels.service.build = async () => { always++; throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'injected') }
    const err = await client.hidden.connect(key).then(() => undefined, (e: unknown) => e)
    expect(isTornetError(err, TunnelErrorCode.EXTEND_FAILED)).toBe(true)
    expect(always).toBeLessThanOrEqual(4)
  })

  it('an intro point that cannot be reached (a stale descriptor) is skipped for the next one', async () => {
    const { t, key } = await serving(12, 'skipped', RELAXED)
    const client = await clientOutside(t, key)
    expect(await httpGetOver(await client.hidden.connect(key))).toContain('skipped')
    const cached = await fetchDescriptor(client.kv, key, Date.now())
    const dead = cached?.introPoints.find(ip => !ip.id.equals(client.net.identity.id))?.id as Buffer // never the client's own node
    // From this client, that intro point cannot be reached (killing the node would also cut the
    // service's other intro circuits through it, which is another test's matter).
    const real = client.tunnels.service.build
    let triedDead = 0
    client.tunnels.service.build = async (opts) => {
      if (opts?.lastHop?.id.equals(dead) === true) {
        triedDead++
        throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the intro point did not answer')
      }
      return await real(opts)
    }
    const realGet = client.kv.get
    let fetches = 0
    client.kv.get = async (...args) => { fetches++; return await realGet(...args) }
    // The client keeps the descriptor it fetched (which names the dead one) and picks at random.
    for (let i = 0; i < 30 && triedDead === 0; i++) expect(await httpGetOver(await client.hidden.connect(key))).toContain('skipped')
    expect(triedDead).toBeGreaterThan(0)
    // It went on to the next intro point within the same attempt: no fresh descriptor was needed.
    expect(fetches).toBe(0)
  })

  it('remove stops the service and deletes its key', async () => {
    net = createHiddenTestNet(8)
    const web = await startRecordingServer('x')
    closeServer = web.close
    const [service] = net.nodes
    await service.hidden.add('gone', { host: '127.0.0.1', port: web.port })
    expect(await service.hidden.remove('gone')).toBe(true)
    expect(service.hidden.list()).toEqual([])
    expect(existsSync(hiddenKeyPath(service.dataDir, 'gone'))).toBe(false)
    expect(await service.hidden.remove('gone')).toBe(false)
  })

  it('meets the client at the intro point it introduced through, on a circuit the service kept ready, and answers early data with no write', async () => {
    const { t, key, web } = await serving(12, 'early answer', RELAXED)
    const service = t.nodes[0]
    const ready = (): string[] => service.tunnels.service.circuits().filter(c => c.purpose === 'hs-service' && c.state === 'open' && !c.endToEnd).map(c => c.id)
    // One ready circuit per intro point.
    await until(() => ready().length === 3)
    const before = new Set(ready())
    const stream = await t.nodes[6].hidden.connect(key, { earlyData: Buffer.from('GET / HTTP/1.1\r\nHost: site.tor-net\r\nConnection: close\r\n\r\n') })
    const joined = service.tunnels.service.circuits().filter(c => c.endToEnd)
    expect(joined).toHaveLength(1)
    expect(before.has(joined[0].id)).toBe(true)
    // The circuits were joined at one relay, and that relay is one of the service's intro points.
    const at = t.nodes.filter(x => x.hidden.relayRoles().rendezvousJoined > 0)
    expect(at).toHaveLength(1)
    expect(at[0].hidden.relayRoles().intros).toBeGreaterThan(0)
    // Nothing written by the client after connect(): the request rode in the introduction.
    const page = await readAll(stream)
    expect(page).toMatch(/^HTTP\/1\.1 200/)
    expect(page).toContain('early answer')
    expect(web.remotes).toHaveLength(1)
    // The used ready circuit is replaced.
    await until(() => ready().length === 3)
  })

  it('early data longer than an introduction holds goes on the stream right after the join, in order', async () => {
    const echo = createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => { const b = Buffer.concat(parts); res.end(`got ${b.length} ${createHash('sha256').update(b).digest('hex')}`) })
    })
    await new Promise<void>(resolve => echo.listen(0, '127.0.0.1', resolve))
    closeServer = async () => { echo.closeAllConnections(); await new Promise<void>(resolve => echo.close(() => resolve())) }
    net = createHiddenTestNet(10, RELAXED)
    const info = await net.nodes[0].hidden.add('echo', { host: '127.0.0.1', port: (echo.address() as AddressInfo).port })
    const body = Buffer.alloc(3000)
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff
    const request = Buffer.concat([Buffer.from(`POST /x HTTP/1.1\r\nHost: echo.tor-net\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`), body])
    const stream = await net.nodes[4].hidden.connect(Buffer.from(info.publicKey, 'hex'), { earlyData: request })
    const page = await readAll(stream)
    expect(page).toContain(`got 3000 ${createHash('sha256').update(body).digest('hex')}`)
  })
})

async function readAll (stream: import('node:stream').Duplex): Promise<string> {
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
  return Buffer.concat(chunks).toString('utf8')
}
