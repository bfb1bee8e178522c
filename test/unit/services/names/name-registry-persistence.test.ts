import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { encodeChain } from '../../../../src/node/services/names/chain.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { NameRegistry } from '../../../../src/node/services/names/name-registry.js'
import { MAX_TERM_MS } from '../../../../src/node/services/names/registration.js'
import { MemoryDisk } from '../kv/memory-disk.js'
import { T0, TEST_POLICY, chainOf, link } from './fixtures.js'

const HOUR = 3600_000

function registry (clock: { t: number }, disk: MemoryDisk, opts: { maxNames?: number, difficulty?: number } = {}): NameRegistry {
  return new NameRegistry({
    now: () => clock.t,
    policy: { ...TEST_POLICY, difficulty: opts.difficulty ?? TEST_POLICY.difficulty },
    maxNames: opts.maxNames,
    persistence: disk
  })
}

describe('NameRegistry with a persistence hook', () => {
  it('a new registry on the same disk answers lookups, by name and by DHT key', async () => {
    const clock = { t: T0 + 10 }
    const disk = new MemoryDisk()
    const alice = generateIdentity()
    const a = registry(clock, disk)
    expect(a.offer(await chainOf(alice, 'shop', [T0])).accepted).toBe(true)
    expect(a.offer(await chainOf(alice, 'blog', [T0])).accepted).toBe(true)
    expect(disk.size).toBe(2)
    expect(disk.get(nameKey('shop'))).toEqual(a.getEncoded('shop'))

    const b = registry(clock, disk)
    expect(b.loadStats).toEqual({ loaded: 2, expired: 0, invalid: 0, truncated: false })
    expect(b.get('shop')?.owner).toEqual(alice.publicKey)
    expect(b.getEncodedByKey(nameKey('blog'))).toEqual(a.getEncoded('blog'))
    expect([...b.chains()].map(c => c.name).sort()).toEqual(['blog', 'shop'])
  })

  it('remembers which claim came first: a backdated rival is still refused after a restart', async () => {
    const clock = { t: T0 + 10 }
    const disk = new MemoryDisk()
    const [alice, mallory] = [generateIdentity(), generateIdentity()]
    registry(clock, disk).offer(await chainOf(alice, 'bank', [T0]))
    clock.t = T0 + 2 * HOUR
    // Dated before alice's claim: an empty replica would take it; one that remembers does not.
    const rival = await chainOf(mallory, 'bank', [T0 - 1])
    expect(registry(clock, new MemoryDisk()).offer(rival).accepted).toBe(true)
    const b = registry(clock, disk)
    expect(b.offer(rival)).toEqual({ accepted: false, code: NameErrorCode.TAKEN })
    expect(b.get('bank')?.owner).toEqual(alice.publicKey)
  })

  it('a renewal replaces the saved chain, and an expired chain leaves the disk', async () => {
    const clock = { t: T0 + 10 }
    const disk = new MemoryDisk()
    const alice = generateIdentity()
    const a = registry(clock, disk)
    const first = await link(alice, { name: 'shop', created: T0 })
    a.offer([first])
    clock.t = T0 + 20
    a.offer([await link(alice, { name: 'shop', created: T0 + 20, previous: first })])
    expect(disk.size).toBe(1)
    expect(registry(clock, disk).get('shop')?.links).toHaveLength(2)
    clock.t = T0 + 20 + MAX_TERM_MS
    expect(a.get('shop')).toBeUndefined()
    expect(disk.size).toBe(0)
  })

  it('skips and counts corrupt, expired and unverifiable entries; removes only the expired', async () => {
    const clock = { t: T0 + 10 }
    const disk = new MemoryDisk()
    const alice = generateIdentity()
    registry(clock, disk).offer(await chainOf(alice, 'good', [T0]))
    disk.plant('00'.repeat(32), Buffer.from('not a chain'))
    disk.plant('01'.repeat(32), Buffer.alloc(0))
    const old = await chainOf(alice, 'old', [T0 - MAX_TERM_MS])
    disk.plant(nameKey('old').toString('hex'), encodeChain(old))
    // Two links that do not link: fails verification.
    const broken = [await link(alice, { name: 'broken', created: T0 }), await link(alice, { name: 'broken', created: T0 + 1 })]
    disk.plant(nameKey('broken').toString('hex'), encodeChain(broken))

    const b = registry(clock, disk)
    expect(b.loadStats).toEqual({ loaded: 1, expired: 1, invalid: 3, truncated: false })
    expect(b.get('good')?.owner).toEqual(alice.publicKey)
    expect(b.get('broken')).toBeUndefined()
    expect(disk.has(nameKey('old'))).toBe(false)
    expect(disk.size).toBe(4)
  })

  it('checks proofs of work against the difficulty of today', async () => {
    const clock = { t: T0 + 10 }
    const disk = new MemoryDisk()
    // Mined at difficulty 6: one in four such proofs would pass 8 by chance; find one that does not.
    let chain = await chainOf(generateIdentity(), 'weak', [T0])
    for (let i = 1; registry(clock, new MemoryDisk(), { difficulty: 8 }).offer(chain).accepted; i++) chain = await chainOf(generateIdentity(), 'weak', [T0 + i])
    registry(clock, disk).offer(chain)
    expect(registry(clock, disk).get('weak')).toBeDefined()
    const stricter = registry(clock, disk, { difficulty: 8 })
    expect(stricter.get('weak')).toBeUndefined()
    expect(stricter.loadStats.invalid).toBe(1)
  })

  it('loads at most maxNames and says it stopped', async () => {
    const clock = { t: T0 + 10 }
    const disk = new MemoryDisk()
    const alice = generateIdentity()
    const a = registry(clock, disk)
    for (const name of ['one', 'two', 'three']) a.offer(await chainOf(alice, name, [T0]))
    const b = registry(clock, disk, { maxNames: 2 })
    expect(b.size).toBe(2)
    expect(b.loadStats).toEqual({ loaded: 2, expired: 0, invalid: 0, truncated: true })
  })
})
