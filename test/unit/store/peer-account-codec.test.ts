import { describe, expect, it } from 'vitest'
import { nodeIdOf } from '../../../src/node/identity/identity.js'
import { type PeerAccount, decodePeerAccount, encodePeerAccount } from '../../../src/node/store/peer-account-codec.js'
import { tryDecode } from '../../../src/node/wire/codec.js'

const publicKey = Buffer.alloc(32, 7)
const id = nodeIdOf(publicKey)
const account: PeerAccount = {
  id,
  publicKey,
  nonce: Buffer.from('0102030405060708', 'hex'),
  rank: 17,
  firstContact: 1_700_000_000_000,
  lastContact: 1_700_000_360_000,
  rttMs: 42.5,
  endpoint: { address: '10.1.2.3', port: 4000 },
  connectionErrors: 3,
  bytesSent: 2 ** 40,
  bytesReceived: 12345
}

describe('peer account codec', () => {
  it('round trips, with and without endpoint and RTT', () => {
    expect(decodePeerAccount(id, encodePeerAccount(account))).toEqual(account)
    const bare = { ...account, rttMs: undefined, endpoint: undefined }
    expect(decodePeerAccount(id, encodePeerAccount(bare))).toEqual(bare)
    const v6 = { ...account, endpoint: { address: '2001:db8::7', port: 65535 } }
    expect(decodePeerAccount(id, encodePeerAccount(v6))).toEqual(v6)
  })

  it('keeps the documented layout (golden prefix and size)', () => {
    const b = encodePeerAccount(account)
    expect(b[0]).toBe(1)
    expect(b.subarray(1, 33).equals(publicKey)).toBe(true)
    expect(b.subarray(33, 41).toString('hex')).toBe('0102030405060708')
    expect(b[41]).toBe(17)
    expect(b.readUInt32LE(58)).toBe(42500) // RTT in microseconds
    expect(b.length).toBe(1 + 32 + 8 + 1 + 8 + 8 + 4 + 1 + 7 + 4 + 8 + 8)
  })

  it('rejects every truncation, trailing bytes, another key, unknown versions', () => {
    const good = encodePeerAccount(account)
    for (let n = 0; n < good.length; n++) expect(tryDecode((b) => decodePeerAccount(id, b), good.subarray(0, n))).toBeUndefined()
    expect(tryDecode((b) => decodePeerAccount(id, b), Buffer.concat([good, Buffer.alloc(1)]))).toBeUndefined()
    expect(tryDecode((b) => decodePeerAccount(Buffer.alloc(32), b), good)).toBeUndefined()
    const v = Buffer.from(good); v[0] = 9
    expect(tryDecode((b) => decodePeerAccount(id, b), v)).toBeUndefined()
  })

  it('rejects last contact before first contact', () => {
    const b = encodePeerAccount({ ...account, firstContact: 10, lastContact: 5 })
    expect(tryDecode((x) => decodePeerAccount(id, x), b)).toBeUndefined()
  })
})
