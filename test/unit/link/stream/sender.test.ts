import { describe, expect, it } from 'vitest'
import { StreamSender } from '../../../../src/node/link/stream/sender.js'
import { type AckFrame, type DataFrame, FrameType, type SackRange, decodeFrame } from '../../../../src/node/link/stream/frames.js'
import { INITIAL_CWND_FRAMES } from '../../../../src/node/link/stream/constants.js'

const MTU = 114 // 100-byte payloads

function setup (bytes = 100 * 100): { s: StreamSender, out: DataFrame[], probes: number[] } {
  const out: DataFrame[] = []
  const probes: number[] = []
  const s = new StreamSender({
    mtu: MTU,
    now: 0,
    emit: (f, payload) => { out.push(decodeFrame(payload === undefined ? f : Buffer.concat([f, payload])) as DataFrame) },
    probe: () => probes.push(1)
  })
  if (bytes > 0) s.write(Buffer.alloc(bytes, 1))
  return { s, out, probes }
}

const ackOf = (next: number, window = 1 << 20, ranges: SackRange[] = [], echo?: number): AckFrame =>
  ({ type: FrameType.Ack, probe: false, echo, next, window, spurious: 0, ranges })
const seqs = (frames: DataFrame[]): number[] => frames.map((f) => f.seq)

describe('StreamSender', () => {
  it('sends the initial window, then one frame per acknowledged frame and more in slow start', () => {
    const { s, out } = setup()
    s.flush(0)
    expect(seqs(out)).toEqual(Array.from({ length: INITIAL_CWND_FRAMES }, (_, i) => i))
    expect(out.every((f) => f.payload.length === 100 && f.tx === 0)).toBe(true)
    out.length = 0
    expect(s.onAck(ackOf(2), 1).ok).toBe(true)
    s.flush(1)
    expect(out.length).toBe(4) // 2 freed + 2 grown
  })

  it('never sends beyond the peer window; probes a zero window', () => {
    const { s, out, probes } = setup(100_000)
    // The peer never consumes: every ACK advertises a zero window, so the
    // sender stops at the initial 64 KiB assumption.
    let now = 0
    for (let sent = -1; sent !== out.length; now++) {
      sent = out.length
      s.flush(now)
      const last = out[out.length - 1]
      if (last !== undefined) s.onAck(ackOf(last.seq + 1, 0), now)
    }
    expect(out.reduce((n, f) => n + f.payload.length, 0)).toBe(64 * 1024)
    const d = s.nextDeadline() as number
    expect(d).toBeGreaterThan(now)
    s.onTimer(d)
    expect(probes.length).toBe(1)
    out.length = 0
    const next = (s as unknown as { nxt: number }).nxt
    s.onAck(ackOf(next, 250), d + 1)
    s.flush(d + 1)
    expect(out.map((f) => f.payload.length)).toEqual([100, 100]) // 250 bytes: the half frame waits (silly window)
  })

  it('rejects ACKs for data never sent, ignores stale ones', () => {
    const { s } = setup()
    s.flush(0)
    expect(s.onAck(ackOf(11), 1).ok).toBe(false)
    expect(s.onAck(ackOf(2, 1000, [{ start: 5, end: 11 }]), 1).ok).toBe(false)
    expect(s.onAck(ackOf(5), 1).ok).toBe(true)
    expect(s.onAck(ackOf(3), 2).ok).toBe(true)
    expect(s.bufferedBytes).toBe(100 * 100 - 500)
  })

  it('RACK: a hole below delivered packets is lost once older than their RTT plus the reordering window', () => {
    const { s, out } = setup()
    s.flush(0)
    out.length = 0
    // Packets 5..9 arrive, 0..4 do not; the ACK comes 8 ms after sending.
    s.onAck(ackOf(0, 1 << 20, [{ start: 5, end: 10 }], 0), 8)
    expect(s.stats.framesLost).toBe(0) // sent together with 5..9: maybe just reordered
    const d = s.nextDeadline() as number
    expect(d).toBeCloseTo(8 + 8 / 4) // sent at 0 + RTT 8 + window minRtt/4
    s.onTimer(d)
    expect(out.filter((f) => f.tx > 0).map((f) => f.seq)).toEqual([0, 1, 2, 3, 4])
    expect(s.stats.framesLost).toBe(5)
    expect(s.stats.lossEpisodes).toBe(1) // one window, one reduction
  })

  it('a loss of a packet sent after the reduction starts a new episode', () => {
    const { s, out } = setup()
    s.flush(0)
    s.onAck(ackOf(0, 1 << 20, [{ start: 5, end: 10 }], 0), 8)
    out.length = 0
    s.onTimer(10) // 0..4 lost, resent at 10 with new packets 10, 11
    expect(out.map((f) => [f.seq, f.tx])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1], [4, 1], [10, 0], [11, 0]])
    expect(s.stats.lossEpisodes).toBe(1)
    s.onAck(ackOf(5, 1 << 20, [{ start: 11, end: 12 }], 10_000), 18) // 10 is missing
    s.onTimer(s.nextDeadline() as number)
    expect(s.stats.framesLost).toBe(6)
    expect(s.stats.lossEpisodes).toBe(2)
  })

  it('tail loss probe, then RTO with backoff: everything in flight is resent, the window collapses', () => {
    const { s, out } = setup()
    s.flush(0)
    s.onAck(ackOf(10, 1 << 20, [], 0), 10) // srtt 10 ms, RTO 30 ms
    out.length = 0
    s.flush(10)
    const lastSeq = out[out.length - 1].seq
    let d = s.nextDeadline() as number
    expect(d).toBe(10 + 2 * 10) // the probe: 2·srtt after the last send
    out.length = 0
    s.onTimer(d)
    expect(out.map((f) => [f.seq, f.tx])).toEqual([[lastSeq, 1]])
    d = s.nextDeadline() as number
    expect(d).toBe(10 + 30) // then the RTO, from the oldest packet in flight
    out.length = 0
    s.onTimer(d)
    expect(s.stats.timeouts).toBe(1)
    expect(s.cc.cwnd).toBe(MTU)
    expect(out.map((f) => [f.seq, f.tx])).toEqual([[10, 1]]) // one frame in a one-frame window
    expect(s.rtt.rto).toBe(60)
  })

  it('an RTO that the next ACK shows was needless is undone (Eifel)', () => {
    for (const spurious of [true, false]) {
      const { s, out } = setup(100 * 1000)
      s.flush(0)
      s.onAck(ackOf(10, 1 << 20, [], 0), 10) // srtt 10 ms, RTO 30 ms
      s.flush(10) // 20 more packets, 10..29
      s.onTimer(30) // tail probe
      const before = s.cc.cwnd
      s.onTimer(40) // RTO: everything in flight is given up on
      expect(s.cc.cwnd).toBe(MTU)
      expect(out[out.length - 1]).toMatchObject({ seq: 10, tx: 1 })
      // The ACK echoes a packet sent at 10 ms (an original), or one sent at
      // 40 ms (the retransmission).
      const echo = spurious ? 10_000 : 40_000
      s.onAck(ackOf(11, 1 << 20, [], echo), 41)
      expect(s.stats.spuriousTimeouts).toBe(spurious ? 1 : 0)
      if (spurious) {
        expect(s.cc.cwnd).toBeGreaterThanOrEqual(before)
        expect(s.bytesInFlight).toBe(19 * MTU) // 11..29 back in flight; 10, resent, was acknowledged
      } else {
        expect(s.cc.cwnd).toBeLessThan(before)
      }
    }
  })

  it('sends FIN after all data is acknowledged and finishes when it is acknowledged', () => {
    const { s, out } = setup(150)
    s.requestFin()
    s.flush(0)
    expect(out.map((f) => f.type)).toEqual([FrameType.Data, FrameType.Data])
    s.onAck(ackOf(2), 1)
    s.flush(1)
    expect(out[2]).toMatchObject({ type: FrameType.Fin, seq: 2 })
    expect(s.finished).toBe(false)
    s.onAck(ackOf(3), 2)
    expect(s.finished).toBe(true)
    expect(s.idle).toBe(true)
  })
})
