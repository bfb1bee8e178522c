import { describe, expect, it } from 'vitest'
import { type Identity, generateIdentity } from '../../../../src/node/identity/identity.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { decodeChain, encodeChain } from '../../../../src/node/services/names/chain.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { NameRegistry } from '../../../../src/node/services/names/name-registry.js'
import { DAY_MS, MAX_TERM_MS, type Registration, powBits } from '../../../../src/node/services/names/registration.js'
import { T0, TEST_POLICY, chainOf, contentTarget, link } from './fixtures.js'

const HOUR = 3600_000

function registry (clock: { t: number }, opts: { maxNames?: number } = {}): NameRegistry {
  return new NameRegistry({ now: () => clock.t, policy: TEST_POLICY, ...opts })
}

const ownerOf = (r: NameRegistry, name = 'shop'): Buffer | undefined => r.get(name)?.owner

describe('NameRegistry', () => {
  it('gives the name to the first claim and refuses a later one as taken', async () => {
    const clock = { t: T0 + 10 }
    const reg = registry(clock)
    const [alice, bob] = [generateIdentity(), generateIdentity()]
    expect(reg.offer([await link(alice, { name: 'shop', created: T0 })])).toEqual({ accepted: true, changed: true })
    expect(reg.offer([await link(bob, { name: 'shop', created: T0 + 5 })])).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    expect(ownerOf(reg)).toEqual(alice.publicKey)
    expect(reg.getEncodedByKey(nameKey('shop'))).toEqual(reg.getEncoded('shop'))
    expect(decodeChain(reg.getEncoded('shop')!)).toHaveLength(1)
  })

  it('keeps the claim it saw first, whatever order racing claims arrive in and however they are dated', async () => {
    const ids: Identity[] = [generateIdentity(), generateIdentity(), generateIdentity()]
    // Two claims at the same millisecond and one a little later: dates do not order them, arrival does.
    const claims = [
      await link(ids[0], { name: 'race', created: T0 }),
      await link(ids[1], { name: 'race', created: T0 }),
      await link(ids[2], { name: 'race', created: T0 + 3 })
    ]
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]]) {
      const reg = registry({ t: T0 + 10 })
      const verdicts = order.map(i => reg.offer([claims[i]]))
      expect(verdicts.map(v => v.accepted)).toEqual([true, false, false])
      expect(ownerOf(reg, 'race')).toEqual(ids[order[0]].publicKey)
    }
  })

  it('extends the held chain with a renewal sent alone, and ignores replays', async () => {
    const clock = { t: T0 }
    const reg = registry(clock)
    const alice = generateIdentity()
    const [first, second] = await chainOf(alice, 'shop', [T0, T0 + 30 * DAY_MS])
    expect(reg.offer([first]).accepted).toBe(true)
    clock.t = T0 + 30 * DAY_MS
    expect(reg.offer([second])).toEqual({ accepted: true, changed: true })
    const held = reg.get('shop')!
    expect(held.links).toEqual([first, second])
    expect(held.start).toBe(T0)
    expect(reg.offer([first])).toEqual({ accepted: true, changed: false })
    expect(reg.offer([first, second])).toEqual({ accepted: true, changed: false })
  })

  it('lets the owner change its target with a newer link, never roll back to an older one', async () => {
    const clock = { t: T0 + DAY_MS }
    const reg = registry(clock)
    const alice = generateIdentity()
    const first = await link(alice, { name: 'shop', created: T0 })
    const moved = await link(alice, { name: 'shop', created: T0 + DAY_MS, previous: first, target: contentTarget('v2') })
    reg.offer([first, moved])
    expect(reg.get('shop')?.head.target).toEqual(contentTarget('v2'))
    expect(reg.offer([first]).accepted).toBe(true)
    expect(reg.get('shop')?.head.target).toEqual(contentTarget('v2'))
  })

  it('refuses a renewal made after expiry; once the head expires the name is free', async () => {
    const clock = { t: T0 }
    const reg = registry(clock)
    const [alice, bob] = [generateIdentity(), generateIdentity()]
    const first = await link(alice, { name: 'shop', created: T0 })
    reg.offer([first])
    clock.t = T0 + MAX_TERM_MS
    expect(reg.get('shop')).toBeUndefined()
    const late = await link(alice, { name: 'shop', created: T0 + MAX_TERM_MS, previous: first })
    expect(reg.offer([first, late])).toEqual({ accepted: false, code: NameErrorCode.EXPIRED })
    expect(reg.offer([await link(bob, { name: 'shop', created: clock.t })])).toEqual({ accepted: true, changed: true })
    expect(ownerOf(reg)).toEqual(bob.publicKey)
  })

  it('never lets another owner displace the held claim, however early it is dated', async () => {
    const [bob, alice, mallory] = [generateIdentity(), generateIdentity(), generateIdentity()]
    const clock = { t: T0 + 10 * DAY_MS }
    const reg = registry(clock)
    // Bob's claim arrived first; alice's is dated a minute earlier and arrives a second later: bob keeps it.
    reg.offer([await link(bob, { name: 'shop', created: clock.t - 60_000 })])
    clock.t += 1000
    expect(reg.offer([await link(alice, { name: 'shop', created: clock.t - 120_000 })])).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    expect(ownerOf(reg)).toEqual(bob.publicKey)
    const backdated = [await link(mallory, { name: 'shop', created: clock.t - 2 * HOUR })]
    expect(reg.offer(backdated)).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    clock.t += 3 * DAY_MS
    expect(reg.offer([await link(mallory, { name: 'shop', created: T0 })])).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    expect(ownerOf(reg)).toEqual(bob.publicKey)
    // A node that held nothing has no memory to go by and takes the first valid chain it is sent.
    const empty = registry(clock)
    expect(empty.offer(backdated)).toEqual({ accepted: true, changed: true })
  })

  it('refuses claims from the future, bad proofs and a full table', async () => {
    const clock = { t: T0 }
    const reg = registry(clock, { maxNames: 1 })
    const alice = generateIdentity()
    expect(reg.offer([await link(alice, { name: 'shop', created: T0 + TEST_POLICY.clockSkewMs + 1 })]))
      .toEqual({ accepted: false, code: NameErrorCode.FROM_THE_FUTURE })
    let weak: Registration
    let created = T0
    // Difficulty 0 takes nonce 0 whatever it proves; date the claim until that proves too little.
    do weak = await link(alice, { name: 'shop', created: created++, difficulty: 0 }); while (powBits(weak) >= TEST_POLICY.difficulty)
    expect(reg.offer([weak])).toEqual({ accepted: false, code: NameErrorCode.POW_INSUFFICIENT })
    expect(reg.offer([await link(alice, { name: 'one', created: T0 })]).accepted).toBe(true)
    expect(reg.offer([await link(alice, { name: 'two', created: T0 })])).toEqual({ accepted: false, code: NameErrorCode.STORE_FULL })
    clock.t = T0 + MAX_TERM_MS
    expect(reg.offer([await link(alice, { name: 'two', created: clock.t })]).accepted).toBe(true)
    expect(reg.size).toBe(1)
  })

  it('holds a chain in bytes of its own, not views into the message it came in (which would pin that message)', async () => {
    const clock = { t: T0 + 10 }
    const reg = registry(clock)
    const alice = generateIdentity()
    const bytes = encodeChain([await link(alice, { name: 'kept', created: T0 })])
    const message = Buffer.alloc(65_536)
    bytes.copy(message, 500)
    const received = decodeChain(message.subarray(500, 500 + bytes.length))
    expect(received[0].owner.buffer.byteLength).toBeGreaterThan(4 * bytes.length)
    expect(reg.offer(received)).toEqual({ accepted: true, changed: true })
    const held = reg.get('kept')!
    expect(held.owner).toEqual(alice.publicKey)
    for (const field of [held.owner, held.head.owner, held.head.signature, held.head.nonce, reg.getEncoded('kept')!]) {
      expect(field.buffer.byteLength).toBeLessThanOrEqual(2 * bytes.length)
    }
  })
})
