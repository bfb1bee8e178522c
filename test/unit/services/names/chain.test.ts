import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import {
  MAX_CHAIN_LINKS, compareClaims, decodeChain, encodeChain, trimChain, verifyChain
} from '../../../../src/node/services/names/chain.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { DAY_MS, MAX_TERM_MS, registrationId } from '../../../../src/node/services/names/registration.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'
import { T0, TEST_POLICY, chainOf, link } from './fixtures.js'

const alice = generateIdentity()
const bob = generateIdentity()

describe('name chain codec', () => {
  it('round-trips and rejects malformed input', async () => {
    const links = await chainOf(alice, 'shop', [T0, T0 + 30 * DAY_MS])
    const bytes = encodeChain(links)
    expect(decodeChain(bytes)).toEqual(links)
    for (let n = 0; n < bytes.length; n++) expect(tryDecode(decodeChain, bytes.subarray(0, n))).toBeUndefined()
    expect(tryDecode(decodeChain, Buffer.concat([bytes, Buffer.of(0)]))).toBeUndefined()
    const zero = Buffer.from(bytes); zero[1] = 0
    expect(tryDecode(decodeChain, zero)).toBeUndefined()
    const tooMany = Buffer.from(bytes); tooMany[1] = MAX_CHAIN_LINKS + 1
    expect(tryDecode(decodeChain, tooMany)).toBeUndefined()
    expect(() => encodeChain([])).toThrow(RangeError)
  })
})

describe('verifyChain', () => {
  it('accepts a renewal history and dates the claim from its oldest link', async () => {
    const links = await chainOf(alice, 'shop', [T0, T0 + 30 * DAY_MS, T0 + 60 * DAY_MS])
    const v = verifyChain(links, T0 + 61 * DAY_MS, TEST_POLICY)
    expect(v.ok).toBe(true)
    if (!v.ok) return
    expect(v.chain.start).toBe(T0)
    expect(v.chain.head).toEqual(links[2])
    expect(v.chain.headId).toEqual(registrationId(links[2]))
    expect(v.chain.owner).toEqual(alice.publicKey)
    // Without its history, a renewal counts only from its own date.
    const alone = verifyChain(links.slice(2), T0 + 61 * DAY_MS, TEST_POLICY)
    expect(alone.ok && alone.chain.start).toBe(T0 + 60 * DAY_MS)
  })

  it('refuses a link that does not name its predecessor, changes owner or name, or goes back in time', async () => {
    const [a, b] = await chainOf(alice, 'shop', [T0, T0 + DAY_MS])
    const unrelated = await link(alice, { name: 'shop', created: T0 + DAY_MS })
    expect(verifyChain([a, unrelated], T0 + DAY_MS, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.BROKEN_CHAIN })
    const stolen = await link(bob, { name: 'shop', created: T0 + DAY_MS, previous: a })
    expect(verifyChain([a, stolen], T0 + DAY_MS, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.BROKEN_CHAIN })
    const renamed = await link(alice, { name: 'shop2', created: T0 + DAY_MS, previous: a })
    expect(verifyChain([a, renamed], T0 + DAY_MS, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.BROKEN_CHAIN })
    const earlier = await link(alice, { name: 'shop', created: T0 - 1, previous: a })
    expect(verifyChain([a, earlier], T0, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.BROKEN_CHAIN })
    expect(verifyChain([a, b], T0 + DAY_MS, TEST_POLICY).ok).toBe(true)
  })

  it('refuses a renewal made after its predecessor expired, and a chain whose head expired', async () => {
    const [a] = await chainOf(alice, 'shop', [T0])
    const late = await link(alice, { name: 'shop', created: a.expires, previous: a })
    expect(verifyChain([a, late], a.expires, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.EXPIRED })
    const inTime = await link(alice, { name: 'shop', created: a.expires - 1, previous: a })
    expect(verifyChain([a, inTime], a.expires, TEST_POLICY).ok).toBe(true)
    expect(verifyChain([a], T0 + MAX_TERM_MS, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.EXPIRED })
  })

  it('keeps the last twelve links', async () => {
    const links = await chainOf(alice, 'shop', Array.from({ length: 14 }, (_, i) => T0 + i * DAY_MS))
    const trimmed = trimChain(links)
    expect(trimmed).toHaveLength(MAX_CHAIN_LINKS)
    expect(trimmed[0]).toEqual(links[2])
    const v = verifyChain(trimmed, T0 + 14 * DAY_MS, TEST_POLICY)
    expect(v.ok && v.chain.start).toBe(T0 + 2 * DAY_MS)
    expect(verifyChain(links, T0 + 14 * DAY_MS, TEST_POLICY)).toEqual({ ok: false, code: NameErrorCode.MALFORMED })
  })
})

describe('compareClaims', () => {
  it('prefers the earlier start, then the lower owner key; same owner compares equal', async () => {
    const now = T0 + 10
    const va = verifyChain([await link(alice, { name: 'shop', created: T0 })], now, TEST_POLICY)
    const vb = verifyChain([await link(bob, { name: 'shop', created: T0 + 1 })], now, TEST_POLICY)
    const vbSame = verifyChain([await link(bob, { name: 'shop', created: T0 })], now, TEST_POLICY)
    const va2 = verifyChain([await link(alice, { name: 'shop', created: T0 + 5 })], now, TEST_POLICY)
    if (!va.ok || !vb.ok || !vbSame.ok || !va2.ok) throw new Error('fixtures must verify')
    expect(compareClaims(va.chain, vb.chain)).toBeLessThan(0)
    expect(compareClaims(vb.chain, va.chain)).toBeGreaterThan(0)
    const lowerKeyWins = Buffer.compare(alice.publicKey, bob.publicKey) < 0 ? -1 : 1
    expect(Math.sign(compareClaims(va.chain, vbSame.chain))).toBe(lowerKeyWins)
    expect(compareClaims(va.chain, va2.chain)).toBe(0)
  })
})
