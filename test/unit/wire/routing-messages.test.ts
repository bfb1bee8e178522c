import { describe, expect, it } from 'vitest'
import {
  contactSize, decodeAddress, decodeRoutingMessage, encodeAddress, encodeRoutingMessage, findRequestSize,
  MAX_CONTACTS, MAX_VALUE_BYTES, nodesReplySize, RoutingMessageType, type RoutingMessage, type WireContact
} from '../../../src/node/wire/routing-messages.js'
import { tryDecode } from '../../../src/node/wire/codec.js'
import { isTornetError } from '../../../src/node/errors.js'
import { sha256 } from '../../../src/node/crypto/hash.js'

const id = (b: number): Buffer => Buffer.alloc(32, b)
const v4 = (b: number): WireContact => ({ id: id(b), endpoint: { address: `192.0.2.${b}`, port: 4000 + b } })
// In DHT messages a keyed contact is sent by its key, and the id is its hash.
const v6key = (b: number): WireContact => ({
  id: sha256(Buffer.alloc(32, b + 1)), endpoint: { address: '2001:db8::' + b.toString(16), port: 7000 }, publicKey: Buffer.alloc(32, b + 1), nonce: Buffer.alloc(8, b + 2)
})

const samples: RoutingMessage[] = [
  { type: 'ping' },
  { type: 'pong', self: v6key(1), observed: { address: '198.51.100.7', port: 9 } },
  { type: 'find', request: { target: id(3), kind: 0, count: 20, wantKeys: false, known: [] } },
  { type: 'find', request: { target: id(4), kind: 2, count: 1, wantKeys: true, known: [0, 1, 0xffff] } },
  { type: 'nodes', contacts: [] },
  { type: 'nodes', contacts: [v4(5), v6key(6), v4(7)] },
  { type: 'value', kind: 1, value: Buffer.from('chunk bytes') },
  { type: 'value', kind: 255, value: Buffer.alloc(MAX_VALUE_BYTES, 9) },
  { type: 'notFoundCount', notFound: 123456, contacts: [v4(8)] },
  { type: 'cacheValue', target: id(9), kind: 3, value: Buffer.alloc(0) },
  { type: 'cacheAck', accepted: true },
  { type: 'cacheAck', accepted: false },
  { type: 'find', request: { target: id(4), kind: 0, count: 8, wantKeys: true, wantNonces: true, known: [] } },
  { type: 'nodes', contacts: [{ ...v6key(10), nonce: undefined }, v4(11)] }
]

function expectMalformed (b: Uint8Array): void {
  let err: unknown
  try { decodeRoutingMessage(b) } catch (e) { err = e }
  expect(isTornetError(err, 'WIRE_MALFORMED')).toBe(true)
}

describe('routing messages', () => {
  it('round-trips every message type', () => {
    for (const m of samples) expect(decodeRoutingMessage(encodeRoutingMessage(m))).toEqual(m)
  })

  it('matches golden bytes for FIND_NODE and NODES', () => {
    const find = encodeRoutingMessage({ type: 'find', request: { target: id(0xaa), kind: 0, count: 20, wantKeys: false, known: [0x1234] } })
    expect(find.toString('hex')).toBe('03' + 'aa'.repeat(32) + '14' + '00' + '01' + '3412')
    const nodes = encodeRoutingMessage({ type: 'nodes', contacts: [{ id: id(1), endpoint: { address: '10.0.0.1', port: 0x1b58 } }] })
    expect(nodes.toString('hex')).toBe('05' + '01' + '01'.repeat(32) + '00' + '0a000001' + '581b')
  })

  it('rejects every truncation and any trailing byte', () => {
    for (const m of samples) {
      const b = encodeRoutingMessage(m)
      for (let n = 0; n < b.length; n++) expectMalformed(b.subarray(0, n))
      expectMalformed(Buffer.concat([b, Buffer.from([0])]))
    }
  })

  it('rejects unknown types, flags and out-of-range fields', () => {
    expectMalformed(Buffer.from([0x00]))
    expectMalformed(Buffer.from([0x7f]))
    const find = encodeRoutingMessage(samples[2])
    const zeroCount = Buffer.from(find); zeroCount[33] = 0; expectMalformed(zeroCount)
    const bigCount = Buffer.from(find); bigCount[33] = MAX_CONTACTS + 1; expectMalformed(bigCount)
    const flags = Buffer.from(find); flags[34] = 0x80; expectMalformed(flags)
    const known = Buffer.concat([find.subarray(0, 35), Buffer.from([33]), Buffer.alloc(66)]); expectMalformed(known)
    // FIND_VALUE with kind 0 is reserved for node lookups.
    const fv = encodeRoutingMessage(samples[3]); const k0 = Buffer.from(fv); k0[33] = 0; expectMalformed(k0)
    const nodes = encodeRoutingMessage(samples[5])
    const cflags = Buffer.from(nodes); cflags[2 + 32] = 0x04; expectMalformed(cflags)
    expectMalformed(Buffer.from([RoutingMessageType.cacheAck, 2]))
  })

  it('refuses contact lists over the bound on both sides', () => {
    const many = Array.from({ length: MAX_CONTACTS + 1 }, (_, i) => v4(i))
    expect(() => encodeRoutingMessage({ type: 'nodes', contacts: many })).toThrow(RangeError)
    const forged = Buffer.concat([Buffer.from([RoutingMessageType.nodes, 200]), Buffer.alloc(200 * 39)])
    expect(tryDecode(decodeRoutingMessage, forged)).toBeUndefined()
  })

  it('refuses values over the bound on both sides', () => {
    expect(() => encodeRoutingMessage({ type: 'value', kind: 1, value: Buffer.alloc(MAX_VALUE_BYTES + 1) })).toThrow(RangeError)
    const w = Buffer.alloc(4 + MAX_VALUE_BYTES + 1)
    w[0] = RoutingMessageType.value; w[1] = 1; w.writeUInt16LE(MAX_VALUE_BYTES + 1, 2)
    expectMalformed(w)
  })

  it('PONG must carry the responder key', () => {
    const b = encodeRoutingMessage({ type: 'pong', self: v4(1), observed: { address: '10.0.0.2', port: 1 } })
    expectMalformed(b)
  })

  it('size helpers agree with the encoder', () => {
    for (const n of [0, 1, 17, 32]) {
      const known = Array.from({ length: n }, (_, i) => i)
      expect(findRequestSize(0, n)).toBe(encodeRoutingMessage({ type: 'find', request: { target: id(1), kind: 0, count: 5, wantKeys: false, known } }).length)
      expect(findRequestSize(7, n)).toBe(encodeRoutingMessage({ type: 'find', request: { target: id(1), kind: 7, count: 5, wantKeys: false, known } }).length)
    }
    const cs = [v4(1), v6key(2)]
    expect(nodesReplySize(contactSize(false, false) + contactSize(true, true))).toBe(encodeRoutingMessage({ type: 'nodes', contacts: cs }).length)
    expect(nodesReplySize(contactSize(false, false), true)).toBe(encodeRoutingMessage({ type: 'notFoundCount', notFound: 1, contacts: [v4(1)] }).length)
    expect(contactSize(false, false)).toBe(39)
    expect(contactSize(true, true)).toBe(59)
  })

  it('sends a keyed contact by its key alone and derives the id from it (golden bytes)', () => {
    const key = Buffer.alloc(32, 0x42)
    const contact: WireContact = { id: sha256(key), endpoint: { address: '10.0.0.1', port: 0x1b58 }, publicKey: key }
    const nodes = encodeRoutingMessage({ type: 'nodes', contacts: [contact] })
    // Same size as a contact without key: the key sits where the id would be, flag 0x02.
    expect(nodes.toString('hex')).toBe('05' + '01' + '42'.repeat(32) + '02' + '0a000001' + '581b')
    const back = decodeRoutingMessage(nodes)
    expect(back.type === 'nodes' && back.contacts[0]).toEqual(contact)
    // With its nonce: flag 0x06, the nonce after the port.
    const withNonce = encodeRoutingMessage({ type: 'nodes', contacts: [{ ...contact, nonce: Buffer.alloc(8, 0x07) }] })
    expect(withNonce.toString('hex')).toBe('05' + '01' + '42'.repeat(32) + '06' + '0a000001' + '581b' + '07'.repeat(8))
    // A nonce without a key is not sent (it proves nothing without the key).
    const bare = encodeRoutingMessage({ type: 'nodes', contacts: [{ id: id(1), endpoint: contact.endpoint, nonce: Buffer.alloc(8) }] })
    expect(bare.length).toBe(nodesReplySize(contactSize(false, false)))
  })

  it('find flags: WANT_KEYS 0x01, WANT_NONCES 0x02 (only with WANT_KEYS)', () => {
    const req = { target: id(0xaa), kind: 0, count: 20, known: [] }
    expect(encodeRoutingMessage({ type: 'find', request: { ...req, wantKeys: true } })[34]).toBe(0x01)
    const both = encodeRoutingMessage({ type: 'find', request: { ...req, wantKeys: true, wantNonces: true } })
    expect(both[34]).toBe(0x03)
    expect(() => encodeRoutingMessage({ type: 'find', request: { ...req, wantKeys: false, wantNonces: true } })).toThrow(RangeError)
    const noncesOnly = Buffer.from(both); noncesOnly[34] = 0x02; expectMalformed(noncesOnly)
    const plain = decodeRoutingMessage(encodeRoutingMessage({ type: 'find', request: { ...req, wantKeys: false } }))
    expect(plain.type === 'find' && plain.request.wantNonces).toBeUndefined()
  })

  it('rejects a contact nonce without a key and a keyless PONG', () => {
    const nodes = encodeRoutingMessage({ type: 'nodes', contacts: [v4(1)] })
    const b = Buffer.concat([nodes, Buffer.alloc(8)]); b[2 + 32] = 0x04
    expectMalformed(b)
    const pong = encodeRoutingMessage({ type: 'pong', self: v6key(3), observed: { address: '10.0.0.2', port: 1 } })
    // type | key[32] | flags | v6 address[16] | port | nonce[8] | observed endpoint: drop the key and nonce flags and the nonce.
    const nonceAt = 1 + 32 + 1 + 16 + 2
    const keyless = Buffer.concat([pong.subarray(0, nonceAt), pong.subarray(nonceAt + 8)]); keyless[1 + 32] = 0x01
    expect(tryDecode(decodeRoutingMessage, Buffer.concat([keyless.subarray(0, 1 + 32), Buffer.from([0x03]), keyless.subarray(1 + 33)]))?.type).toBe('pong')
    expectMalformed(keyless)
  })

  it('encodes IPv4 and IPv6 addresses canonically', () => {
    for (const a of ['0.0.0.0', '255.1.2.3', '::', '::1', '2001:db8::1', 'fe80::1:0:0:2', '1:2:3:4:5:6:7:8']) {
      expect(decodeAddress(encodeAddress(a))).toBe(a)
    }
    expect(decodeAddress(encodeAddress('2001:0db8:0000:0000:0000:0000:0000:0001'))).toBe('2001:db8::1')
    expect(decodeAddress(encodeAddress('::ffff:192.0.2.1'))).toBe('::ffff:c000:201')
    expect(() => encodeAddress('example.org')).toThrow(RangeError)
  })
})
