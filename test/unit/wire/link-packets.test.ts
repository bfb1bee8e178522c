import { describe, expect, test } from 'vitest'
import { tryDecode, WireError } from '../../../src/node/wire/codec.js'
import {
  COOKIE_BYTES, decodeIkInitPayload, decodeIkRespPayload, decodeLinkPacket, decodeXxFinPayload, decodeXxRespPayload,
  encodeDataPacket, encodeIkInitPayload, encodeIkRespPayload, encodeLinkPacket, encodeXxFinPayload, encodeXxRespPayload,
  type LinkPacket, MIN_INIT_BYTES, PacketType, UnsupportedVersionError
} from '../../../src/node/wire/link-packets.js'

const key = (b: number): Buffer => Buffer.alloc(32, b)
const sealed = Buffer.alloc(40, 0xab)

const samples: Array<[string, LinkPacket]> = [
  ['IK_INIT', { type: PacketType.IK_INIT, senderIndex: 0xdeadbeef, ephemeral: key(1), cookie: Buffer.alloc(0), sealed }],
  ['IK_INIT with cookie', { type: PacketType.IK_INIT, senderIndex: 7, ephemeral: key(2), cookie: Buffer.alloc(COOKIE_BYTES, 9), sealed }],
  ['XX_INIT', { type: PacketType.XX_INIT, senderIndex: 1, ephemeral: key(3), cookie: Buffer.alloc(0) }],
  ['IK_RESP', { type: PacketType.IK_RESP, receiverIndex: 1, senderIndex: 2, ephemeral: key(4), sealed }],
  ['XX_RESP', { type: PacketType.XX_RESP, receiverIndex: 3, senderIndex: 4, ephemeral: key(5), sealed }],
  ['XX_FIN', { type: PacketType.XX_FIN, receiverIndex: 5, sealed }],
  ['COOKIE', { type: PacketType.COOKIE, receiverIndex: 6, cookie: Buffer.alloc(COOKIE_BYTES, 3) }],
  ['REFUSE', { type: PacketType.REFUSE, receiverIndex: 8, reason: 1, text: 'rank 0 is below 4 — sorry' }],
  ['DATA', { type: PacketType.DATA, receiverIndex: 9, epoch: 3, counter: 2 ** 40 + 5, sealed: Buffer.alloc(16, 1) }]
]

function isInit (p: LinkPacket): boolean { return p.type === PacketType.IK_INIT || p.type === PacketType.XX_INIT }

describe('link packets', () => {
  test.each(samples)('%s round-trips', (_name, p) => {
    const bytes = encodeLinkPacket(p, isInit(p) ? MIN_INIT_BYTES : 0)
    if (isInit(p)) expect(bytes.length).toBe(MIN_INIT_BYTES)
    expect(decodeLinkPacket(bytes)).toEqual(p)
  })

  test.each(samples)('%s: every truncation is rejected', (_name, p) => {
    const bytes = encodeLinkPacket(p, isInit(p) ? MIN_INIT_BYTES : 0)
    // For inits, cutting anywhere makes them shorter than the minimum; check a spread of cuts.
    const cuts = isInit(p) ? [0, 1, 5, 20, 60, 100, MIN_INIT_BYTES - 1] : [...Array(bytes.length).keys()]
    for (const n of cuts) expect(() => decodeLinkPacket(bytes.subarray(0, n)), `cut at ${n}`).toThrow(WireError)
  })

  test.each(samples.filter(([, p]) => !isInit(p) && p.type !== PacketType.DATA))('%s: trailing bytes are rejected', (_n, p) => {
    const bytes = Buffer.concat([encodeLinkPacket(p), Buffer.from([0])])
    expect(() => decodeLinkPacket(bytes)).toThrow(/trailing/)
  })

  test('unknown version is reported with the sender index of an init', () => {
    const bytes = encodeLinkPacket(samples[0][1], MIN_INIT_BYTES)
    bytes[0] = 2
    let err: unknown
    try { decodeLinkPacket(bytes) } catch (e) { err = e }
    expect(err).toBeInstanceOf(UnsupportedVersionError)
    expect((err as UnsupportedVersionError).senderIndex).toBe(0xdeadbeef)
    expect((err as UnsupportedVersionError).code).toBe('WIRE_MALFORMED')
  })

  test('unknown type is rejected', () => {
    expect(() => decodeLinkPacket(Buffer.from([1, 0x55, 0, 0, 0, 0]))).toThrow(/unknown type/)
  })

  test('inits below 1200 bytes are rejected (anti-amplification)', () => {
    const small = encodeLinkPacket(samples[2][1], 600)
    expect(() => decodeLinkPacket(small)).toThrow(/below 1200/)
  })

  test('non-zero padding is rejected', () => {
    const bytes = encodeLinkPacket(samples[2][1], MIN_INIT_BYTES)
    bytes[bytes.length - 1] = 1
    expect(() => decodeLinkPacket(bytes)).toThrow(/padding/)
  })

  test('a cookie of the wrong length is rejected', () => {
    const bytes = encodeLinkPacket(samples[2][1], MIN_INIT_BYTES)
    bytes[2 + 4 + 32] = 5 // cookie length 5
    expect(() => decodeLinkPacket(bytes)).toThrow(WireError)
  })

  test('sealed fields shorter than a tag are rejected', () => {
    const fin = encodeLinkPacket({ type: PacketType.XX_FIN, receiverIndex: 1, sealed: Buffer.alloc(15) })
    expect(() => decodeLinkPacket(fin)).toThrow(/tag/)
    expect(() => decodeLinkPacket(encodeDataPacket(1, 0, 0, Buffer.alloc(10)))).toThrow(/tag/)
  })

  test('a DATA counter above 2^53 is rejected', () => {
    const d = encodeDataPacket(1, 0, 0, Buffer.alloc(16))
    d.writeUInt32LE(0xffffffff, 14)
    expect(() => decodeLinkPacket(d)).toThrow(/too large/)
  })

  test('REFUSE text is capped and must be UTF-8', () => {
    const long = encodeLinkPacket({ type: PacketType.REFUSE, receiverIndex: 1, reason: 3, text: 'é'.repeat(200) })
    const p = decodeLinkPacket(long) as { text: string }
    expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(160)
    const bad = Buffer.from(long); bad[7] = 1; bad[8] = 0xff
    expect(tryDecode(decodeLinkPacket, bad.subarray(0, 9))).toBeUndefined()
  })

  test('empty input is rejected', () => {
    expect(tryDecode(decodeLinkPacket, Buffer.alloc(0))).toBeUndefined()
  })
})

describe('sealed handshake payloads', () => {
  const pub = key(7); const nonce = Buffer.alloc(8, 1); const sig = Buffer.alloc(64, 2); const frames = Buffer.from([9, 1, 0, 0, 0])

  test('round trips', () => {
    const ik = { publicKey: pub, rankNonce: nonce, timestampMs: 1_700_000_000_000, signature: sig, frames }
    expect(decodeIkInitPayload(encodeIkInitPayload(ik))).toEqual(ik)
    const ir = { rankNonce: nonce, signature: sig, frames: Buffer.alloc(0) }
    expect(decodeIkRespPayload(encodeIkRespPayload(ir))).toEqual(ir)
    const xr = { publicKey: pub, rankNonce: nonce, signature: sig }
    expect(decodeXxRespPayload(encodeXxRespPayload(xr))).toEqual(xr)
    const xf = { publicKey: pub, rankNonce: nonce, signature: sig, frames }
    expect(decodeXxFinPayload(encodeXxFinPayload(xf))).toEqual(xf)
  })

  test('truncations and trailing bytes are rejected', () => {
    const xr = encodeXxRespPayload({ publicKey: pub, rankNonce: nonce, signature: sig })
    for (let n = 0; n < xr.length; n++) expect(tryDecode(decodeXxRespPayload, xr.subarray(0, n))).toBeUndefined()
    expect(tryDecode(decodeXxRespPayload, Buffer.concat([xr, Buffer.from([0])]))).toBeUndefined()
    const ik = encodeIkInitPayload({ publicKey: pub, rankNonce: nonce, timestampMs: 5, signature: sig, frames: Buffer.alloc(0) })
    for (let n = 0; n < ik.length; n++) expect(tryDecode(decodeIkInitPayload, ik.subarray(0, n))).toBeUndefined()
  })
})
