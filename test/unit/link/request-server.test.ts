import { describe, expect, test } from 'vitest'
import { FragmentAssembler, ReassemblyBudget } from '../../../src/node/link/fragment-assembler.js'
import { RequestServer } from '../../../src/node/link/request-server.js'
import { type ChannelFrame, FrameType, type RequestFrame } from '../../../src/node/wire/channel-frames.js'

const req = (reqId: number): RequestFrame => ({ type: FrameType.REQUEST, reqId, fragIndex: 0, fragCount: 1, service: 's', data: Buffer.alloc(1) })

describe('answer-cache re-sends', () => {
  test('per answer at most once per interval, and all re-sends of a session within the byte rate', async () => {
    let now = 0
    const sent: number[] = []
    const server = new RequestServer({
      send: (frames: ChannelFrame[]) => { for (const f of frames) if (f.type === FrameType.RESPONSE) sent.push(f.reqId) },
      handle: async () => Buffer.alloc(10_000),
      responseRoom: () => 1100,
      requests: new FragmentAssembler({ maxMessageBytes: 65536, maxMessages: 8, timeoutMs: 1000 }, new ReassemblyBudget(1e6)),
      now: () => now
    }, { maxConcurrent: 8, maxPayload: 65536, answerCacheSize: 16, answerCacheBytes: 1e6, answerTtlMs: 30_000, answerResendMs: 100, answerResendBytesPerSec: 20_000 })
    for (let id = 1; id <= 5; id++) await server.onRequest(req(id))
    const firstAnswers = new Set(sent)
    expect(firstAnswers.size).toBe(5)
    const resent = (): Set<number> => { const s = new Set(sent); sent.length = 0; return s }
    resent()
    for (let i = 0; i < 10; i++) server.onRequest(req(1))
    expect(resent().size).toBe(0) // too soon after the answer
    now = 1000
    for (let i = 0; i < 10; i++) for (let id = 1; id <= 5; id++) server.onRequest(req(id))
    expect([...resent()]).toEqual([1, 2]) // 20 KB of tokens: two 10 KB answers, once each
    now = 1500
    for (let id = 1; id <= 5; id++) server.onRequest(req(id))
    expect([...resent()]).toEqual([1]) // half a second refilled 10 KB: one more answer
  })
})

describe('answer cache memory', () => {
  test('a small cached answer holds an allocation of its own, not a slab of the shared pool', async () => {
    let kept: ChannelFrame[] = []
    const server = new RequestServer({
      send: (frames: ChannelFrame[]) => { kept = frames },
      // A handler's small answer from Node's pool, as decoders and encoders give them.
      handle: async () => Buffer.from('a small answer'),
      responseRoom: () => 1100,
      requests: new FragmentAssembler({ maxMessageBytes: 65536, maxMessages: 8, timeoutMs: 1000 }, new ReassemblyBudget(1e6)),
      now: () => 0
    }, { maxConcurrent: 8, maxPayload: 65536, answerCacheSize: 16, answerCacheBytes: 1e6, answerTtlMs: 30_000, answerResendMs: 100, answerResendBytesPerSec: 20_000 })
    await server.onRequest(req(1))
    expect(kept).toHaveLength(1)
    const f = kept[0]
    if (f.type !== FrameType.RESPONSE) throw new Error('expected a RESPONSE frame')
    expect(f.data.toString()).toBe('a small answer')
    expect(f.data.buffer.byteLength).toBe(f.data.length)
  })
})
