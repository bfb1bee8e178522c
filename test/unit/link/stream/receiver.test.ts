import { describe, expect, it } from 'vitest'
import { StreamReceiver } from '../../../../src/node/link/stream/receiver.js'
import { type DataFrame, type FinFrame, FrameType } from '../../../../src/node/link/stream/frames.js'

const data = (seq: number, payload = `p${seq}`, tx = 0, ts = seq): DataFrame =>
  ({ type: FrameType.Data, seq, ts, tx, payload: Buffer.from(payload) })
const fin = (seq: number): FinFrame => ({ type: FrameType.Fin, seq, ts: seq, tx: 0 })

function setup (maxWindow = 1000, maxHeld = 100, maxRanges = 32): { r: StreamReceiver, got: string[] } {
  const got: string[] = []
  const r = new StreamReceiver(maxWindow, maxHeld, maxRanges, (p) => got.push(p.toString()))
  return { r, got }
}

describe('StreamReceiver', () => {
  it('delivers in order whatever the arrival order, and reports the rest as SACK ranges', () => {
    const { r, got } = setup()
    expect(r.onFrame(data(2), 0)).toEqual({ kind: 'accepted', outOfOrder: true, gap: true })
    expect(r.onFrame(data(4), 0)).toEqual({ kind: 'accepted', outOfOrder: true, gap: true }) // a new hole at 3
    expect(r.onFrame(data(5), 0)).toEqual({ kind: 'accepted', outOfOrder: true, gap: false }) // next after the highest
    expect(got).toEqual([])
    let ack = r.buildAck(500, false)
    expect(ack.next).toBe(0)
    expect(ack.ranges).toEqual([{ start: 2, end: 3 }, { start: 4, end: 6 }])
    expect(ack.echo).toBe(5)
    expect(r.onFrame(data(0), 0)).toEqual({ kind: 'accepted', outOfOrder: false, gap: true }) // below the highest
    expect(got).toEqual(['p0'])
    r.onFrame(data(1), 0)
    expect(got).toEqual(['p0', 'p1', 'p2'])
    r.onFrame(data(3), 0)
    expect(got).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5'])
    ack = r.buildAck(500, false)
    expect(ack).toMatchObject({ next: 6, ranges: [], window: 500 })
  })

  it('echoes the newest timestamp, not the latest arrival', () => {
    const { r } = setup()
    r.onFrame(data(1, 'x', 0, 500), 0)
    r.onFrame(data(0, 'x', 0, 100), 0) // a delayed copy
    expect(r.buildAck(0, false).echo).toBe(500)
    expect(r.buildAck(0, false).echo).toBeUndefined()
    r.onFrame(data(1, 'x', 0, 900), 0) // a duplicate: answered, but no RTT information
    expect(r.unacknowledged).toBe(1)
    expect(r.buildAck(0, false).echo).toBeUndefined()
  })

  it('drops duplicates, counting retransmitted ones as spurious', () => {
    const { r, got } = setup()
    r.onFrame(data(0), 0)
    r.onFrame(data(2), 0)
    expect(r.onFrame(data(0), 0).kind).toBe('duplicate')
    expect(r.onFrame(data(2, 'p2', 1), 0).kind).toBe('duplicate')
    expect(got).toEqual(['p0'])
    expect(r.stats).toMatchObject({ duplicates: 2, spurious: 1 })
    expect(r.buildAck(0, false).spurious).toBe(1)
  })

  it('finishes at the FIN only when everything before it has arrived', () => {
    const { r, got } = setup()
    r.onFrame(fin(2), 0)
    r.onFrame(data(1), 0)
    expect(r.finished).toBe(false)
    r.onFrame(data(0), 0)
    expect(got).toEqual(['p0', 'p1'])
    expect(r.finished).toBe(true)
    expect(r.next).toBe(3)
    expect(r.onFrame(fin(2), 0).kind).toBe('duplicate')
  })

  it('flags protocol violations around the FIN', () => {
    let { r } = setup()
    r.onFrame(fin(3), 0)
    expect(r.onFrame(data(3), 0).kind).toBe('violation')
    expect(r.onFrame(data(7), 0).kind).toBe('violation')
    expect(r.onFrame(fin(4), 0).kind).toBe('violation')
    ;({ r } = setup())
    r.onFrame(data(5), 0)
    expect(r.onFrame(fin(4), 0).kind).toBe('violation')
    ;({ r } = setup())
    r.onFrame(data(0), 0)
    expect(r.onFrame(fin(0), 0).kind).toBe('violation')
  })

  it('enforces flow control: drops what does not fit, rejects what no window allows', () => {
    const { r, got } = setup(100)
    expect(r.onFrame(data(1, 'x'.repeat(60)), 0).kind).toBe('accepted')
    expect(r.onFrame(data(2, 'x'.repeat(50)), 0).kind).toBe('dropped') // 60 held + 50 > 100
    expect(r.onFrame(data(0, 'y'.repeat(30)), 20).kind).toBe('dropped') // 20 unread + 60 + 30 > 100
    expect(r.onFrame(data(0, 'y'.repeat(30)), 0).kind).toBe('accepted')
    expect(got.length).toBe(2)
    expect(r.stats.windowDrops).toBe(2)
    expect(r.onFrame(data(2 + 100), 0).kind).toBe('violation')
  })

  it('bounds the number of held packets', () => {
    const { r } = setup(10_000, 3)
    for (let s = 1; s <= 3; s++) expect(r.onFrame(data(s * 2), 0).kind).toBe('accepted')
    expect(r.onFrame(data(20), 0).kind).toBe('dropped')
    expect(r.heldPackets).toBe(3)
  })

  it('reports the lowest ranges and the highest when there are too many', () => {
    const { r } = setup(10_000, 1000, 4)
    for (let s = 2; s < 40; s += 2) r.onFrame(data(s), 0)
    const ack = r.buildAck(0, false)
    expect(ack.ranges).toEqual([{ start: 2, end: 3 }, { start: 4, end: 5 }, { start: 6, end: 7 }, { start: 38, end: 39 }])
  })
})
