import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { decodeProviderList, encodeProviderList } from '../../../../src/node/services/chunks/messages.js'
import { checkProviderRecord, contactOfRecord, createProviderRecord } from '../../../../src/node/services/chunks/provider-record.js'
import { Reader, WireError, Writer } from '../../../../src/node/wire/codec.js'
import { encodeIntroducers } from '../../../../src/node/wire/punch-messages.js'
import { readWireContact, writeWireContact, type WireContact } from '../../../../src/node/wire/routing-messages.js'

const me = generateIdentity()
const chunkId = Buffer.alloc(32, 0xcc)
const home = { address: '198.19.1.2', port: 9151 }
const intros = [
  { id: Buffer.alloc(32, 0x11), endpoint: { address: '198.18.0.4', port: 9151 } },
  { id: Buffer.alloc(32, 0x22), endpoint: { address: '2001:db8::9', port: 7000 } }
]

function contactBytes (c: WireContact): Buffer {
  const w = new Writer(128)
  writeWireContact(w, c, true)
  return w.finish()
}

function readContact (b: Buffer): WireContact {
  const r = new Reader(b, 'test contact')
  const c = readWireContact(r)
  r.end()
  return c
}

describe('introducers in provider records (long-form contact, cflags bit3)', () => {
  it('a NATted provider\'s signed record carries its introducers through the list codec into the routing contact', () => {
    const now = Date.now()
    const rec = createProviderRecord(me, home, chunkId, now + 60_000, intros)
    const [back] = decodeProviderList(encodeProviderList([rec]))
    expect(back.provider.introducers).toEqual(intros)
    expect(checkProviderRecord(back, now, chunkId)).toBeUndefined()
    expect(contactOfRecord(back).introducers).toEqual(intros)
  })

  it('the introducers are signed: changing them breaks the signature', () => {
    const now = Date.now()
    const rec = createProviderRecord(me, home, chunkId, now + 60_000, intros)
    const forged = { ...rec, provider: { ...rec.provider, introducers: [{ id: Buffer.alloc(32, 0x33), endpoint: { address: '198.18.0.66', port: 1 } }] } }
    const [back] = decodeProviderList(encodeProviderList([forged]))
    expect(checkProviderRecord(back, now, chunkId)).toBe('bad-signature')
  })

  it('a record without introducers keeps the old bytes (cflags 0x02) and decodes without the field', () => {
    const now = Date.now()
    const rec = createProviderRecord(me, home, chunkId, now + 60_000)
    const bytes = encodeProviderList([rec])
    // count ‖ chunkId ‖ nodeId ‖ cflags
    expect(bytes[1 + 32 + 32]).toBe(0x02)
    const [back] = decodeProviderList(bytes)
    expect(back.provider.introducers).toBeUndefined()
    expect(contactOfRecord(back).introducers).toBeUndefined()
    expect(checkProviderRecord(back, now, chunkId)).toBeUndefined()
  })

  it('golden layout: key and nonce, then len u8 ‖ the versioned introducer list', () => {
    const c = { id: me.id, endpoint: home, publicKey: me.publicKey, nonce: me.nonce, introducers: intros }
    const b = contactBytes(c)
    const list = encodeIntroducers(intros)
    expect(b[32]).toBe(0x0a)
    expect(b.subarray(32 + 1 + 4 + 2 + 32 + 8).equals(Buffer.concat([Buffer.from([list.length]), list]))).toBe(true)
    expect(readContact(b)).toEqual(c)
  })

  it('rejects a short or over-long introducer blob, an unknown list version, an empty list and unknown cflags', () => {
    const b = contactBytes({ id: me.id, endpoint: home, publicKey: me.publicKey, nonce: me.nonce, introducers: intros })
    const at = 32 + 1 + 4 + 2 + 32 + 8
    const bad: Buffer[] = [
      b.subarray(0, b.length - 1),
      Buffer.concat([b, Buffer.from([0])]),
      Buffer.from(b).fill(2, at + 1, at + 2), // list version 2
      Buffer.concat([b.subarray(0, at), Buffer.from([2, 1, 0])]), // count 0
      (() => { const x = Buffer.from(b); x[at] = x[at] + 1; return x })(), // length says one byte more than there is
      (() => { const x = Buffer.from(b); x[32] |= 0x10; return x })()
    ]
    for (const x of bad) expect(() => readContact(x), x.toString('hex')).toThrow(WireError)
  })
})
