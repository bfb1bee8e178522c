import { OwnedSet } from '../records/owned-set.js'
import { encodeChain, verifyChain } from './chain.js'
import { nameKey } from './name.js'
import { type NamePersistence, savedChains } from './name-persistence.js'
import type { Registration, RegistrationPolicy } from './registration.js'

/**
 * The chains of the names this node owns, by name: an OwnedSet the
 * maintenance timer renews every term and re-sends in between, so a node that
 * was down for a while (less than the grace past its head's term) still
 * renews its names when it comes back. Chains read back are verified in full
 * (signatures too: they are few) and must be owned by this node's key.
 */
export type OwnedNames = OwnedSet<Registration[]>

export interface OwnedNamesOptions {
  owner: Buffer
  now: () => number
  policy: RegistrationPolicy
  /** Most names this node keeps alive; default 1 000 (each costs a proof of work a month). */
  maxNames?: number
  persistence?: NamePersistence
}

export const DEFAULT_MAX_OWNED_NAMES = 1_000

export function ownedNames (opts: OwnedNamesOptions): OwnedNames {
  return new OwnedSet<Registration[]>({
    locationOf: chain => nameKey(chain[chain.length - 1].name),
    encode: encodeChain,
    expiresOf: chain => chain[chain.length - 1].expires,
    * load (p, now, stats) {
      for (const { chain } of savedChains(p, now, stats, links => verifyChain(links, now, opts.policy))) {
        if (!chain.owner.equals(opts.owner)) { stats.invalid++; continue }
        yield { id: chain.name, record: chain.links }
      }
    }
  }, { now: opts.now, maxRecords: opts.maxNames ?? DEFAULT_MAX_OWNED_NAMES, persistence: opts.persistence })
}
