import type { Identity } from '../../identity/identity.js'
import type { MiningProgress } from '../../identity/miner.js'
import type { Contact } from '../../routing/contact.js'
import { storeOnClosest } from '../records/fan-out-store.js'
import { readWinner } from '../records/parallel-find.js'
import type { PeerQuotaOptions } from '../records/peer-quota.js'
import { createRecordService } from '../records/record-service.js'
import { DEFAULT_REPLICA_SPAN } from '../records/replica-span.js'
import type { ServiceNetwork } from '../service-network.js'
import { type VerifiedChain, encodeChain, trimChain } from './chain.js'
import { NameError, NameErrorCode, type NameErrorCodeValue, nameErrorCodeOf } from './errors.js'
import { nameHost, nameKey, normalizeName } from './name.js'
import type { NameLoadStats, NamePersistence } from './name-persistence.js'
import { NameRegistry } from './name-registry.js'
import { namesHolder, namesRecordKind, verifyAnswer } from './names-kind.js'
import { ownedNames } from './owned-names.js'
import { mineRegistration } from './pow.js'
import {
  DEFAULT_REGISTRATION_POLICY, MAX_TERM_MS, NO_PREVIOUS, type NameTarget, type Registration,
  type RegistrationPolicy, TERM_MS, isValidTarget, registrationId
} from './registration.js'

/**
 * Tornet names: what `tornet name register <name> <target>` and `tornet name
 * show <name>` call.
 *
 * register mines a registration (progress through onProgress), then sends the
 * owner's chain to the k nodes nearest SHA-256("name:" ‖ name), each of which
 * applies the registry's rule (name-registry.ts) and answers accepted or a
 * reason. Registering a name this node already owns renews it: the new link
 * names the previous one, and the target may change.
 *
 * lookup reads the name with FIND_VALUE and from several of the closest nodes
 * directly, verifies every chain it is given, and takes the owner most of the
 * answering replicas hold, ties broken by the registry's rule; a single lying
 * or stale replica cannot then decide. It answers as soon as the answers still
 * outstanding could not change that owner (records/early-read.ts). The maintenance timer renews a name
 * once its head is a term old (a fresh proof of work each time) and otherwise
 * re-sends the chain, so replicas that joined since hold it too.
 *
 * Two persistence hooks let the node keep both halves across a restart: the
 * chains held for others (`persistence`, see NameRegistry) and the names this
 * node owns and renews (`ownedPersistence`, see owned-names.ts).
 */

export interface NamesServiceOptions {
  network: ServiceNetwork
  identity: Identity
  now?: () => number
  /** Leading zero bits required of every registration, ours and others'. */
  difficulty?: number
  clockSkewMs?: number
  /** Most names this node holds for others; see NameRegistry. */
  maxNames?: number
  /** A peer's store for a name this node does not hold is refused (NAME_NOT_REPLICA) unless fewer than this many known nodes are closer; default 30 (see records/replica-span.ts). */
  replicaSpan?: number
  /** Limits on the new names one peer may bring (NAME_OVER_QUOTA); see PeerQuota. */
  quota?: PeerQuotaOptions
  /** The same per network (/24, /48); default twice a peer's; see StoreQuota. */
  networkQuota?: PeerQuotaOptions
  /** Most names this node owns and renews; default 1 000; register refuses a new one beyond (NAME_STORE_FULL). */
  maxOwnedNames?: number
  /** Keeps the chains held for others across restarts. */
  persistence?: NamePersistence
  /** Keeps the chains of the names this node owns across restarts. */
  ownedPersistence?: NamePersistence
  /** Replicas asked directly by lookup, besides FIND_VALUE; default 5. */
  readCount?: number
  /** Per-request timeout; default 5 s. A read uses the network's adaptive one (measured RTTs) when shorter. */
  requestTimeoutMs?: number
  /** How often owned names are renewed or re-sent; default 1 h; 0 turns the timer off. */
  maintenanceIntervalMs?: number
  /** Renew once the head is this old; default the 30-day term. */
  renewAfterMs?: number
  /** Told about each renewal the timer makes or fails to make. */
  onRenewal?: (name: string, outcome: { result?: NameRegisterResult, error?: unknown }) => void
}

export interface NameRegisterOptions {
  signal?: AbortSignal
  onProgress?: (p: MiningProgress) => void
}

export interface NameRefusal { peer: Contact, code: NameErrorCodeValue }

export interface NameRegisterResult {
  name: string
  registration: Registration
  /** The chain sent, oldest first, ending with `registration`. */
  chain: Registration[]
  accepted: number
  refused: NameRefusal[]
  unreachable: number
}

export interface NameRecord {
  name: string
  host: string
  owner: Buffer
  target: NameTarget
  created: number
  expires: number
  /** When the owner's claim started (its oldest link known). */
  since: number
  registration: Registration
  /** Oldest first, ending with `registration`. */
  history: Registration[]
  /** How many of the answers that were read agree with this owner. */
  votes: number
  answers: number
}

export interface NamesService {
  /**
   * Throws NameError: NAME_INVALID / NAME_RESERVED / NAME_TAKEN / NAME_ABORTED / NAME_NOT_STORED or a replica's
   * common refusal; NAME_STORE_FULL when this node already owns maxOwnedNames others.
   */
  register: (name: string, target: NameTarget, opts?: NameRegisterOptions) => Promise<NameRegisterResult>
  /** A new link with the same target; throws NAME_NOT_FOUND if this node does not own the name. */
  renew: (name: string, opts?: NameRegisterOptions) => Promise<NameRegisterResult>
  /** Throws NAME_INVALID / NAME_RESERVED, NAME_NOT_FOUND, or NAME_EXPIRED when only expired registrations were found. */
  lookup: (name: string, opts?: { signal?: AbortSignal }) => Promise<NameRecord>
  /** Renews the owned names that are due, re-sends the others (what the timer runs). */
  maintain: (opts?: { signal?: AbortSignal }) => Promise<void>
  /** Names this node owns and keeps alive. */
  owned: () => string[]
  start: () => void
  /** Stops the timer, aborts a renewal in progress and waits for it. */
  stop: () => Promise<void>
  readonly registry: NameRegistry
  /** What was read back at construction: chains held for others, and owned names. */
  readonly loadStats: { held: NameLoadStats, owned: NameLoadStats }
}

const DEFAULTS = { readCount: 5, requestTimeoutMs: 5_000, maintenanceIntervalMs: 3600_000 }

export function createNamesService (opts: NamesServiceOptions): NamesService {
  const { network, identity } = opts
  const now = opts.now ?? Date.now
  const policy: RegistrationPolicy = {
    difficulty: opts.difficulty ?? DEFAULT_REGISTRATION_POLICY.difficulty,
    clockSkewMs: opts.clockSkewMs ?? DEFAULT_REGISTRATION_POLICY.clockSkewMs
  }
  const readCount = opts.readCount ?? DEFAULTS.readCount
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs
  const maintenanceIntervalMs = opts.maintenanceIntervalMs ?? DEFAULTS.maintenanceIntervalMs
  const renewAfterMs = opts.renewAfterMs ?? TERM_MS
  const replicaSpan = opts.replicaSpan ?? DEFAULT_REPLICA_SPAN
  const registry = new NameRegistry({
    now, policy, maxNames: opts.maxNames, persistence: opts.persistence, quota: opts.quota, networkQuota: opts.networkQuota
  })
  /** The chains of the names this node owns, by name. */
  const own = ownedNames({
    owner: identity.publicKey, now, policy, maxNames: opts.maxOwnedNames, persistence: opts.ownedPersistence
  })
  const kind = namesRecordKind(now, policy)
  const core = { kind, holder: namesHolder(registry), network, replicaSpan, timeoutMs }
  const lifecycle = createRecordService({
    ...core, intervalMs: maintenanceIntervalMs, periodic: async signal => { await maintain({ signal }) }, stopWaitsForPeriodic: true
  })

  async function broadcast (name: string, links: Registration[], signal?: AbortSignal): Promise<Omit<NameRegisterResult, 'name' | 'registration' | 'chain'>> {
    return await storeOnClosest(core, nameKey(name), links, encodeChain(links), signal)
  }

  function checkRunning (): void {
    if (!lifecycle.running) throw new NameError(NameErrorCode.NOT_RUNNING, 'the names service is not started')
  }

  /** Our chain for `name` if we own it, undefined if the name is free; throws NAME_TAKEN otherwise. */
  async function baseFor (name: string, signal?: AbortSignal): Promise<Registration[] | undefined> {
    const mine = own.get(name)
    if (mine !== undefined && mine[mine.length - 1].expires > now()) return mine
    let found: NameRecord | undefined
    try {
      found = await lookupNormalised(name, signal)
    } catch (err) {
      const code = nameErrorCodeOf(err)
      if (code !== NameErrorCode.NOT_FOUND && code !== NameErrorCode.EXPIRED) throw err
    }
    if (found === undefined) return undefined
    if (found.owner.equals(identity.publicKey)) return found.history
    throw new NameError(NameErrorCode.TAKEN,
      `${nameHost(name)} is registered to another owner until ${new Date(found.expires).toISOString()}`)
  }

  /** A new link for `name`, after `base` (our chain) or as a first claim. */
  async function mineLink (name: string, target: NameTarget, base: Registration[] | undefined, o: NameRegisterOptions): Promise<Registration> {
    const created = now()
    const previous = base === undefined ? NO_PREVIOUS : registrationId(base[base.length - 1])
    return await mineRegistration(identity, {
      name, owner: identity.publicKey, target, created, expires: created + MAX_TERM_MS, previous
    }, { difficulty: policy.difficulty, signal: o.signal, onProgress: o.onProgress })
  }

  async function extend (name: string, target: NameTarget, base: Registration[] | undefined, o: NameRegisterOptions): Promise<NameRegisterResult> {
    return await publish(name, base, await mineLink(name, target, base, o), o)
  }

  async function publish (name: string, base: Registration[] | undefined, registration: Registration, o: NameRegisterOptions): Promise<NameRegisterResult> {
    const chain = trimChain([...(base ?? []), registration])
    const result = await broadcast(name, chain, o.signal)
    const taken = result.refused.filter(r => r.code === NameErrorCode.TAKEN).length
    if (result.accepted === 0 || taken > result.accepted) {
      if (taken > 0) own.delete(name)
      const codes = new Set(result.refused.map(r => r.code))
      const code = taken > 0 ? NameErrorCode.TAKEN : codes.size === 1 ? [...codes][0] : NameErrorCode.NOT_STORED
      throw new NameError(code, `${nameHost(name)} was not registered: ${result.accepted} replicas accepted, ` +
        `${result.refused.length} refused (${[...codes].join(', ') || 'none'}), ${result.unreachable} unreachable`)
    }
    own.set(name, chain)
    // On disk before the caller hears "registered": a node killed after that still owns the
    // name when it restarts, and renews it (the crash rounds, bench/support/crash, check this).
    await own.saved()
    await confirm(name, o.signal)
    return { name, registration, chain, ...result }
  }

  /**
   * Reads the name back after a broadcast: in a race, some replicas may have
   * seen the other claim first, so "accepted" by a few can still mean the name
   * went to the other claimant by majority. Throws NAME_TAKEN when most
   * replicas hold another owner; a failed read leaves the answer to the next
   * maintenance round.
   */
  async function confirm (name: string, signal?: AbortSignal): Promise<void> {
    let record: NameRecord
    try {
      record = await lookupNormalised(name, signal)
    } catch {
      signal?.throwIfAborted()
      return
    }
    if (record.owner.equals(identity.publicKey)) return
    own.delete(name)
    throw new NameError(NameErrorCode.TAKEN, `${nameHost(name)} went to another owner whose claim came first`)
  }

  async function register (input: string, target: NameTarget, o: NameRegisterOptions = {}): Promise<NameRegisterResult> {
    checkRunning()
    const name = normalizeName(input)
    if (!own.hasRoomFor(name)) {
      throw new NameError(NameErrorCode.STORE_FULL, `this node already owns ${own.maxRecords} names, as many as it keeps alive`)
    }
    if (!isValidTarget(target)) {
      throw new NameError(NameErrorCode.MALFORMED, 'a content target is 64 bytes (chunk id and key); a hidden service or mailbox is a 32-byte public key')
    }
    const mine = own.get(name)
    if (mine !== undefined && mine[mine.length - 1].expires > now()) return await extend(name, target, mine, o)
    // A new claim is mined BEFORE the lookup that checks the name is free: that lookup shows the
    // name to the replicas and the nodes on the way, and one of them could otherwise mine a claim
    // of its own while we mine ours and reach the replicas first (they keep the claim they see first).
    const claim = await mineLink(name, target, undefined, o)
    const base = await baseFor(name, o.signal)
    if (base === undefined) return await publish(name, undefined, claim, o)
    // The name is already ours (this node lost its own record of it): the new link must extend that chain.
    return await extend(name, target, base, o)
  }

  async function renew (input: string, o: NameRegisterOptions = {}): Promise<NameRegisterResult> {
    checkRunning()
    const name = normalizeName(input)
    const base = await baseFor(name, o.signal)
    if (base === undefined) throw new NameError(NameErrorCode.NOT_FOUND, `${nameHost(name)} is not registered to this node`)
    return await extend(name, base[base.length - 1].target, base, o)
  }

  async function lookupNormalised (name: string, signal?: AbortSignal): Promise<NameRecord> {
    let sawExpired = false
    const verify = (encoded: Buffer): VerifiedChain | undefined => {
      const v = verifyAnswer(encoded, name, now(), policy)
      if (typeof v !== 'string') return v
      sawExpired ||= v === NameErrorCode.EXPIRED
      return undefined
    }
    const { winner: chain, answers } = await readWinner({
      ...core, location: nameKey(name), key: name, readCount, signal, local: () => registry.get(name), verify
    })
    if (chain === undefined) {
      if (sawExpired) throw new NameError(NameErrorCode.EXPIRED, `the registration of ${nameHost(name)} has expired`)
      throw new NameError(NameErrorCode.NOT_FOUND, `${nameHost(name)} is not registered`)
    }
    return {
      name,
      host: nameHost(name),
      owner: chain.owner,
      target: chain.head.target,
      created: chain.head.created,
      expires: chain.head.expires,
      since: chain.start,
      registration: chain.head,
      history: chain.links,
      // The owner vote's count: the answers that hold this owner.
      votes: answers.filter(a => a.owner.equals(chain.owner)).length,
      answers: answers.length
    }
  }

  async function lookup (input: string, o: { signal?: AbortSignal } = {}): Promise<NameRecord> {
    checkRunning()
    return await lookupNormalised(normalizeName(input), o.signal)
  }

  async function maintain (o: { signal?: AbortSignal } = {}): Promise<void> {
    for (const [name, chain] of own.entries()) {
      o.signal?.throwIfAborted()
      const head = chain[chain.length - 1]
      if (head.expires <= now()) { own.delete(name); continue }
      if (now() - head.created >= renewAfterMs) {
        try {
          const result = await extend(name, head.target, chain, { signal: o.signal })
          opts.onRenewal?.(name, { result })
        } catch (error) {
          if (o.signal?.aborted === true) throw error
          opts.onRenewal?.(name, { error })
        }
        continue
      }
      try {
        const result = await broadcast(name, chain, o.signal)
        // Every replica that answered holds a better claim: we lost the name (a race or a partition).
        if (result.accepted === 0 && result.refused.length > 0 && result.refused.every(r => r.code === NameErrorCode.TAKEN)) own.delete(name)
      } catch {
        // Tried again next round.
      }
    }
  }

  return {
    register, renew, lookup, maintain, owned: () => own.ids(), start: lifecycle.start, stop: lifecycle.stop, registry,
    loadStats: { held: registry.loadStats, owned: own.loadStats }
  }
}
