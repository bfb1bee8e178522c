import { describe, expect, test } from 'vitest'
import { tryDecode, WireError } from '../../../src/node/wire/codec.js'
import { type ChannelFrame, decodeFrames, encodeFrame, encodeFrames, encodeStreamDataHead, FrameType, MAX_FRAGMENTS } from '../../../src/node/wire/channel-frames.js'

const frames: ChannelFrame[] = [
  { type: FrameType.REQUEST, reqId: 1, fragIndex: 0, fragCount: 3, service: 'kv', data: Buffer.from('hello') },
  { type: FrameType.RESPONSE, reqId: 0xffffffff, fragIndex: 2, fragCount: 3, data: Buffer.alloc(0) },
  { type: FrameType.ERROR, reqId: 9, code: 'LINK_UNKNOWN_SERVICE', text: 'no service "x" here' },
  { type: FrameType.STREAM_OPEN, channel: 4, service: 'chunks' },
  { type: FrameType.STREAM_ACCEPT, channel: 4 },
  { type: FrameType.STREAM_DATA, channel: 5, data: Buffer.alloc(1000, 3) },
  { type: FrameType.STREAM_RESET, channel: 6, code: 'LINK_BUSY', text: '' },
  { type: FrameType.DATAGRAM, service: 'radio', data: Buffer.from([1, 2, 3]) },
  { type: FrameType.PING, id: 77 },
  { type: FrameType.PONG, id: 77 },
  { type: FrameType.CLOSE, code: 'CLOSE', text: 'bye ✓' },
  { type: FrameType.PATH_CHALLENGE, data: Buffer.from('01234567') },
  { type: FrameType.PATH_RESPONSE, data: Buffer.from('89abcdef') }
]

describe('channel frames', () => {
  test.each(frames.map(f => [f.type, f] as const))('type %i round-trips alone', (_t, f) => {
    expect(decodeFrames(encodeFrames([f]))).toEqual([f])
  })

  test('a sequence round-trips, padding included', () => {
    const all = [...frames, { type: FrameType.PADDING, length: 40 } as const]
    expect(decodeFrames(encodeFrames(all))).toEqual(all)
  })

  test('every truncation of a sequence is rejected or decodes to a strict prefix', () => {
    // Cuts that land exactly on a frame boundary are a valid shorter sequence; all others must throw.
    const bytes = encodeFrames(frames)
    const boundaries = new Set<number>()
    let off = 0
    for (const f of frames) { off += encodeFrames([f]).length; boundaries.add(off) }
    for (let n = 1; n < bytes.length; n++) {
      const r = tryDecode(decodeFrames, bytes.subarray(0, n))
      if (boundaries.has(n)) expect(r?.length).toBeGreaterThan(0)
      else expect(r, `cut at ${n}`).toBeUndefined()
    }
  })

  test('a STREAM_DATA frame sent as head and tail has exactly encodeFrame\'s bytes', () => {
    const head = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    for (const tail of [Buffer.alloc(0), Buffer.alloc(15_979, 0xab)]) {
      const joined = Buffer.concat([encodeStreamDataHead(0x89abcdef, head, tail.length), tail])
      expect(joined.equals(encodeFrame({ type: FrameType.STREAM_DATA, channel: 0x89abcdef, data: Buffer.concat([head, tail]) }))).toBe(true)
      expect(decodeFrames(joined)).toEqual([{ type: FrameType.STREAM_DATA, channel: 0x89abcdef, data: Buffer.concat([head, tail]) }])
    }
    expect(() => encodeStreamDataHead(1, head, 0xffff)).toThrow(RangeError)
  })

  test('unknown frame type is rejected', () => {
    expect(() => decodeFrames(Buffer.from([0x7f]))).toThrow(/unknown frame type/)
  })

  test('fragment numbers out of range are rejected', () => {
    const f = encodeFrames([frames[0]])
    const bad = Buffer.from(f); bad.writeUInt16LE(3, 5) // index 3 of 3
    expect(() => decodeFrames(bad)).toThrow(/out of range/)
    const zero = Buffer.from(f); zero.writeUInt16LE(0, 7) // count 0
    expect(() => decodeFrames(zero)).toThrow(WireError)
    const many = Buffer.from(f); many.writeUInt16LE(MAX_FRAGMENTS + 1, 7)
    expect(() => decodeFrames(many)).toThrow(WireError)
  })

  test('empty and oversized names are rejected', () => {
    expect(() => decodeFrames(Buffer.from([FrameType.DATAGRAM, 0, 0, 0]))).toThrow(/empty service/)
    const long = Buffer.concat([Buffer.from([FrameType.DATAGRAM, 65]), Buffer.alloc(65, 0x61), Buffer.from([0, 0])])
    expect(() => decodeFrames(long)).toThrow(/exceeds limit/)
    expect(() => encodeFrames([{ type: FrameType.DATAGRAM, service: '', data: Buffer.alloc(0) }])).toThrow(RangeError)
  })

  test('texts above 512 bytes are rejected on decode and cut on encode', () => {
    const e = encodeFrames([{ type: FrameType.CLOSE, code: 'X', text: 'a'.repeat(2000) }])
    expect((decodeFrames(e)[0] as { text: string }).text.length).toBe(512)
    const bad = Buffer.concat([Buffer.from([FrameType.CLOSE, 1, 0x58]), Buffer.from([0x01, 0x02]), Buffer.alloc(513)])
    expect(() => decodeFrames(bad)).toThrow(/exceeds limit/)
  })

  test('invalid UTF-8 in a name is rejected', () => {
    expect(() => decodeFrames(Buffer.from([FrameType.STREAM_OPEN, 1, 0, 0, 0, 1, 0xff]))).toThrow(/UTF-8/)
  })

  test('non-zero padding is rejected', () => {
    expect(() => decodeFrames(Buffer.from([FrameType.PING, 1, 0, 0, 0, 0, 0, 1]))).toThrow(/padding/)
  })
})
