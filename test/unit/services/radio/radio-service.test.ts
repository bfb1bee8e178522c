import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryNetwork, type MemoryServiceNode } from '../../../helpers/memory-service-network.js'
import { createRadioService, type RadioServiceOptions } from '../../../../src/node/services/radio/radio-service.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import type { RadioService, VerifiedSegment } from '../../../../src/node/services/radio/radio-api.js'
import { encodeRequest, RADIO_SERVICE, decodePushReply, decodeSubscribeReply } from '../../../../src/node/services/radio/messages.js'
import { signSegment } from '../../../../src/node/services/radio/segment.js'
import { isTornetError } from '../../../../src/node/errors.js'

type Svc = ReturnType<typeof createRadioService>
const running: RadioService[] = []
afterEach(async () => { for (const s of running.splice(0)) await s.stop() })

function network (n: number, opts: Partial<RadioServiceOptions> = {}): { nodes: MemoryServiceNode[], radios: Svc[] } {
  const { nodes } = createMemoryNetwork(n, { k: 8 })
  const radios = nodes.map(network => createRadioService({ network, stallMs: 600, ...opts }))
  for (const r of radios) { r.start(); running.push(r) }
  return { nodes, radios }
}

function stationKey (): { publicKey: Buffer, privateKey: Buffer } {
  const id = generateIdentity()
  return { publicKey: id.publicKey, privateKey: id.secretKey }
}

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

async function until (what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('radio service on a memory network', () => {
  it('a listener finds the station, hears audio, title and posts, and shares one subscription', async () => {
    const { radios, nodes } = network(12)
    const key = stationKey()
    const b = radios[0].broadcast(key, { label: 'test-fm', codec: 'mp3', bitrateKbps: 128 })
    b.setNowPlaying('Tone in A')
    await until('roots', () => radios[0].feeds.get(key.publicKey.toString('hex'))?.children.size === 2)
    const l = await radios[5].listen(key.publicKey)
    const l2 = await radios[5].listen(key.publicKey)
    expect(l.station).toMatchObject({ label: 'test-fm', codec: 'mp3', bitrateKbps: 128, role: 'listening' })
    const got: VerifiedSegment[] = []
    l.on('segment', s => got.push(s))
    for (let i = 0; i < 5; i++) { b.pushAudio(Buffer.from(`frame${i}`), 100); await sleep(20) }
    b.post('hello listeners')
    await until('audio and post', () => got.filter(s => s.kind === 'audio').length === 5 && got.some(s => s.kind === 'post'))
    expect(got.filter(s => s.kind === 'audio').map(s => s.payload.toString())).toEqual(['frame0', 'frame1', 'frame2', 'frame3', 'frame4'])
    expect(l.recent().map(s => s.payload.toString())).toEqual(['frame0', 'frame1', 'frame2', 'frame3', 'frame4'])
    expect(l.posts().map(s => s.payload.toString())).toEqual(['hello listeners'])
    expect(l2.station.nowPlaying).toBe('Tone in A')
    expect(radios[5].feeds.size).toBe(1)
    expect(radios[5].known().map(s => s.id.toString('hex'))).toEqual([key.publicKey.toString('hex')])
    await until('listener counted', () => b.stats().listeners === 1)
    b.pushAudio(Buffer.alloc(16_000), 1000)
    expect(b.stats().kbps).toBe(13) // 16,080 bytes over the 10 s window
    // The broadcasting node's own consumers (the demo's gateway) share the broadcast feed.
    const own = await radios[0].listen(key.publicKey)
    expect(own.station.role).toBe('broadcasting')
    expect(own.recent().length).toBeGreaterThan(0)
    own.close()
    expect(radios[0].feeds.has(key.publicKey.toString('hex'))).toBe(true)
    // An ancestor asking to subscribe would close a loop: refused.
    const feed5 = radios[5].feeds.get(key.publicKey.toString('hex'))!
    const parentIdx = nodes.findIndex(n => n.self.id.equals(feed5.upstream!.id))
    const asked = decodeSubscribeReply(await nodes[parentIdx].request(nodes[5].self, RADIO_SERVICE, encodeRequest({ type: 'subscribe', station: key.publicKey, burst: false })))
    expect(asked.status).toBe('loop')
    l.close()
    expect(radios[5].feeds.size).toBe(1) // l2 still there
    l2.close()
    expect(radios[5].feeds.size).toBe(0)
  })

  it('an unknown station is NOT_FOUND', async () => {
    const { radios } = network(6, { joinTimeoutMs: 500 })
    let err: unknown
    try { await radios[1].listen(stationKey().publicKey) } catch (e) { err = e }
    expect(isTornetError(err, 'RADIO_NOT_FOUND')).toBe(true)
    expect(radios[1].feeds.size).toBe(0)
  })

  it('a full relay answers with its children; the tree grows and the broadcaster feeds only its roots', async () => {
    const { radios, nodes } = network(30, { maxChildren: 2 })
    const key = stationKey()
    const b = radios[0].broadcast(key, { label: 'deep', codec: 'ogg', bitrateKbps: 64 })
    await until('roots', () => radios[0].feeds.get(key.publicKey.toString('hex'))?.children.size === 2)
    const listeners = await Promise.all(radios.slice(1).map(async r => await r.listen(key.publicKey)))
    const seen = listeners.map(() => new Set<number>())
    listeners.forEach((l, i) => l.on('segment', s => { if (s.kind === 'audio') { expect(seen[i].has(s.seq)).toBe(false); seen[i].add(s.seq) } }))
    for (let i = 0; i < 10; i++) { b.pushAudio(Buffer.alloc(1000, i), 50); await sleep(30) }
    await until('every listener has all 10', () => seen.every(s => s.size === 10))
    const hex = key.publicKey.toString('hex')
    expect(radios[0].feeds.get(hex)?.children.size).toBe(2)
    for (const r of radios) expect(r.feeds.get(hex)?.children.size ?? 0).toBeLessThanOrEqual(3)
    const depths = radios.slice(1).map(r => r.feeds.get(hex)?.depth ?? 0)
    expect(Math.max(...depths)).toBeGreaterThan(2)
    await until('subtree counted', () => b.stats().listeners === 29)
    expect(nodes.length).toBe(30)
  })

  it('listeners re-join when a relay dies and keep every segment', async () => {
    const { radios, nodes } = network(20, { maxChildren: 3 })
    const key = stationKey()
    const hex = key.publicKey.toString('hex')
    const b = radios[0].broadcast(key, { label: 'churn', codec: 'mp3', bitrateKbps: 128 })
    await until('roots', () => radios[0].feeds.get(hex)?.children.size === 2)
    const ls = await Promise.all(radios.slice(1, 15).map(async r => await r.listen(key.publicKey)))
    const seen = ls.map(() => new Set<number>())
    ls.forEach((l, i) => l.on('segment', s => { if (s.kind === 'audio') seen[i].add(s.seq) }))
    let sent = 0
    const pump = setInterval(() => { b.pushAudio(Buffer.alloc(500, sent), 100); sent++ }, 50)
    await sleep(400)
    // Kill the busiest non-broadcasting relay among the listeners.
    const victim = radios.slice(1, 15).reduce((best, r) => (r.feeds.get(hex)?.children.size ?? 0) > (best.feeds.get(hex)?.children.size ?? 0) ? r : best)
    const vi = radios.indexOf(victim)
    expect(victim.feeds.get(hex)?.children.size).toBeGreaterThan(0)
    nodes[vi].network.setFault(nodes[vi], { down: true })
    await sleep(2_500)
    clearInterval(pump)
    const survivors = seen.filter((_, i) => i + 1 !== vi)
    await until('survivors caught up', () => survivors.every(s => s.size >= sent - 2), 5_000)
    for (const s of survivors) expect(s.size / sent).toBeGreaterThanOrEqual(0.95)
  })

  it('drops unsigned or forged pushes and pushes from nodes that are not the parent', async () => {
    const { radios, nodes } = network(8)
    const key = stationKey()
    const hex = key.publicKey.toString('hex')
    const b = radios[0].broadcast(key, { label: 'guarded', codec: 'mp3', bitrateKbps: 128 })
    await until('roots', () => radios[0].feeds.get(hex)?.children.size === 2)
    const l = await radios[4].listen(key.publicKey)
    const feed = radios[4].feeds.get(hex)!
    const got: VerifiedSegment[] = []
    l.on('segment', s => got.push(s))
    const parent = nodes.find(n => n.self.id.equals(feed.upstream!.id))!
    const forged = signSegment({ publicKey: key.publicKey, privateKey: Buffer.alloc(32, 1) }, { seq: Date.now() + 1e6, timestampMs: Date.now(), codec: 'mp3', kind: 'audio', durationMs: 10, payload: Buffer.from('evil') })
    // From the parent (the only sender taken): forged bytes are counted and dropped.
    const r1 = decodePushReply(await parent.request(nodes[4].self, RADIO_SERVICE, encodeRequest({ type: 'push', path: feed.path.slice(0, -1), segment: forged.bytes })))
    expect(r1.taken).toBe(true)
    expect(feed.refused['bad-signature']).toBe(1)
    // From a stranger, even a genuine segment is refused: it is not our parent.
    const stranger = nodes.find(n => n !== parent && n !== nodes[4])!
    const real = signSegment(key, { seq: Date.now() + 2e6, timestampMs: Date.now(), codec: 'mp3', kind: 'audio', durationMs: 10, payload: Buffer.from('ok') })
    const r2 = decodePushReply(await stranger.request(nodes[4].self, RADIO_SERVICE, encodeRequest({ type: 'push', path: [], segment: real.bytes })))
    expect(r2.taken).toBe(false)
    // Garbage never crashes the node: the request fails, the node goes on.
    await expect(stranger.request(nodes[4].self, RADIO_SERVICE, Buffer.from([3, 200, 1, 2]))).rejects.toThrow()
    b.pushAudio(Buffer.from('after'), 20)
    await until('real audio still flows', () => got.some(s => s.payload.toString() === 'after'))
    expect(got.some(s => s.payload.toString() === 'evil' || s.payload.toString() === 'ok')).toBe(false)
  })

  it('the broadcaster signing off ends listeners with "closed"', async () => {
    const { radios } = network(6)
    const key = stationKey()
    const b = radios[0].broadcast(key, { label: 'bye', codec: 'aac', bitrateKbps: 96 })
    await until('roots', () => (radios[0].feeds.get(key.publicKey.toString('hex'))?.children.size ?? 0) >= 2)
    const l = await radios[3].listen(key.publicKey)
    let why: string | undefined
    l.on('end', w => { why = w })
    await b.close()
    await until('end', () => why !== undefined)
    expect(why).toBe('closed')
  })

  it('a quiet station ends listeners with "station-silent"', async () => {
    const { radios, nodes } = network(6, { silentMs: 800, stallMs: 300 })
    const key = stationKey()
    radios[0].broadcast(key, { label: 'quiet', codec: 'mp3', bitrateKbps: 128 })
    await until('roots', () => (radios[0].feeds.get(key.publicKey.toString('hex'))?.children.size ?? 0) >= 2)
    const l = await radios[3].listen(key.publicKey)
    let why: string | undefined
    l.on('end', w => { why = w })
    // The broadcaster's process hangs: nothing it sends arrives any more, and it answers nothing.
    nodes[0].network.setFault(nodes[0], { down: true })
    for (const n of nodes.slice(1)) {
      n.network.setFault(n, { onRequest: async (req, real) => { if (req.from.id.equals(nodes[0].self.id)) throw new Error('unreachable'); return await real() } })
    }
    await until('end', () => why !== undefined, 5_000)
    expect(why).toBe('station-silent')
  })

  it('a node that keeps missing queries for a station relays it on its own (demand)', async () => {
    const { radios, nodes } = network(10, { demandThreshold: 3 })
    const key = stationKey()
    const hex = key.publicKey.toString('hex')
    radios[0].broadcast(key, { label: 'wanted', codec: 'mp3', bitrateKbps: 128 })
    await until('roots', () => radios[0].feeds.get(hex)?.children.size === 2)
    const relay = radios.findIndex((r, i) => i > 0 && !r.feeds.has(hex))
    const provider = nodes[relay].providers.get(5)!
    provider.onMiss?.(key.publicKey, nodes[1].self, 2)
    expect(radios[relay].feeds.has(hex)).toBe(false) // below the threshold
    provider.onMiss?.(key.publicKey, nodes[2].self, 3)
    await until('relaying', () => radios[relay].feeds.get(hex)?.state === 'carrying')
    expect(radios[relay].known()[0]).toMatchObject({ role: 'relaying', label: 'wanted' })
    // It now answers FIND_VALUE for the station with an offer.
    expect(await provider.get(key.publicKey)).toBeDefined()
  })
})
