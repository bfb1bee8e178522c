import { describe, expect, it } from 'vitest'
import {
  HS_STATUS, MAX_BLOB_BYTES, decodeCookie, decodeEstablishIntro, decodeIntroduce, decodeRendezvous1, decodeReply,
  encodeEstablishIntro, encodeIntroduce, encodeRendezvous1, encodeReply, readStatus, statusAnswer, tryDecode
} from '../../../../../src/node/services/tunnels/hidden/hs-messages.js'
import { BLOB_OVERHEAD, decodeInner, earlyRoom, encodeInner } from '../../../../../src/node/services/tunnels/hidden/introduce-blob.js'

const k = (n: number): Buffer => Buffer.alloc(32, n)

describe('hidden-service message codecs', () => {
  it('round-trips every message', () => {
    const est = { authKey: k(1), timestamp: 1_700_000_000_123, signature: Buffer.alloc(64, 9) }
    expect(decodeEstablishIntro(encodeEstablishIntro(est))).toEqual(est)
    const intro = { authKey: k(2), blob: Buffer.from('sealed bytes') }
    expect(decodeIntroduce(encodeIntroduce(intro))).toEqual(intro)
    expect(decodeCookie(Buffer.alloc(20, 7))).toEqual(Buffer.alloc(20, 7))
    const r1 = { cookie: Buffer.alloc(20, 3), reply: Buffer.alloc(64, 4) }
    expect(decodeRendezvous1(encodeRendezvous1(r1))).toEqual(r1)
    expect(decodeReply(encodeReply(Buffer.alloc(64, 5)))).toEqual(Buffer.alloc(64, 5))
    const inner = {
      cookie: Buffer.alloc(20, 1),
      rendezvous: { id: k(5), publicKey: k(6), nonce: Buffer.alloc(8, 2), endpoint: { address: '127.0.0.1', port: 4000 } },
      ntor: Buffer.alloc(96, 8),
      timestamp: 42,
      early: Buffer.from('GET / HTTP/1.1\r\n\r\n')
    }
    expect(decodeInner(encodeInner(inner))).toEqual(inner)
    // No early data encodes as an empty field.
    expect(decodeInner(encodeInner({ ...inner, early: undefined }))).toEqual({ ...inner, early: Buffer.alloc(0) })
  })

  it('still decodes a version-1 introduction (no early data), and the early data fills the blob exactly', () => {
    const inner = {
      cookie: Buffer.alloc(20, 1),
      rendezvous: { id: k(5), publicKey: k(6), nonce: Buffer.alloc(8, 2), endpoint: { address: '127.0.0.1', port: 4000 } },
      ntor: Buffer.alloc(96, 8),
      timestamp: 42
    }
    const v2 = encodeInner({ ...inner, early: Buffer.alloc(0) })
    // v1 = the same fields without the trailing (empty) early-data length.
    const v1 = Buffer.from(v2.subarray(0, v2.length - 2)); v1[0] = 1
    expect(decodeInner(v1)).toEqual({ ...inner, early: Buffer.alloc(0) })
    const room = earlyRoom(inner)
    expect(room).toBeGreaterThan(300)
    expect(BLOB_OVERHEAD + encodeInner({ ...inner, early: Buffer.alloc(room) }).length).toBe(MAX_BLOB_BYTES)
    // A version-2 inner without the early field is truncated, not silently accepted.
    const cut = Buffer.from(v1); cut[0] = 2
    expect(tryDecode(decodeInner, cut)).toBeUndefined()
  })

  it('rejects truncated, trailing, unknown-version and oversized input (never throws out of tryDecode)', () => {
    const est = encodeEstablishIntro({ authKey: k(1), timestamp: 5, signature: Buffer.alloc(64) })
    expect(tryDecode(decodeEstablishIntro, est.subarray(0, est.length - 1))).toBeUndefined()
    expect(tryDecode(decodeEstablishIntro, Buffer.concat([est, Buffer.from([0])]))).toBeUndefined()
    const v2 = Buffer.from(est); v2[0] = 2
    expect(tryDecode(decodeEstablishIntro, v2)).toBeUndefined()
    expect(tryDecode(decodeCookie, Buffer.alloc(19))).toBeUndefined()
    expect(tryDecode(decodeCookie, Buffer.alloc(21))).toBeUndefined()
    const big = Buffer.alloc(32 + 2 + MAX_BLOB_BYTES + 1)
    big.writeUInt16LE(MAX_BLOB_BYTES + 1, 32)
    expect(tryDecode(decodeIntroduce, big)).toBeUndefined()
    expect(() => encodeIntroduce({ authKey: k(1), blob: Buffer.alloc(MAX_BLOB_BYTES + 1) })).toThrow(RangeError)
    expect(tryDecode(decodeRendezvous1, Buffer.alloc(10))).toBeUndefined()
    expect(tryDecode(decodeInner, Buffer.alloc(3))).toBeUndefined()
  })

  it('reads status bytes strictly', () => {
    expect(readStatus(statusAnswer(HS_STATUS.ok))).toBe(HS_STATUS.ok)
    expect(readStatus(statusAnswer(HS_STATUS.limit))).toBe(HS_STATUS.limit)
    expect(readStatus(Buffer.from([0, 0]))).toBe(HS_STATUS.malformed)
    expect(readStatus(Buffer.from([200]))).toBe(HS_STATUS.malformed)
    expect(readStatus(Buffer.alloc(0))).toBe(HS_STATUS.malformed)
  })
})
