import { encodeChain, verifyChain } from './chain.js'
import { nameKey } from './name.js'
import { type NameLoadStats, type NamePersistence, emptyLoadStats, savedChains } from './name-persistence.js'
import type { Registration, RegistrationPolicy } from './registration.js'

/**
 * The chains of the names this node owns, by name: what the maintenance timer
 * renews every term and re-sends in between. With a persistence hook they
 * outlive a restart, so a node that was down for a while (less than the grace
 * past its head's term) still renews its names when it comes back.
 *
 * Chains read back are verified in full (signatures too: they are few) and
 * must be owned by this node's key; a chain whose head expired while the node
 * was down is gone for good and is removed from the disk.
 */

export interface OwnedNamesOptions {
  owner: Buffer
  now: () => number
  policy: RegistrationPolicy
  /** Most names this node keeps alive; default 1 000 (each costs a proof of work a month). */
  maxNames?: number
  persistence?: NamePersistence
}

export const DEFAULT_MAX_OWNED_NAMES = 1_000

export class OwnedNames {
  private readonly chains = new Map<string, Registration[]>()
  private readonly persistence?: NamePersistence
  private readonly now: () => number
  readonly maxNames: number
  /** What the load at construction found (all zero without persistence). */
  readonly loadStats: NameLoadStats = emptyLoadStats()

  constructor (opts: OwnedNamesOptions) {
    this.maxNames = opts.maxNames ?? DEFAULT_MAX_OWNED_NAMES
    if (!Number.isInteger(this.maxNames) || this.maxNames < 1) throw new RangeError('maxNames must be a positive integer')
    this.now = opts.now
    this.persistence = opts.persistence
    if (this.persistence !== undefined) this.loadFrom(this.persistence, opts)
  }

  get size (): number { return this.chains.size }

  get (name: string): Registration[] | undefined { return this.chains.get(name) }

  has (name: string): boolean { return this.chains.has(name) }

  /** True when `name` is held or there is room for one more (names whose head expired are dropped to make it). */
  hasRoomFor (name: string): boolean {
    if (this.chains.has(name) || this.chains.size < this.maxNames) return true
    const t = this.now()
    for (const [n, chain] of this.entries()) if (chain[chain.length - 1].expires <= t) this.delete(n)
    return this.chains.size < this.maxNames
  }

  names (): string[] { return [...this.chains.keys()] }

  /** A snapshot, so that the caller may set and delete while it walks. */
  entries (): Array<[string, Registration[]]> { return [...this.chains] }

  set (name: string, chain: Registration[]): void {
    this.chains.set(name, chain)
    this.persistence?.save(nameKey(name), encodeChain(chain))
  }

  delete (name: string): void {
    if (!this.chains.delete(name)) return
    this.persistence?.remove(nameKey(name))
  }

  private loadFrom (p: NamePersistence, opts: OwnedNamesOptions): void {
    const now = this.now()
    const stats = this.loadStats
    for (const { chain } of savedChains(p, now, stats, links => verifyChain(links, now, opts.policy))) {
      if (!chain.owner.equals(opts.owner)) { stats.invalid++; continue }
      if (this.chains.has(chain.name)) { stats.invalid++; continue }
      if (this.chains.size >= this.maxNames) { stats.truncated = true; break }
      this.chains.set(chain.name, chain.links)
      stats.loaded++
    }
  }
}
