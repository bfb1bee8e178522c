import { describe, expect, it } from 'vitest'
import {
  type AckFrame, FrameType, MAX_FRAME_BYTES, type StreamFrame, decodeFrame, encodeAck, encodeData, encodeFin,
  encodeFrame, encodeRst, tryDecodeFrame
} from '../../../../src/node/link/stream/frames.js'
import { MAX_SACK_RANGES } from '../../../../src/node/link/stream/constants.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { seededRandom } from '../../../helpers/lossy-pipe.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

function expectMalformed (b: Uint8Array): void {
  let caught: unknown
  try { decodeFrame(b) } catch (err) { caught = err }
  expect(isTornetError(caught, 'WIRE_MALFORMED'), `expected WIRE_MALFORMED for ${Buffer.from(b).toString('hex')}`).toBe(true)
  expect(tryDecodeFrame(b)).toBeUndefined()
}

function ack (over: Partial<AckFrame> = {}): AckFrame {
  return { type: FrameType.Ack, probe: false, echo: undefined, next: 5, window: 1000, spurious: 0, ranges: [], ...over }
}

describe('stream frames: golden bytes', () => {
  it('DATA', () => {
    const b = encodeData(1, 0x01020304, 0, Buffer.from('hi'))
    expect(b.toString('hex')).toBe('01' + '0100000000000000' + '04030201' + '00' + '6869')
    expect(decodeFrame(b)).toEqual({ type: FrameType.Data, seq: 1, ts: 0x01020304, tx: 0, payload: Buffer.from('hi') })
  })

  it('FIN', () => {
    const b = encodeFin(0x0102030405, 9, 2)
    expect(b.toString('hex')).toBe('03' + '0504030201000000' + '09000000' + '02')
  })

  it('ACK with echo and a SACK range', () => {
    const b = encodeAck({ probe: false, echo: 7, next: 5, window: 0x10000, spurious: 1, ranges: [{ start: 7, end: 9 }] })
    expect(b.toString('hex')).toBe('02' + '02' + '0500000000000000' + '00000100' + '07000000' + '01000000' + '01' + '02000000' + '02000000')
  })

  it('ACK probe without echo', () => {
    const b = encodeAck({ probe: true, next: 0, window: 3, spurious: 0, ranges: [] })
    expect(b.toString('hex')).toBe('02' + '01' + '0000000000000000' + '03000000' + '00000000' + '00000000' + '00')
  })

  it('RST', () => {
    expect(encodeRst(1).toString('hex')).toBe('0401')
  })
})

describe('stream frames: round trips', () => {
  const cases: StreamFrame[] = [
    { type: FrameType.Data, seq: 0, ts: 0, tx: 0, payload: Buffer.from([0]) },
    { type: FrameType.Data, seq: Number.MAX_SAFE_INTEGER, ts: 0xffffffff, tx: 255, payload: Buffer.alloc(1136, 7) },
    { type: FrameType.Fin, seq: 123456789012, ts: 42, tx: 1 },
    ack(),
    ack({ probe: true, echo: 0, spurious: 0xffffffff, window: 0 }),
    ack({ next: 100, ranges: [{ start: 101, end: 102 }, { start: 103, end: 200 }, { start: 1000, end: 1001 }] }),
    ack({ ranges: Array.from({ length: MAX_SACK_RANGES }, (_, i) => ({ start: 10 + i * 3, end: 12 + i * 3 })) }),
    { type: FrameType.Rst, reason: 0 },
    { type: FrameType.Rst, reason: 200 }
  ]
  for (const f of cases) {
    it(`type ${f.type} ${JSON.stringify(f).slice(0, 60)}`, () => {
      expect(decodeFrame(encodeFrame(f))).toEqual(f)
    })
  }

  it('random frames survive encode → decode', () => {
    const rand = seededRandom(5)
    const int = (n: number): number => Math.floor(rand() * n)
    for (let i = 0; i < 2000; i++) {
      const kind = int(4)
      let f: StreamFrame
      if (kind === 0) f = { type: FrameType.Data, seq: int(2 ** 40), ts: int(2 ** 32), tx: int(256), payload: Buffer.alloc(1 + int(1200), int(256)) }
      else if (kind === 1) f = { type: FrameType.Fin, seq: int(2 ** 40), ts: int(2 ** 32), tx: int(256) }
      else if (kind === 2) {
        const next = int(2 ** 40)
        const ranges = []
        let at = next + 1 + int(5)
        for (let k = int(MAX_SACK_RANGES + 1); k > 0; k--) {
          const end = at + 1 + int(50)
          ranges.push({ start: at, end })
          at = end + 1 + int(50)
        }
        f = { type: FrameType.Ack, probe: rand() < 0.5, echo: rand() < 0.5 ? int(2 ** 32) : undefined, next, window: int(2 ** 32), spurious: int(2 ** 32), ranges }
      } else f = { type: FrameType.Rst, reason: int(256) }
      expect(decodeFrame(encodeFrame(f))).toEqual(f)
    }
  })
})

describe('stream frames: malformed input', () => {
  const data = encodeData(3, 4, 0, Buffer.from('x'))
  const fin = encodeFin(3, 4, 0)
  const goodAck = encodeAck({ probe: false, echo: 1, next: 5, window: 10, spurious: 0, ranges: [{ start: 7, end: 9 }] })

  it('empty frame', () => expectMalformed(Buffer.alloc(0)))
  it('unknown types', () => {
    for (const t of [0x00, 0x05, 0x7f, 0xff]) expectMalformed(Buffer.from([t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
  })
  it('DATA truncated anywhere in the header', () => {
    for (let n = 1; n < 14; n++) expectMalformed(data.subarray(0, n))
  })
  it('DATA with an empty payload', () => expectMalformed(data.subarray(0, 14)))
  it('DATA seq beyond 2^53', () => {
    const b = Buffer.from(data); b.writeUInt32LE(0x00200000, 5)
    expectMalformed(b)
  })
  it('FIN truncated or with trailing bytes', () => {
    for (let n = 1; n < fin.length; n++) expectMalformed(fin.subarray(0, n))
    expectMalformed(Buffer.concat([fin, Buffer.from([0])]))
  })
  it('ACK truncated anywhere, or with trailing bytes', () => {
    for (let n = 1; n < goodAck.length; n++) expectMalformed(goodAck.subarray(0, n))
    expectMalformed(Buffer.concat([goodAck, Buffer.from([0])]))
  })
  it('ACK with unknown flags', () => {
    const b = Buffer.from(goodAck); b[1] |= 0x04
    expectMalformed(b)
  })
  it('ACK with an echo but no ECHO flag', () => {
    const b = Buffer.from(goodAck); b[1] = 0
    expectMalformed(b)
  })
  it('ACK with too many ranges', () => {
    const b = Buffer.concat([hex('02 00 0000000000000000 00000000 00000000 00000000'), Buffer.from([MAX_SACK_RANGES + 1]),
      Buffer.alloc((MAX_SACK_RANGES + 1) * 8)])
    expectMalformed(b)
  })
  it('ACK whose count does not match its ranges', () => {
    const b = Buffer.from(goodAck); b[22] = 2
    expectMalformed(b)
  })
  it('ACK ranges: start at next, empty, overlapping, touching, descending', () => {
    const head = hex('02 00 0500000000000000 0a000000 00000000 00000000')
    const rangesOf = (pairs: Array<[number, number]>): Buffer => {
      const body = Buffer.alloc(1 + pairs.length * 8)
      body[0] = pairs.length
      pairs.forEach(([s, l], i) => { body.writeUInt32LE(s, 1 + i * 8); body.writeUInt32LE(l, 5 + i * 8) })
      return Buffer.concat([head, body])
    }
    expect(decodeFrame(rangesOf([[1, 1], [3, 2]]))).toMatchObject({ ranges: [{ start: 6, end: 7 }, { start: 8, end: 10 }] })
    expectMalformed(rangesOf([[0, 1]]))
    expectMalformed(rangesOf([[2, 0]]))
    expectMalformed(rangesOf([[2, 3], [4, 1]]))
    expectMalformed(rangesOf([[2, 2], [4, 1]]))
    expectMalformed(rangesOf([[9, 1], [2, 1]]))
  })
  it('ACK range beyond 2^53', () => {
    const b = Buffer.from(goodAck)
    b.writeUInt32LE(0xffffffff, 2); b.writeUInt32LE(0x1fffff, 6) // next = 2^53 - 1
    expectMalformed(b)
  })
  it('RST truncated or with trailing bytes', () => {
    expectMalformed(Buffer.from([FrameType.Rst]))
    expectMalformed(Buffer.from([FrameType.Rst, 0, 0]))
  })
  it('oversized frame', () => {
    const b = Buffer.concat([data.subarray(0, 14), Buffer.alloc(MAX_FRAME_BYTES)])
    expectMalformed(b)
  })
  it('random bytes never throw anything but WIRE_MALFORMED', () => {
    const rand = seededRandom(9)
    for (let i = 0; i < 20_000; i++) {
      const b = Buffer.alloc(Math.floor(rand() * 40))
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rand() * 256)
      if (b.length > 0 && rand() < 0.8) b[0] = 1 + Math.floor(rand() * 4)
      expect(() => tryDecodeFrame(b)).not.toThrow()
    }
  })
})

describe('stream frames: encoder guards', () => {
  it('refuses an empty DATA payload and disordered ranges', () => {
    expect(() => encodeData(0, 0, 0, Buffer.alloc(0))).toThrow(RangeError)
    expect(() => encodeAck({ probe: false, next: 5, window: 0, spurious: 0, ranges: [{ start: 5, end: 6 }] })).toThrow(RangeError)
    expect(() => encodeAck({ probe: false, next: 5, window: 0, spurious: 0, ranges: [{ start: 7, end: 9 }, { start: 9, end: 10 }] })).toThrow(RangeError)
  })
})
