import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import type { Listening, RadioService } from '../../src/node/services/radio/radio-api.js'
import type { RadioServiceInternals } from '../../src/node/services/radio/radio-service.js'

/**
 * Issue 14 on real UDP: 30 nodes, one broadcaster, 25 listeners; relays that feed others are
 * stopped mid-stream. Every surviving listener must keep ≥ 99 % of the audio segments, each
 * exactly once and byte for byte what the broadcaster signed, and must have re-joined.
 */
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
const internals = (r: RadioService): RadioServiceInternals => r as unknown as RadioServiceInternals

describe('radio on 30 real UDP nodes', () => {
  let net: Testnet
  beforeAll(async () => { net = await createTestnet(30) })
  afterAll(async () => { await net?.close() })

  it('25 listeners keep ≥ 99% of segments while relays die', async () => {
    const id = generateIdentity()
    const key = { publicKey: id.publicKey, privateKey: id.secretKey }
    const hex = key.publicKey.toString('hex')
    const [source, ...rest] = net.nodes
    const b = source.radio.broadcast(key, { label: 'udp-fm', codec: 'mp3', bitrateKbps: 80 })
    const sent = new Map<number, string>()
    let n = 0
    const audio = setInterval(() => {
      const payload = Buffer.alloc(1000, n & 0xff)
      payload.writeUInt32LE(n++, 0)
      b.pushAudio(payload, 100)
    }, 100)
    // Remember what was signed under each sequence number: the listeners must get exactly it.
    internals(source.radio).feeds.get(hex)?.on('segment', s => { if (s.kind === 'audio') sent.set(s.seq, s.payload.toString('hex')) })

    const listeners = rest.slice(0, 25)
    const got = listeners.map(() => new Map<number, string>())
    const duplicates: number[] = []
    const mismatched: number[] = []
    const handles: Listening[] = []
    const ends: Array<{ i: number, why: string }> = []
    for (const [i, node] of listeners.entries()) {
      const l = await node.radio.listen(key.publicKey)
      l.on('end', why => { ends.push({ i, why }) })
      handles.push(l)
      l.on('segment', s => {
        if (s.kind !== 'audio') return
        if (got[i].has(s.seq)) duplicates.push(s.seq)
        got[i].set(s.seq, s.payload.toString('hex'))
      })
    }
    await sleep(3_000)

    // Stop three relays that feed others (never the broadcaster).
    const victims = net.nodes.filter(node => node !== source && (internals(node.radio).feeds.get(hex)?.children.size ?? 0) > 0).slice(0, 3)
    expect(victims.length).toBeGreaterThan(0)
    const orphans = net.nodes.filter(node => victims.some(v => internals(node.radio).feeds.get(hex)?.upstream?.id.equals(v.identity.id) === true))
    const parentsBefore = new Map(orphans.map(o => [o, internals(o.radio).feeds.get(hex)?.upstream?.id.toString('hex')]))
    expect(orphans.filter(o => !victims.includes(o)).length).toBeGreaterThan(0)
    await Promise.all(victims.map(async v => await v.stop()))
    await sleep(6_000)
    clearInterval(audio)
    await sleep(2_500)

    const firstSeq = Math.min(...sent.keys())
    const lastSeq = Math.max(...sent.keys())
    const due = [...sent.keys()].filter(s => s >= firstSeq && s <= lastSeq - 5) // the last few may still be on their way
    const survivors = listeners.map((node, i) => ({ node, i })).filter(({ node }) => !victims.includes(node))
    expect(survivors.length).toBeGreaterThanOrEqual(22)
    for (const { node, i } of survivors) {
      const joinedAt = Math.min(...got[i].keys())
      const mine = due.filter(s => s >= joinedAt)
      const kept = mine.filter(s => got[i].has(s)).length
      const f = internals(node.radio).feeds.get(hex)
      const why = `listener ${i} kept ${kept} of ${mine.length} (feed ${f?.state ?? 'gone'} at depth ${f?.depth ?? '-'}; ended: ${ends.map(e => `${e.i} ${e.why}`).join(', ') || 'none'})`
      expect(mine.length, why).toBeGreaterThan(0)
      expect(kept / mine.length, why).toBeGreaterThanOrEqual(0.99)
      for (const [seq, payload] of got[i]) if (sent.get(seq) !== payload) mismatched.push(seq)
      expect(f?.refused['bad-signature'] ?? 0).toBe(0)
    }
    expect(ends.filter(e => !victims.includes(listeners[e.i]))).toEqual([]) // survivors' streams never ended
    expect(duplicates).toEqual([])
    expect(mismatched).toEqual([])
    // Every orphan found a new parent.
    for (const [o, before] of parentsBefore) {
      if (victims.includes(o)) continue
      const now = internals(o.radio).feeds.get(hex)?.upstream?.id.toString('hex')
      expect(now).toBeDefined()
      expect(now).not.toBe(before)
    }
    for (const h of handles) h.close()
    await b.close()
  })
})
