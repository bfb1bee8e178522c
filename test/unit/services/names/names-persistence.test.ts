import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { type Identity, generateIdentity } from '../../../../src/node/identity/identity.js'
import { encodeChain } from '../../../../src/node/services/names/chain.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { nameKey } from '../../../../src/node/services/names/name.js'
import { type NamesService, createNamesService } from '../../../../src/node/services/names/names-service.js'
import { MAX_TERM_MS, TERM_MS } from '../../../../src/node/services/names/registration.js'
import { MemoryServiceNetwork } from '../../../helpers/memory-service-network.js'
import { LaggingDisk, MemoryDisk } from '../kv/memory-disk.js'
import { T0, contentTarget, link } from './fixtures.js'

const K = 8
const DIFFICULTY = 8
const clock = { t: T0 }
let running: NamesService[] = []

/** One node's identity and its two databases: what survives a restart. */
interface Machine { identity: Identity, held: MemoryDisk, owned: MemoryDisk }

function machines (n: number): Machine[] {
  return Array.from({ length: n }, () => ({ identity: generateIdentity(), held: new MemoryDisk(), owned: new MemoryDisk() }))
}

/** Every machine (re)started on a fresh network: all in-memory state is gone, the disks stay. */
function boot (ms: Machine[], opts: { maxOwnedNames?: number } = {}): { network: MemoryServiceNetwork, names: NamesService[] } {
  const network = new MemoryServiceNetwork({ k: K })
  const names = ms.map(m => createNamesService({
    network: network.addNode(m.identity),
    identity: m.identity,
    now: () => clock.t,
    difficulty: DIFFICULTY,
    maintenanceIntervalMs: 0,
    persistence: m.held,
    ownedPersistence: m.owned,
    ...opts
  }))
  for (const s of names) s.start()
  running.push(...names)
  return { network, names }
}

async function restart (ms: Machine[]): Promise<NamesService[]> {
  await Promise.all(running.map(async s => { await s.stop() }))
  running = []
  return boot(ms).names
}

afterEach(async () => {
  await Promise.all(running.map(async s => { await s.stop() }))
  running = []
})

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  return isTornetError(err) ? err.code : err === undefined ? undefined : String(err)
}

describe('names service across a restart of every node', () => {
  it('the name still resolves from the other nodes, and the owner still owns it', async () => {
    clock.t = T0
    const ms = machines(20)
    const before = boot(ms).names
    const target = contentTarget('home')
    await before[0].register('home', target)

    const after = await restart(ms)
    expect(after[0].owned()).toEqual(['home'])
    expect(after[0].loadStats.owned).toEqual({ loaded: 1, expired: 0, invalid: 0, truncated: false })
    expect(after.filter(s => s.registry.get('home') !== undefined).length).toBeGreaterThanOrEqual(K)
    for (const i of [3, 11, 19]) {
      const record = await after[i].lookup('home')
      expect(record.owner).toEqual(ms[0].identity.publicKey)
      expect(record.target).toEqual(target)
    }
  })

  it('maintain() renews an owned name after the restart, and the renewal is saved', async () => {
    clock.t = T0
    const ms = machines(20)
    await boot(ms).names[0].register('durable', contentTarget())
    clock.t = T0 + TERM_MS
    const after = await restart(ms)
    await after[0].maintain()
    const record = await after[7].lookup('durable')
    expect(record.history).toHaveLength(2)
    expect(record.expires).toBe(T0 + TERM_MS + MAX_TERM_MS)
    // Down again past the first link's expiry: the saved chain is the renewed one.
    clock.t = T0 + MAX_TERM_MS + 1
    const again = await restart(ms)
    expect(again[0].owned()).toEqual(['durable'])
    expect((await again[12].lookup('durable')).history).toHaveLength(2)
  })

  it('a corrupt, foreign or expired entry is skipped at start-up, and the rest works', async () => {
    clock.t = T0
    const ms = machines(12)
    await boot(ms).names[0].register('kept', contentTarget())
    const { owned, held } = ms[0]
    owned.plant('aa'.repeat(32), Buffer.from('torn write'))
    const foreign = [await link(ms[1].identity, { name: 'theirs', created: T0, difficulty: DIFFICULTY })]
    owned.plant(nameKey('theirs').toString('hex'), encodeChain(foreign))
    const stale = [await link(ms[0].identity, { name: 'stale', created: T0 - MAX_TERM_MS, difficulty: DIFFICULTY })]
    owned.plant(nameKey('stale').toString('hex'), encodeChain(stale))
    held.plant('bb'.repeat(32), Buffer.of(1, 1, 0xff))

    const after = await restart(ms)
    expect(after[0].owned()).toEqual(['kept'])
    expect(after[0].loadStats.owned).toEqual({ loaded: 1, expired: 1, invalid: 2, truncated: false })
    expect(after[0].loadStats.held.invalid).toBe(1)
    expect(owned.has(nameKey('stale'))).toBe(false)
    expect((await after[4].lookup('kept')).owner).toEqual(ms[0].identity.publicKey)
  })

  it('register resolves only once the owned chain is on disk (a kill right after "registered" keeps the name)', async () => {
    // Regression (crash rounds, issue 21): the chain was saved by a fire-and-forget write, so a
    // process killed just after register resolved could restart without the name it was told it owned.
    clock.t = T0
    const ms = machines(12)
    const lagging = new LaggingDisk(200)
    ms[0].owned = lagging
    const names = boot(ms).names
    await names[0].register('durable', contentTarget())
    expect(lagging.has(nameKey('durable'))).toBe(true) // landed, not merely queued
    // What a kill at this moment leaves: a restart from the landed entries owns the name.
    const after = await restart(ms)
    expect(after[0].owned()).toEqual(['durable'])
  })

  it('a lost name leaves the owned disk', async () => {
    clock.t = T0
    const ms = machines(12)
    const names = boot(ms).names
    await names[0].register('brief', contentTarget())
    expect(ms[0].owned.size).toBe(1)
    clock.t = T0 + MAX_TERM_MS
    await names[0].maintain()
    expect(names[0].owned()).toEqual([])
    expect(ms[0].owned.size).toBe(0)
  })

  it('owns at most maxOwnedNames names', async () => {
    clock.t = T0
    const ms = machines(10)
    const names = boot(ms, { maxOwnedNames: 1 }).names
    await names[0].register('first', contentTarget())
    expect(await codeOf(names[0].register('second', contentTarget()))).toBe(NameErrorCode.STORE_FULL)
    // Renewing the one it owns is still allowed.
    expect((await names[0].register('first', contentTarget('new'))).chain).toHaveLength(2)
    // Once that one has expired, there is room again.
    clock.t += MAX_TERM_MS
    await names[0].register('second', contentTarget())
    expect(names[0].owned()).toEqual(['second'])
  })
})
