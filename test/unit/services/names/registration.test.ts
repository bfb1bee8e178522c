import { describe, expect, it } from 'vitest'
import { NS, namespaced } from '../../../../src/node/crypto/namespaces.js'
import { generateIdentity, identityFromKeys, publicKeyFromSecret, sign } from '../../../../src/node/identity/identity.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import {
  DEFAULT_REGISTRATION_POLICY, MAX_TERM_MS, NO_PREVIOUS, type Registration, checkRegistration, decodeRegistration,
  encodeRegistration, powBits, powPrefix, registrationId
} from '../../../../src/node/services/names/registration.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'
import { T0, TEST_POLICY, contentTarget, link } from './fixtures.js'

const secret = Buffer.alloc(32, 3)
const owner = identityFromKeys(secret, publicKeyFromSecret(secret)!, Buffer.alloc(8))

describe('registration codec', () => {
  it('round-trips every target kind', async () => {
    for (const target of [contentTarget(), { kind: 'hidden-service' as const, value: Buffer.alloc(32, 1) }, { kind: 'mailbox' as const, value: Buffer.alloc(32, 2) }, { kind: 'station' as const, value: Buffer.alloc(32, 4) }]) {
      const r = await link(owner, { name: 'shop', created: T0, target })
      expect(decodeRegistration(encodeRegistration(r))).toEqual(r)
    }
  })

  it('matches the golden bytes (nonce 0 at difficulty 0)', async () => {
    const r = await link(owner, { name: 'shop', created: T0, difficulty: 0, target: { kind: 'mailbox', value: Buffer.alloc(32, 0xaa) } })
    expect(r.nonce).toEqual(Buffer.alloc(8))
    expect(encodeRegistration(r).toString('hex')).toBe(GOLDEN)
  })

  it('rejects every truncation, trailing bytes, an unknown version or target kind', async () => {
    const bytes = encodeRegistration(await link(owner, { name: 'shop', created: T0 }))
    for (let n = 0; n < bytes.length; n++) expect(tryDecode(decodeRegistration, bytes.subarray(0, n))).toBeUndefined()
    expect(tryDecode(decodeRegistration, Buffer.concat([bytes, Buffer.of(0)]))).toBeUndefined()
    const v = Buffer.from(bytes); v[0] = 9
    expect(tryDecode(decodeRegistration, v)).toBeUndefined()
    const kindAt = 1 + 1 + 4 + 32
    const k = Buffer.from(bytes); k[kindAt] = 7
    expect(tryDecode(decodeRegistration, k)).toBeUndefined()
  })
})

describe('registration rules', () => {
  it('accepts a valid registration and reports its proof of work', async () => {
    const r = await link(owner, { name: 'shop', created: T0 })
    expect(powBits(r)).toBeGreaterThanOrEqual(TEST_POLICY.difficulty)
    expect(checkRegistration(r, T0, TEST_POLICY)).toBeUndefined()
  })

  it('refuses a proof of work below the difficulty this node requires', async () => {
    // Date the claim until its proof falls short of 16 bits (almost always the first try).
    let created = T0
    let r: Registration
    do r = await link(owner, { name: 'shop', created: created++ }); while (powBits(r) >= 16)
    expect(checkRegistration(r, T0, TEST_POLICY)).toBeUndefined()
    expect(checkRegistration(r, T0, { ...TEST_POLICY, difficulty: 16 })).toBe(NameErrorCode.POW_INSUFFICIENT)
  })

  it('refuses bad signatures, including one made under another namespace tag', async () => {
    const r = await link(owner, { name: 'shop', created: T0, difficulty: 0 })
    const lax = { ...TEST_POLICY, difficulty: 0 }
    expect(checkRegistration({ ...r, expires: r.expires - 1 }, T0, lax)).toBe(NameErrorCode.BAD_SIGNATURE)
    const mallory = generateIdentity()
    expect(checkRegistration({ ...r, owner: mallory.publicKey }, T0, lax)).toBe(NameErrorCode.BAD_SIGNATURE)
    const body = encodeRegistration(r).subarray(0, -64)
    expect(checkRegistration({ ...r, signature: sign(owner, namespaced(NS.kvRecord, body)) }, T0, lax)).toBe(NameErrorCode.BAD_SIGNATURE)
    expect(checkRegistration({ ...r, signature: sign(owner, namespaced(NS.nameRegistration, body)) }, T0, lax)).toBeUndefined()
  })

  it('refuses claims from the future beyond the skew, expired ones unless history, and bad terms', async () => {
    const skew = TEST_POLICY.clockSkewMs
    expect(checkRegistration(await link(owner, { name: 'shop', created: T0 + skew }), T0, TEST_POLICY)).toBeUndefined()
    expect(checkRegistration(await link(owner, { name: 'shop', created: T0 + skew + 1 }), T0, TEST_POLICY)).toBe(NameErrorCode.FROM_THE_FUTURE)
    const old = await link(owner, { name: 'shop', created: T0 })
    expect(checkRegistration(old, T0 + MAX_TERM_MS, TEST_POLICY)).toBe(NameErrorCode.EXPIRED)
    expect(checkRegistration(old, T0 + MAX_TERM_MS, TEST_POLICY, { allowExpired: true })).toBeUndefined()
    const long = await link(owner, { name: 'shop', created: T0, expires: T0 + MAX_TERM_MS + 1 })
    expect(checkRegistration(long, T0, TEST_POLICY)).toBe(NameErrorCode.MALFORMED)
    const backwards = await link(owner, { name: 'shop', created: T0, expires: T0 })
    expect(checkRegistration(backwards, T0 - 1, TEST_POLICY)).toBe(NameErrorCode.MALFORMED)
    const shortTarget = await link(owner, { name: 'shop', created: T0, target: { kind: 'content', value: Buffer.alloc(32) } })
    expect(checkRegistration(shortTarget, T0, TEST_POLICY)).toBe(NameErrorCode.MALFORMED)
  })

  it('refuses names that are not normalised or are reserved', async () => {
    expect(checkRegistration(await link(owner, { name: 'Shop', created: T0 }), T0, TEST_POLICY)).toBe(NameErrorCode.INVALID)
    expect(checkRegistration(await link(owner, { name: 'tornet', created: T0 }), T0, TEST_POLICY)).toBe(NameErrorCode.RESERVED)
  })

  it('names its predecessor by the SHA-256 of its encoding', async () => {
    const first = await link(owner, { name: 'shop', created: T0 })
    const second = await link(owner, { name: 'shop', created: T0 + 1, previous: first })
    expect(first.previous).toEqual(NO_PREVIOUS)
    expect(second.previous).toEqual(registrationId(first))
    expect(DEFAULT_REGISTRATION_POLICY.difficulty).toBeGreaterThanOrEqual(16)
    // The proof covers the date, so a proof cannot be mined for one date and used on another.
    expect(powPrefix({ ...first, created: first.created + 1 })).not.toEqual(powPrefix(first))
  })
})

// version · name (u8 + 'shop') · owner · kind 3 + len 32 · target · created · expires · previous · nonce · signature
const GOLDEN = [
  '01',
  '0473686f70',
  'ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1',
  '0320',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '0068e5cf8b010000',
  '0044d7798c010000',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000',
  '82306ea1ede9a9bea431fc03f31b147e22b5ba07c27328509e34278acb47aa0f1030e1954b5e369ad48e422f49f31248d1249cb5e321bf3779dc21389ca18b0c'
].join('')
