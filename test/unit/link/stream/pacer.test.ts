import { describe, expect, it } from 'vitest'
import { Pacer } from '../../../../src/node/link/stream/pacer.js'
import { StreamSender } from '../../../../src/node/link/stream/sender.js'
import { type AckFrame, FrameType } from '../../../../src/node/link/stream/frames.js'
import { PACING_BURST_MAX_FRAMES, PACING_BURST_MIN_FRAMES } from '../../../../src/node/link/stream/constants.js'

const MTU = 1000

describe('Pacer', () => {
  it('is unpaced until it has a rate', () => {
    const p = new Pacer(MTU, 0)
    for (let i = 0; i < 1000; i++) { expect(p.canSend(MTU)).toBe(true); p.consume(MTU) }
  })

  it('lets out at most one burst at once, then tokens at the rate', () => {
    const p = new Pacer(MTU, 0)
    p.setRate(100 * MTU, 0) // 100 frames per ms: the burst is 2 ms = 200 frames, capped
    p.refill(1000) // a long idle period does not bank more than one burst
    let sent = 0
    while (p.canSend(MTU)) { p.consume(MTU); sent++ }
    expect(sent).toBe(PACING_BURST_MAX_FRAMES)
    expect(p.delayFor(MTU)).toBeCloseTo(0.01)
    p.refill(1000.5)
    sent = 0
    while (p.canSend(MTU)) { p.consume(MTU); sent++ }
    expect(sent).toBe(50)
  })

  it('a slow rate still allows the minimum burst', () => {
    const p = new Pacer(MTU, 0)
    p.setRate(1, 0)
    p.refill(1_000_000)
    let sent = 0
    while (p.canSend(MTU)) { p.consume(MTU); sent++ }
    expect(sent).toBe(PACING_BURST_MIN_FRAMES)
  })
})

describe('StreamSender pacing', () => {
  it('does not send a whole large window in one tick', () => {
    const frames: Buffer[] = []
    const s = new StreamSender({ mtu: MTU, now: 0, emit: (f) => frames.push(f), probe: () => {} })
    s.write(Buffer.alloc(10 * 1024 * 1024))
    const ack = (next: number, echoMs: number): AckFrame =>
      ({ type: FrameType.Ack, probe: false, echo: echoMs * 1000, next, window: 64 << 20, spurious: 0, ranges: [] })
    // Grow the window over a few 10 ms round trips: send through each round
    // (the pacer's timer, ms by ms), then every ACK arrives at once.
    let now = 0
    for (let round = 0; round < 8; round++) {
      const start = now
      for (; now < start + 10; now++) s.flush(now)
      s.onAck(ack(frames.length, start), now)
    }
    expect(s.cc.cwnd).toBeGreaterThan(4 * PACING_BURST_MAX_FRAMES * MTU)
    frames.length = 0
    s.flush(now)
    expect(frames.length).toBeLessThanOrEqual(PACING_BURST_MAX_FRAMES)
    expect(s.nextDeadline()).toBeLessThan(now + 10) // the rest follows within the round trip
  })
})
