import { describe, expect, it } from 'vitest'
import { identityFromKeys } from '../../../../src/node/identity/identity.js'
import { describeChunk } from '../../../../src/node/services/chunks/chunk-format.js'
import {
  type ChunkMessage, MAX_FRAME_BODY, MAX_PROVIDERS, type ProviderRecord, type SlicePieces, type StreamFrame, StreamFrameType,
  decodeChunkMessage, decodeProviderList, decodeStreamFrame, decodeStreamFramePieces, encodeChunkMessage, encodeProviderList,
  encodeStreamFrame, recordBody, sliceFrameHeader
} from '../../../../src/node/services/chunks/messages.js'
import { FrameParser } from '../../../../src/node/services/chunks/frame-parser.js'
import { checkProviderRecord, createProviderRecord } from '../../../../src/node/services/chunks/provider-record.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { fakeChunk } from './chunk-testnet.js'

// A fixed identity, so signatures (ed25519 is deterministic) and golden bytes are stable.
const secret = Buffer.alloc(32, 7)
const identity = identityFromKeys(secret, Buffer.from(ed25519.getPublicKey(secret)), Buffer.from('0102030405060708', 'hex'))
const chunkId = Buffer.alloc(32, 0xab)
const NOW = 1_700_000_000_000

function record (endpoint = { address: '192.0.2.1', port: 4000 }, expiresAt = NOW + 3600_000): ProviderRecord {
  return createProviderRecord(identity, endpoint, chunkId, expiresAt)
}

function expectMalformed (f: () => unknown): void {
  let err: unknown
  try { f() } catch (e) { err = e }
  expect(isTornetError(err, 'WIRE_MALFORMED'), `expected WIRE_MALFORMED, got ${String(err)}`).toBe(true)
}

const small = describeChunk(fakeChunk(1, 200_000).bytes)

const messages: ChunkMessage[] = [
  { type: 'addProvider', record: record() },
  { type: 'addProvider', record: record({ address: '2001:db8::1', port: 65535 }) },
  { type: 'added', accepted: true },
  { type: 'added', accepted: false },
  { type: 'getProviders', chunkId },
  { type: 'providers', records: [record(), record({ address: '10.1.2.3', port: 1 })] },
  { type: 'getDescriptor', chunkId },
  { type: 'descriptor', descriptor: small },
  { type: 'notFound', count: 0 },
  { type: 'notFound', count: 0xffffffff },
  { type: 'cacheRequest', chunkId },
  { type: 'cacheAck', accepted: true },
  { type: 'error', reason: 1 },
  { type: 'hasChunk', chunkId },
  { type: 'hosting', held: true, servedBytes: 3 * 1024 * 1024, since: NOW },
  { type: 'hosting', held: false, servedBytes: 0, since: 0 },
  { type: 'publishOffer', chunkId, size: 1, maxCredit: 0 },
  { type: 'publishOffer', chunkId, size: 1024 * 1024 + 4096, maxCredit: Number.MAX_SAFE_INTEGER },
  { type: 'publishReply', status: 0, price: 1_048_576, paidUntil: NOW + 7 * 86_400_000 },
  { type: 'publishReply', status: 3, price: 99, paidUntil: 0 }
]

const frames: StreamFrame[] = [
  { type: 'sliceRequest', chunkId, first: 0, count: 16 },
  { type: 'sliceRequest', chunkId, first: 15, count: 1 },
  { type: 'slice', index: 3, bytes: Buffer.alloc(65536, 9) },
  { type: 'slice', index: 15, bytes: Buffer.from([1]) },
  { type: 'sliceNotFound', count: 42 },
  { type: 'sliceRefused', reason: 2 }
]

describe('chunk messages', () => {
  it('round-trips every request and reply', () => {
    for (const m of messages) {
      const b = encodeChunkMessage(m)
      expect(decodeChunkMessage(b)).toEqual(m)
    }
  })

  it('keeps the bytes of the publishing messages stable (golden)', () => {
    expect(encodeChunkMessage({ type: 'hasChunk', chunkId }).toString('hex')).toBe('0b' + 'ab'.repeat(32))
    expect(encodeChunkMessage({ type: 'hosting', held: true, servedBytes: 258, since: 65536 }).toString('hex'))
      .toBe('0c01' + '0201000000000000' + '0000010000000000')
    expect(encodeChunkMessage({ type: 'publishOffer', chunkId, size: 1000, maxCredit: 5 }).toString('hex'))
      .toBe('0d' + 'ab'.repeat(32) + 'e8030000' + '0500000000000000')
    expect(encodeChunkMessage({ type: 'publishReply', status: 3, price: 1, paidUntil: 2 }).toString('hex'))
      .toBe('0e03' + '0100000000000000' + '0200000000000000')
  })

  it('rejects malformed publishing messages', () => {
    expectMalformed(() => decodeChunkMessage(Buffer.from('0c02' + '00'.repeat(16), 'hex'))) // held flag 2
    expectMalformed(() => decodeChunkMessage(Buffer.from('0d' + 'ab'.repeat(32) + '00000000' + '00'.repeat(8), 'hex'))) // size 0
    expectMalformed(() => decodeChunkMessage(Buffer.from('0d' + 'ab'.repeat(32) + 'ffffffff' + '00'.repeat(8), 'hex'))) // size over 1 MiB + 4 KiB
    expectMalformed(() => decodeChunkMessage(Buffer.from('0e08' + '00'.repeat(16), 'hex'))) // unknown status
    expectMalformed(() => decodeChunkMessage(Buffer.from('0e00' + '00'.repeat(15), 'hex'))) // truncated
    expect(() => encodeChunkMessage({ type: 'publishOffer', chunkId, size: 0, maxCredit: 0 })).toThrow(RangeError)
    expect(() => encodeChunkMessage({ type: 'publishReply', status: 9 as never, price: 0, paidUntil: 0 })).toThrow(RangeError)
  })

  it('keeps the wire bytes of a record stable (golden)', () => {
    const r = record()
    // chunkId | id | cflags=KEY(0x02) | 192.0.2.1 | port 4000 LE | publicKey | nonce | expiresAt u64 LE
    const expected = Buffer.concat([
      chunkId, identity.id, Buffer.from([0x02, 192, 0, 2, 1, 0xa0, 0x0f]), identity.publicKey,
      Buffer.from('0102030405060708', 'hex'), Buffer.from('80561cd08b010000', 'hex')
    ])
    expect(recordBody(r).toString('hex')).toBe(expected.toString('hex'))
    expect(encodeChunkMessage({ type: 'getProviders', chunkId }).toString('hex')).toBe('03' + 'ab'.repeat(32))
    expect(encodeChunkMessage({ type: 'notFound', count: 258 }).toString('hex')).toBe('0702010000')
    expect(encodeStreamFrame({ type: 'sliceRequest', chunkId, first: 2, count: 3 }).toString('hex'))
      .toBe('23000000' + '10' + 'ab'.repeat(32) + '0203')
  })

  it('rejects every truncation and trailing bytes', () => {
    for (const m of messages) {
      const b = encodeChunkMessage(m)
      for (let n = 0; n < b.length; n++) expectMalformed(() => decodeChunkMessage(b.subarray(0, n)))
      expectMalformed(() => decodeChunkMessage(Buffer.concat([b, Buffer.from([0])])))
    }
  })

  it('rejects unknown types, bad flags and list sizes', () => {
    expectMalformed(() => decodeChunkMessage(Buffer.from([0x00])))
    expectMalformed(() => decodeChunkMessage(Buffer.from([0x7f])))
    expectMalformed(() => decodeChunkMessage(Buffer.from([0x02, 2]))) // accepted must be 0 or 1
    expectMalformed(() => decodeChunkMessage(Buffer.from([0x04, 0]))) // empty provider list
    const one = encodeChunkMessage({ type: 'providers', records: [record()] })
    const over = Buffer.from(one); over[1] = MAX_PROVIDERS + 1
    expectMalformed(() => decodeChunkMessage(over))
    // A record whose contact lacks the key flag cannot be checked: refused.
    const noKey = Buffer.from(encodeChunkMessage({ type: 'addProvider', record: record() }))
    noKey[1 + 32 + 32] = 0x00
    expectMalformed(() => decodeChunkMessage(noKey))
    // Unknown contact flag bits.
    const badFlags = Buffer.from(encodeChunkMessage({ type: 'addProvider', record: record() }))
    badFlags[1 + 32 + 32] = 0x06
    expectMalformed(() => decodeChunkMessage(badFlags))
    // A descriptor with an invalid length.
    const d = Buffer.from(encodeChunkMessage({ type: 'descriptor', descriptor: small }))
    d.writeUInt32LE(7, 1 + 32)
    expectMalformed(() => decodeChunkMessage(d))
  })

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeChunkMessage({ type: 'providers', records: [] })).toThrow(RangeError)
    expect(() => encodeChunkMessage({ type: 'getProviders', chunkId: Buffer.alloc(31) })).toThrow(RangeError)
    expect(() => encodeStreamFrame({ type: 'sliceRequest', chunkId, first: 10, count: 7 })).toThrow(RangeError)
    expect(() => encodeStreamFrame({ type: 'slice', index: 0, bytes: Buffer.alloc(0) })).toThrow(RangeError)
    expect(() => recordBody({ ...record(), provider: { ...record().provider, endpoint: { address: 'memory', port: 1 } } })).toThrow(RangeError)
  })

  it('round-trips provider lists (the FIND_VALUE value)', () => {
    const list = Array.from({ length: MAX_PROVIDERS }, (_, i) => record({ address: `10.0.0.${i + 1}`, port: 1000 + i }))
    expect(decodeProviderList(encodeProviderList(list))).toEqual(list)
    expectMalformed(() => decodeProviderList(Buffer.from([0])))
    expectMalformed(() => decodeProviderList(Buffer.concat([encodeProviderList(list.slice(0, 1)), Buffer.from([1])])))
  })
})

describe('chunk stream frames', () => {
  it('round-trip, and a SLICE header plus its bytes equals the whole frame', () => {
    for (const f of frames) {
      const b = encodeStreamFrame(f)
      expect(b.readUInt32LE(0)).toBe(b.length - 4)
      expect(decodeStreamFrame(b.subarray(4))).toEqual(f)
      if (f.type === 'slice') expect(Buffer.concat([sliceFrameHeader(f.index, f.bytes.length), f.bytes])).toEqual(b)
    }
  })

  it('reject malformed frames', () => {
    for (const f of frames) {
      const body = encodeStreamFrame(f).subarray(4)
      if (f.type !== 'slice') { // a slice's length is the frame's: any truncation is still a (shorter) slice
        for (let n = 0; n < body.length; n++) expectMalformed(() => decodeStreamFrame(body.subarray(0, n)))
        expectMalformed(() => decodeStreamFrame(Buffer.concat([body, Buffer.from([0])])))
      }
    }
    expectMalformed(() => decodeStreamFrame(Buffer.from([0x11, 0]))) // empty slice
    expectMalformed(() => decodeStreamFrame(Buffer.concat([Buffer.from([0x11, 16]), Buffer.alloc(8)]))) // index 16
    expectMalformed(() => decodeStreamFrame(Buffer.concat([Buffer.from([0x11, 0]), Buffer.alloc(65537)])))
    expectMalformed(() => decodeStreamFrame(Buffer.concat([Buffer.from([0x10]), chunkId, Buffer.from([0, 0])]))) // count 0
    expectMalformed(() => decodeStreamFrame(Buffer.concat([Buffer.from([0x10]), chunkId, Buffer.from([8, 9])]))) // past 16
    expectMalformed(() => decodeStreamFrame(Buffer.from([0x01])))
  })
})

describe('FrameParser', () => {
  const stream = Buffer.concat(frames.map(encodeStreamFrame))

  it('yields the same frames however the bytes are split', () => {
    const whole = new FrameParser(MAX_FRAME_BODY).push(stream).map(decodeStreamFrame)
    expect(whole).toEqual(frames)
    for (const cut of [1, 3, 4, 5, 7, 1000, 65541]) {
      const p = new FrameParser(MAX_FRAME_BODY)
      const got: StreamFrame[] = []
      for (let o = 0; o < stream.length; o += cut) got.push(...p.push(stream.subarray(o, o + cut)).map(decodeStreamFrame))
      expect(got).toEqual(frames)
      expect(p.pending).toBe(0)
    }
  })

  it('hands out bodies as pieces of the pushed buffers, decoded to the same frames', () => {
    // Pieces as a slice decodes them: its bytes stay views of what came in (no join).
    const asFrame = (f: StreamFrame | SlicePieces): StreamFrame =>
      'pieces' in f ? { type: 'slice', index: f.index, bytes: Buffer.concat(f.pieces, f.length) } : f
    for (const cut of [1, 2, 5, 6, 16_000, 65_542, stream.length]) {
      const p = new FrameParser(MAX_FRAME_BODY)
      const got: StreamFrame[] = []
      for (let o = 0; o < stream.length; o += cut) {
        const piece = Buffer.from(stream.subarray(o, o + cut))
        for (const b of p.pushPieces(piece)) {
          expect(b.pieces.reduce((n, x) => n + x.length, 0)).toBe(b.length)
          const f = decodeStreamFramePieces(b.pieces, b.length)
          if ('pieces' in f && cut === stream.length) expect(f.pieces.every(x => x.buffer === piece.buffer)).toBe(true)
          got.push(asFrame(f))
        }
      }
      expect(got).toEqual(frames)
      expect(p.pending).toBe(0)
    }
  })

  it('checks a slice in pieces as strictly as a whole one', () => {
    const body = (index: number, n: number): Buffer[] => [Buffer.from([StreamFrameType.slice, index]), Buffer.alloc(n)]
    expectMalformed(() => decodeStreamFramePieces(body(16, 10), 12))
    expectMalformed(() => decodeStreamFramePieces(body(0, 0), 2))
    expectMalformed(() => decodeStreamFramePieces(body(0, 65_537), 65_539))
    expectMalformed(() => decodeStreamFramePieces([Buffer.from([0x7f, 1, 2])], 3))
    expectMalformed(() => decodeStreamFramePieces([], 0))
    // Type and index split over two pieces.
    const f = decodeStreamFramePieces([Buffer.from([StreamFrameType.slice]), Buffer.from([3, 9, 9])], 4)
    expect(f).toMatchObject({ type: 'slice', index: 3, length: 2 })
    expect(decodeStreamFramePieces([Buffer.from([StreamFrameType.sliceNotFound, 5]), Buffer.from([0, 0, 0])], 5)).toEqual({ type: 'sliceNotFound', count: 5 })
  })

  it('rejects zero and over-long frame lengths before buffering them', () => {
    expectMalformed(() => new FrameParser(100).push(Buffer.from([0, 0, 0, 0])))
    expectMalformed(() => new FrameParser(100).push(Buffer.from([101, 0, 0, 0])))
    expectMalformed(() => new FrameParser(MAX_FRAME_BODY).push(Buffer.from([0xff, 0xff, 0xff, 0xff])))
  })
})

describe('provider records', () => {
  it('verify when genuine and in time', () => {
    expect(checkProviderRecord(record(), NOW, chunkId)).toBeUndefined()
  })

  it('are refused when expired, too far ahead, for another chunk, or tampered with', () => {
    expect(checkProviderRecord(record(), NOW + 3600_000)).toBe('expired')
    expect(checkProviderRecord(record(undefined, NOW + 25 * 3600_000), NOW)).toBe('too-far-ahead')
    expect(checkProviderRecord(record(), NOW, Buffer.alloc(32))).toBe('wrong-chunk')
    const r = record()
    expect(checkProviderRecord({ ...r, provider: { ...r.provider, endpoint: { address: '192.0.2.66', port: 4000 } } }, NOW)).toBe('bad-signature')
    expect(checkProviderRecord({ ...r, expiresAt: r.expiresAt + 1 }, NOW)).toBe('bad-signature')
    expect(checkProviderRecord({ ...r, chunkId: Buffer.alloc(32, 1) }, NOW)).toBe('bad-signature')
    // Someone else's key under this node's id (forging a provider) fails the id check.
    const other = identityFromKeys(Buffer.alloc(32, 8), Buffer.from(ed25519.getPublicKey(Buffer.alloc(32, 8))), Buffer.alloc(8))
    const forged = createProviderRecord(other, { address: '192.0.2.1', port: 4000 }, chunkId, NOW + 1000)
    expect(checkProviderRecord({ ...forged, provider: { ...forged.provider, id: identity.id } }, NOW)).toBe('key-mismatch')
  })
})
