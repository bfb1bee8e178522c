import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { type Identity, generateIdentity } from '../../../../src/node/identity/identity.js'
import { KvErrorCode } from '../../../../src/node/services/kv/errors.js'
import { type KvService, createKvService } from '../../../../src/node/services/kv/kv-service.js'
import { encodeRecord, recordLocation, signRecord } from '../../../../src/node/services/kv/record.js'
import { MemoryServiceNetwork } from '../../../helpers/memory-service-network.js'
import { LaggingDisk, MemoryDisk } from './memory-disk.js'

const START = 1_700_000_000_000
const HOUR = 3600_000
const K = 6
let t = START
let running: KvService[] = []

/** One node's identity and its two databases: what survives a restart. */
interface Machine { identity: Identity, held: MemoryDisk, owned: MemoryDisk }

function machines (n: number): Machine[] {
  return Array.from({ length: n }, () => ({ identity: generateIdentity(), held: new MemoryDisk(), owned: new MemoryDisk() }))
}

/** Every machine (re)started on a fresh network: all in-memory state is gone, the disks stay. */
async function boot (ms: Machine[], opts: { maxOwnedRecords?: number } = {}): Promise<KvService[]> {
  await Promise.all(running.map(async s => { await s.stop() }))
  const network = new MemoryServiceNetwork({ k: K })
  running = ms.map(m => createKvService({
    network: network.addNode(m.identity),
    identity: m.identity,
    now: () => t,
    republishIntervalMs: 0,
    persistence: m.held,
    ownedPersistence: m.owned,
    ...opts
  }))
  for (const s of running) s.start()
  return running
}

afterEach(async () => {
  await Promise.all(running.map(async s => { await s.stop() }))
  running = []
})

async function expectCode (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

describe('kv records this node owns, across restarts', () => {
  it('are republished after a restart, even to replicas that lost everything', async () => {
    t = START
    const ms = machines(20)
    const kv = await boot(ms)
    const put = await kv[0].put('profile', 'kept', { ttlMs: 24 * HOUR })
    // Every held copy is lost (the owner's too, in case it was one of the replicas); only the owner's list of its own records survives.
    for (const m of ms) m.held.entries.clear()
    t += HOUR
    const after = await boot(ms)
    expect(after[0].loadStats.owned).toEqual({ loaded: 1, expired: 0, invalid: 0, truncated: false })
    expect(after[0].owned().map(r => encodeRecord(r))).toEqual([encodeRecord(put.record)])
    const ns = ms[0].identity.publicKey
    expect(await after[9].get(ns, 'profile')).toBeUndefined()
    await after[0].republish()
    expect((await after[9].get(ns, 'profile'))?.value.toString()).toBe('kept')
    const location = recordLocation(ns, Buffer.from('profile'))
    expect(after.filter(s => s.store.get(location) !== undefined).length).toBeGreaterThanOrEqual(K)
  })

  it('put resolves only once the owned record is on disk (a kill right after "stored" keeps it)', async () => {
    // Regression (crash rounds, issue 21): the owned record was saved by a fire-and-forget write.
    t = START
    const ms = machines(12)
    const lagging = new LaggingDisk(200)
    ms[0].owned = lagging
    const kv = await boot(ms)
    const put = await kv[0].put('profile', 'kept', { ttlMs: 24 * HOUR })
    expect(lagging.size).toBe(1) // landed, not merely queued
    const after = await boot(ms)
    expect(after[0].owned().map(r => encodeRecord(r))).toEqual([encodeRecord(put.record)])
  })

  it('a put after a restart still numbers itself above the saved record', async () => {
    t = START
    const ms = machines(10)
    const first = await (await boot(ms))[0].put('counter', 'one', { sequence: START + 5000 })
    ms[0].held.entries.clear() // whether or not the owner was a replica, only its owned disk remembers
    const after = await boot(ms)
    // The clock is behind the saved sequence (as after a clock step back): it must still win.
    const second = await after[0].put('counter', 'two')
    expect(second.record.sequence).toBe(first.record.sequence + 1)
    expect((await after[3].get(ms[0].identity.publicKey, 'counter'))?.value.toString()).toBe('two')
    expect(after[0].owned().map(r => r.value.toString())).toEqual(['two'])
  })

  it('a corrupt, foreign, forged or expired entry is skipped at start-up; the expired one leaves the disk', async () => {
    t = START
    const ms = machines(8)
    await (await boot(ms))[0].put('good', 'yes')
    const { owned } = ms[0]
    owned.plant('aa'.repeat(32), Buffer.from('torn write'))
    const other = signRecord(ms[1].identity, { key: Buffer.from('theirs'), value: Buffer.from('x'), sequence: 1, expires: START + HOUR })
    owned.plant(recordLocation(other.namespace, other.key).toString('hex'), encodeRecord(other))
    const mine = signRecord(ms[0].identity, { key: Buffer.from('forged'), value: Buffer.from('x'), sequence: 1, expires: START + HOUR })
    const forged = { ...mine, value: Buffer.from('y') }
    owned.plant(recordLocation(mine.namespace, mine.key).toString('hex'), encodeRecord(forged))
    const old = signRecord(ms[0].identity, { key: Buffer.from('old'), value: Buffer.from('x'), sequence: 1, expires: START })
    const oldLocation = recordLocation(old.namespace, old.key)
    owned.plant(oldLocation.toString('hex'), encodeRecord(old))

    t += 1
    const after = await boot(ms)
    expect(after[0].loadStats.owned).toEqual({ loaded: 1, expired: 1, invalid: 3, truncated: false })
    expect(after[0].owned().map(r => r.key.toString())).toEqual(['good'])
    expect(owned.has(oldLocation)).toBe(false)
    expect(owned.size).toBe(4)
  })

  it('an owned record leaves the disk when it expires', async () => {
    t = START
    const ms = machines(8)
    const kv = await boot(ms)
    await kv[0].put('brief', 'x', { ttlMs: 1000 })
    expect(ms[0].owned.size).toBe(1)
    t += 1000
    await kv[0].republish()
    expect(ms[0].owned.size).toBe(0)
    expect((await boot(ms))[0].owned()).toEqual([])
  })

  it('owns at most maxOwnedRecords live keys; an expired one makes room', async () => {
    t = START
    const ms = machines(8)
    const kv = await boot(ms, { maxOwnedRecords: 2 })
    await kv[0].put('a', '1', { ttlMs: 1000 })
    await kv[0].put('b', '2')
    await expectCode(kv[0].put('c', '3'), KvErrorCode.STORE_FULL)
    await kv[0].put('b', 'newer')
    t += 1000
    await kv[0].put('c', '3')
    expect(kv[0].owned().map(r => r.key.toString()).sort()).toEqual(['b', 'c'])
    const after = await boot(ms, { maxOwnedRecords: 1 })
    expect(after[0].loadStats.owned.truncated).toBe(true)
    expect(after[0].owned()).toHaveLength(1)
  })
})
