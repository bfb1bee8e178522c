import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { MAX_EPOCHS_AHEAD, RecvCipher, SendCipher } from '../../../src/node/link/session-cipher.js'
import { seal } from '../../../src/node/link/link-crypto.js'
import { DATA_HEADER_BYTES, decodeLinkPacket, type DataPacket, writeDataHeader } from '../../../src/node/wire/link-packets.js'

function pair (policy = { rekeyBytes: 2 ** 30, rekeyMs: 1e9 }, now = () => 0): { tx: SendCipher, rx: RecvCipher } {
  const key = randomBytes(32)
  return { tx: new SendCipher(Buffer.from(key), 42, policy, now), rx: new RecvCipher(Buffer.from(key)) }
}

function open (rx: RecvCipher, datagram: Buffer): ReturnType<RecvCipher['open']> {
  const p = decodeLinkPacket(datagram) as DataPacket
  return rx.open(datagram.subarray(0, DATA_HEADER_BYTES), p.epoch, p.counter, p.sealed)
}

describe('session ciphers', () => {
  test('seal/open round trip with the receiver index in the header', () => {
    const { tx, rx } = pair()
    const d = tx.seal(Buffer.from('hello'))
    expect((decodeLinkPacket(d) as DataPacket).receiverIndex).toBe(42)
    const r = open(rx, d)
    expect(r.ok && r.plaintext.toString()).toBe('hello')
  })

  test('a plaintext sealed in pieces gives the same datagram, byte for byte, as sealed whole', () => {
    const key = randomBytes(32)
    const pieced = new SendCipher(Buffer.from(key), 7, { rekeyBytes: 2 ** 30, rekeyMs: 1e9 }, () => 0)
    const plain = randomBytes(16_000)
    // Splits off ChaCha20's 64-byte block boundaries, an empty piece, one piece, many.
    const splits = [[21], [1, 63, 64, 65], [0, 21], [], [7, 7, 7, 7, 15_000]]
    for (const [counter, cuts] of splits.entries()) {
      const pieces: Buffer[] = []
      let off = 0
      for (const c of cuts) { pieces.push(plain.subarray(off, off + c)); off += c }
      pieces.push(plain.subarray(off))
      // Expected: the header, then the one-shot AEAD of the whole plaintext under the same nonce.
      const header = Buffer.alloc(DATA_HEADER_BYTES)
      writeDataHeader(header, 7, 0, counter)
      const a = Buffer.concat([header, seal(key, 0, counter, header, plain)])
      const b = Buffer.concat(pieced.sealPieces(pieces))
      expect(b.equals(a), `cuts ${JSON.stringify(cuts)}`).toBe(true)
    }
    const rx = new RecvCipher(Buffer.from(key))
    const last = Buffer.concat(pieced.sealPieces([plain.subarray(0, 5), plain.subarray(5)]))
    const r = open(rx, last)
    expect(r.ok && r.plaintext.equals(plain)).toBe(true)
  })

  test('datagrams sealed one after another never share bytes: each kept one still opens to its plaintext', () => {
    // Datagrams are cut from a shared slab; enough of them to cross several slabs, of mixed sizes.
    const { tx, rx } = pair()
    const plains = Array.from({ length: 300 }, (_, i) => randomBytes(1 + (i * 977) % 15_000))
    const datagrams = plains.map(p => tx.seal(p))
    for (const [i, d] of datagrams.entries()) {
      const r = open(rx, Buffer.from(d))
      expect(r.ok && r.plaintext.equals(plains[i]), `datagram ${i}`).toBe(true)
    }
  })

  test('a replayed packet is rejected', () => {
    const { tx, rx } = pair()
    const d = tx.seal(Buffer.from('x'))
    expect(open(rx, d).ok).toBe(true)
    expect(open(rx, d)).toEqual({ ok: false, reason: 'replay' })
  })

  test('a flipped bit anywhere fails authentication (header included)', () => {
    const { tx, rx } = pair()
    const d = tx.seal(Buffer.alloc(50, 1))
    for (const i of [2, 6, 10, 20, d.length - 1]) {
      const bad = Buffer.from(d); bad[i] ^= 1
      const p = decodeLinkPacket(bad) as DataPacket
      const r = rx.open(bad.subarray(0, DATA_HEADER_BYTES), p.epoch, p.counter, p.sealed)
      expect(r.ok, `bit at ${i}`).toBe(false)
    }
    expect(open(rx, d).ok).toBe(true) // the forgeries did not burn the counter
  })

  test('keys rotate after the byte budget and old in-flight packets still open', () => {
    const { tx, rx } = pair({ rekeyBytes: 1000, rekeyMs: 1e9 })
    const packets = Array.from({ length: 60 }, (_, i) => tx.seal(Buffer.alloc(100, i)))
    expect(tx.currentEpoch).toBeGreaterThan(4)
    // Deliver with local reordering across epoch boundaries.
    const order = packets.map((p, i) => ({ p, k: i + ((i * 7) % 5) - 2 })).sort((a, b) => a.k - b.k)
    let okCount = 0
    for (const { p } of order) {
      const r = open(rx, p)
      if (r.ok) okCount++
    }
    expect(okCount).toBe(60)
    expect(rx.currentEpoch).toBe(tx.currentEpoch)
  })

  test('keys rotate after the time budget', () => {
    let t = 0
    const { tx, rx } = pair({ rekeyBytes: 2 ** 30, rekeyMs: 100 }, () => t)
    expect(open(rx, tx.seal(Buffer.from('a'))).ok).toBe(true)
    t = 150
    const d = tx.seal(Buffer.from('b'))
    expect(tx.currentEpoch).toBe(1)
    const r = open(rx, d)
    expect(r.ok && r.rotated).toBe(true)
  })

  test('epochs too far ahead or behind are refused without work', () => {
    const { rx } = pair()
    expect(rx.open(Buffer.alloc(18), MAX_EPOCHS_AHEAD + 1, 0, Buffer.alloc(16))).toEqual({ ok: false, reason: 'future-epoch' })
  })

  test('a forged packet of a future epoch does not rotate the receiver', () => {
    const { tx, rx } = pair()
    const d = tx.seal(Buffer.from('a'))
    const r = rx.open(d.subarray(0, DATA_HEADER_BYTES), 3, 0, randomBytes(32))
    expect(r).toEqual({ ok: false, reason: 'bad-mac' })
    expect(rx.currentEpoch).toBe(0)
    expect(open(rx, d).ok).toBe(true)
  })
})
