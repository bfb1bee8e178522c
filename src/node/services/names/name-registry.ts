import { NameErrorCode, type NameErrorCodeValue } from './errors.js'
import {
  MAX_CHAIN_LINKS, type VerifiedChain, compareClaims, compareSameOwner, encodeChain, trimChain, verifyChain
} from './chain.js'
import { packed } from '../../wire/detached.js'
import { nameKey } from './name.js'
import { type PeerQuotaOptions, type StoreSource, StoreQuota } from '../records/peer-quota.js'
import { type NameLoadStats, type NamePersistence, emptyLoadStats, savedChains } from './name-persistence.js'
import { DEFAULT_REGISTRATION_POLICY, type Registration, type RegistrationPolicy } from './registration.js'

/**
 * The names this node holds as a replica, and the rule that decides who owns
 * a name. Per name it keeps one chain: the current owner's.
 *
 * The rule: the claim this replica saw first owns the name while its head is
 * unexpired; another owner's claim is refused (NAME_TAKEN) whatever it says
 * about itself; a renewal by the owner that links to what is held extends it;
 * after the head expires the name is free.
 *
 * Claims date themselves (`created`), and a date is only the claimant's word:
 * ordering by it let a node that saw a registration go by send a claim dated a
 * little earlier and take the name (front-running). What a replica remembers
 * is the only witness of when a claim really appeared, so arrival order is the
 * rule. Replicas can then disagree about a true race (two claims sent within
 * the same moment reach them in different orders); readers settle that by
 * majority (owner-vote.ts), and a registrant reads its name back (confirm) to
 * learn whether it lost. A replica that holds nothing for a name takes any
 * valid chain: that is how nodes that join later learn the names the owners
 * re-send.
 *
 * In memory; a persistence hook lets the node back it with LMDB, so that the
 * names (and the memory of which claim came first) survive a restart of every
 * replica. Chains read back are decoded and checked again (links, expiry,
 * proof of work against today's difficulty) but their signatures are not:
 * they were verified before they were saved, the disk is ours, and 10 000
 * names of 12 links would take half a minute of signature checks to start.
 */

export interface NameRegistryOptions {
  now?: () => number
  policy?: RegistrationPolicy
  /** Most names held at once; default 10 000 (≈ 40 MB worst case at 12 links each). */
  maxNames?: number
  persistence?: NamePersistence
  /** Limits on the new names one peer may bring (NAME_OVER_QUOTA); see PeerQuota. */
  quota?: PeerQuotaOptions
  /** The same limits per network (/24, /48); default twice a peer's; see StoreQuota. */
  networkQuota?: PeerQuotaOptions
}

export type NameOffer =
  | { accepted: true, /** false when nothing new was learned */ changed: boolean }
  | { accepted: false, code: NameErrorCodeValue }

/** `source`: the peer whose store took the slot; absent for local and loaded chains. */
interface Entry { chain: VerifiedChain, encoded: Buffer, key: string, source?: StoreSource }

export const DEFAULT_MAX_NAMES = 10_000

export class NameRegistry {
  private readonly byName = new Map<string, Entry>()
  private readonly byKey = new Map<string, string>()
  private readonly now: () => number
  private readonly policy: RegistrationPolicy
  private readonly maxNames: number
  private readonly persistence?: NamePersistence
  readonly quota: StoreQuota
  /** What the load at construction found (all zero without persistence). */
  readonly loadStats: NameLoadStats = emptyLoadStats()

  constructor (opts: NameRegistryOptions = {}) {
    this.now = opts.now ?? Date.now
    this.policy = opts.policy ?? DEFAULT_REGISTRATION_POLICY
    this.maxNames = opts.maxNames ?? DEFAULT_MAX_NAMES
    if (!Number.isInteger(this.maxNames) || this.maxNames < 1) throw new RangeError('maxNames must be a positive integer')
    this.persistence = opts.persistence
    this.quota = new StoreQuota({ now: this.now, perPeer: opts.quota, perNetwork: opts.networkQuota })
    if (this.persistence !== undefined) this.loadFrom(this.persistence)
  }

  get size (): number { return this.byName.size }

  /**
   * Validates a chain (or a renewal to append to the held one) and keeps it if it wins.
   * `source` is the peer that sent it (see storeSourceOf), charged for a name not held yet (see
   * PeerQuota, checked before any signature or proof of work); undefined for this node's own.
   */
  offer (links: readonly Registration[], source?: StoreSource): NameOffer {
    const now = this.now()
    if (links.length === 0 || links.length > MAX_CHAIN_LINKS) return { accepted: false, code: NameErrorCode.MALFORMED }
    const held = this.live(links[links.length - 1].name, now)
    if (held === undefined && source !== undefined && !this.quota.allows(source)) return { accepted: false, code: NameErrorCode.OVER_QUOTA }
    // Another owner's claim on a held name loses whatever it holds: no need to check its proofs.
    if (held !== undefined && !held.chain.owner.equals(links[0].owner)) return { accepted: false, code: NameErrorCode.TAKEN }
    let incoming = links
    // A renewal sent on its own (or with part of its history) joins the history held for it.
    if (held !== undefined && held.chain.owner.equals(links[0].owner)) {
      const at = held.chain.ids.findIndex(id => id.equals(links[0].previous))
      if (at >= 0) incoming = trimChain([...held.chain.links.slice(0, at + 1), ...links])
    }
    const verdict = verifyChain(incoming, now, this.policy)
    if (!verdict.ok) return { accepted: false, code: verdict.code }
    const chain = verdict.chain
    if (held === undefined) {
      if (this.byName.size >= this.maxNames) {
        this.prune()
        if (this.byName.size >= this.maxNames) return { accepted: false, code: NameErrorCode.STORE_FULL }
      }
      if (source !== undefined) this.quota.charge(source)
      this.put(chain, source)
      return { accepted: true, changed: true }
    }
    const current = held.chain
    if (current.owner.equals(chain.owner)) {
      if (current.ids.some(id => id.equals(chain.headId))) return { accepted: true, changed: false }
      if (compareSameOwner(chain, current) >= 0) return { accepted: true, changed: false }
      this.put(chain, held.source)
      return { accepted: true, changed: true }
    }
    // Another owner: the held claim came first (see the rule above).
    return { accepted: false, code: NameErrorCode.TAKEN }
  }

  /** The owner's chain for a normalised name, if one with an unexpired head is held. */
  get (name: string): VerifiedChain | undefined {
    return this.live(name, this.now())?.chain
  }

  getEncoded (name: string): Buffer | undefined {
    return this.live(name, this.now())?.encoded
  }

  /** By DHT key SHA-256("name:" ‖ name), as FIND_VALUE asks. */
  getEncodedByKey (key: Uint8Array): Buffer | undefined {
    const name = this.byKey.get(Buffer.from(key).toString('hex'))
    return name === undefined ? undefined : this.getEncoded(name)
  }

  /** Every held chain whose head is unexpired. */
  * chains (): IterableIterator<VerifiedChain> {
    const now = this.now()
    for (const e of this.byName.values()) if (e.chain.head.expires > now) yield e.chain
  }

  /** Drops every chain whose head expired; returns how many. */
  prune (): number {
    const now = this.now()
    let n = 0
    for (const [name, e] of this.byName) {
      if (e.chain.head.expires <= now) { this.drop(name, e); n++ }
    }
    return n
  }

  private live (name: string, now: number): Entry | undefined {
    const e = this.byName.get(name)
    if (e === undefined) return undefined
    if (e.chain.head.expires <= now) { this.drop(name, e); return undefined }
    return e
  }

  /** `source`: who the slot is charged to (a newer chain for a held name stays charged to whoever took it). */
  private put (chain: VerifiedChain, source?: StoreSource): void {
    // Held for its term: bytes of their own, and the chain decoded from them (the links' fields
    // were views into the message they came in). Their signatures were checked a moment ago.
    const kept = packed({ links: chain.links, encoded: encodeChain(chain.links) })
    const again = verifyChain(kept.links, this.now(), this.policy, { skipSignatures: true })
    const encoded = kept.encoded
    const key = this.keep(again.ok ? again.chain : chain, encoded, source)
    this.persistence?.save(key, encoded)
  }

  /** Holds the chain in memory; returns its DHT key. */
  private keep (chain: VerifiedChain, encoded: Buffer, source?: StoreSource): Buffer {
    const key = nameKey(chain.name)
    const hex = key.toString('hex')
    this.byName.set(chain.name, { chain, encoded, key: hex, source })
    this.byKey.set(hex, chain.name)
    return key
  }

  private drop (name: string, e: Entry): void {
    if (e.source !== undefined) this.quota.release(e.source)
    this.byName.delete(name)
    this.byKey.delete(e.key)
    this.persistence?.remove(Buffer.from(e.key, 'hex'))
  }

  private loadFrom (p: NamePersistence): void {
    const now = this.now()
    const stats = this.loadStats
    for (const { chain, bytes } of savedChains(p, now, stats, links => verifyChain(links, now, this.policy, { skipSignatures: true }))) {
      const held = this.byName.get(chain.name)
      // One entry per name on disk, unless the disk was tampered with: keep the rule's winner then.
      if (held !== undefined) {
        const sameOwner = held.chain.owner.equals(chain.owner)
        if ((sameOwner ? compareSameOwner(chain, held.chain) : compareClaims(chain, held.chain)) >= 0) continue
      } else if (this.byName.size >= this.maxNames) {
        stats.truncated = true
        break
      }
      if (held === undefined) stats.loaded++
      this.keep(chain, Buffer.from(bytes))
    }
  }
}
