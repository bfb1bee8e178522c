import { type Identity, sign as signWithIdentity } from '../../identity/identity.js'
import { storeOnClosest } from '../records/fan-out-store.js'
import { readWinner } from '../records/parallel-find.js'
import type { PeerQuotaOptions } from '../records/peer-quota.js'
import { createRecordService } from '../records/record-service.js'
import { DEFAULT_REPLICA_SPAN } from '../records/replica-span.js'
import type { Contact } from '../../routing/contact.js'
import type { ServiceNetwork } from '../service-network.js'
import { KvError, KvErrorCode, type KvErrorCodeValue } from './errors.js'
import { acceptableRecord, kvHolder, kvRecordKind } from './kv-kind.js'
import { type KvLoadStats, type KvPersistence, KvStore } from './kv-store.js'
import { KV_SERVICE, encodeKvRequest } from './messages.js'
import { offerOwned, ownedRecords } from './owned-records.js'
import {
  DEFAULT_RECORD_POLICY, type KvRecord, MAX_KEY_BYTES, MAX_VALUE_BYTES, type RecordPolicy,
  type RecordSigner, compareRecords, encodeRecord, recordLocation, signRecordWith
} from './record.js'

/**
 * The key/value service: what `tornet kv put/get` call.
 *
 * put signs a record in this node's namespace and sends it to the k nodes
 * closest to SHA-256(namespace ‖ key) (and keeps it locally when this node is
 * one of them); each replica validates it and answers accepted or a reason.
 * get runs FIND_VALUE (which validates what it finds with this service's
 * provider and caches it at the closest node on the path that lacked it) and,
 * in parallel, asks a few of the closest replicas directly, so that one stale
 * or lying replica cannot win: the newest valid record among all answers is
 * returned, and the closest asked replica that lacked it or held an older one
 * is sent a copy (read repair). The owner re-sends its
 * records every republish interval until they expire, so replicas that joined
 * since the put get them too.
 *
 * Two persistence hooks let the node keep both halves across a restart: the
 * records held for others (`persistence`, see KvStore) and the records this
 * node owns and republishes (`ownedPersistence`, see owned-records.ts).
 */

export interface KvServiceOptions {
  network: ServiceNetwork
  identity: Identity
  now?: () => number
  policy?: RecordPolicy
  /** Most records this node holds for others; see KvStore. */
  maxRecords?: number
  /** A peer's store for a location this node does not hold is refused (KV_NOT_REPLICA) unless fewer than this many known nodes are closer; default 30 (see replica-span.ts). */
  replicaSpan?: number
  /** Limits on the new records one peer may bring (KV_OVER_QUOTA); see PeerQuota. */
  quota?: PeerQuotaOptions
  /** The same per network (/24, /48); default twice a peer's; see StoreQuota. */
  networkQuota?: PeerQuotaOptions
  persistence?: KvPersistence
  /** Most live records this node owns and republishes; default 10 000; put refuses a new key beyond (KV_STORE_FULL). */
  maxOwnedRecords?: number
  /** Keeps this node's own records (what it republishes) across restarts. */
  ownedPersistence?: KvPersistence
  /** Replicas asked directly by get, besides FIND_VALUE; default 3. */
  readCount?: number
  /** Per-request timeout; default 5 s. */
  requestTimeoutMs?: number
  /** How often the owner re-sends its live records; default 1 h; 0 turns it off. */
  republishIntervalMs?: number
  /** Lifetime of a put without ttlMs; default 24 h. */
  defaultTtlMs?: number
  /**
   * Records are priced like storage (issue 19 item 7): the owner's STORE of a key new here
   * (`onStored`; a copy another peer sends is not charged), and each other replica that accepted this node's put (`onStoredAt`), with
   * the record's bytes and the time it has left to live.
   */
  onStored?: (from: Contact, bytes: number, lifetimeMs: number) => void
  onStoredAt?: (peer: Contact, bytes: number, lifetimeMs: number) => void
}

export interface KvPutOptions {
  /** Lifetime from now; at most the policy's maxTtlMs (30 days by default). */
  ttlMs?: number
  /** Defaults to max(now, previous sequence + 1), so that a later put always wins. */
  sequence?: number
  signal?: AbortSignal
}

export interface KvRefusal { peer: Contact, code: KvErrorCodeValue }

export interface KvPutResult {
  record: KvRecord
  location: Buffer
  /** Replicas (this node included, when it is one) that hold the record now. */
  accepted: number
  refused: KvRefusal[]
  /** Replicas that did not answer or answered nonsense. */
  unreachable: number
  /** The other nodes that accepted it. */
  acceptedBy: Contact[]
}

export interface KvService {
  /**
   * Throws KvError: KV_TOO_LARGE / KV_TTL_TOO_LONG / KV_INVALID_ARGUMENT before sending, KV_STORE_FULL when this
   * node already owns maxOwnedRecords other live keys, KV_NOT_STORED (or the replicas' common refusal) when no
   * replica accepted.
   */
  put: (key: Uint8Array | string, value: Uint8Array | string, opts?: KvPutOptions) => Promise<KvPutResult>
  /**
   * A put in another key's namespace, signed by `signer` (a hidden service's blinded key): the same
   * checks and replication as put, but the record is not this node's to republish, so the caller
   * re-puts it while it wants it kept (the hidden service does, while it runs).
   */
  putSigned: (signer: RecordSigner, key: Uint8Array | string, value: Uint8Array | string, opts?: KvPutOptions) => Promise<KvPutResult>
  /** The newest valid record for (namespace, key), or undefined. */
  get: (namespace: Uint8Array, key: Uint8Array | string, opts?: { signal?: AbortSignal }) => Promise<KvRecord | undefined>
  /** The live records this node owns and republishes (newest per key). */
  owned: () => KvRecord[]
  /** Re-sends this node's live records to their current closest nodes (what the timer runs). */
  republish: (opts?: { signal?: AbortSignal }) => Promise<void>
  start: () => void
  /** Stops the timer and waits for background work (read-repair copies) to finish. */
  stop: () => Promise<void>
  readonly store: KvStore
  /** What was read back at construction: records held for others, and owned records. */
  readonly loadStats: { held: KvLoadStats, owned: KvLoadStats }
}

const DEFAULTS = {
  readCount: 3,
  requestTimeoutMs: 5_000,
  republishIntervalMs: 3600_000,
  defaultTtlMs: 24 * 3600_000
}

function toBytes (v: Uint8Array | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v)
}

export function createKvService (opts: KvServiceOptions): KvService {
  const { network, identity } = opts
  const now = opts.now ?? Date.now
  const policy = opts.policy ?? DEFAULT_RECORD_POLICY
  const readCount = opts.readCount ?? DEFAULTS.readCount
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs
  const republishIntervalMs = opts.republishIntervalMs ?? DEFAULTS.republishIntervalMs
  const defaultTtlMs = opts.defaultTtlMs ?? DEFAULTS.defaultTtlMs
  const replicaSpan = opts.replicaSpan ?? DEFAULT_REPLICA_SPAN
  const store = new KvStore({ now, policy, maxRecords: opts.maxRecords, persistence: opts.persistence, quota: opts.quota, networkQuota: opts.networkQuota })
  /** This node's own records, by location: what it republishes. */
  const own = ownedRecords({
    namespace: identity.publicKey, now, policy, maxRecords: opts.maxOwnedRecords, persistence: opts.ownedPersistence
  })
  const background = new Set<Promise<void>>()
  const kind = kvRecordKind(now, policy)
  const core = {
    kind, holder: kvHolder(store), network, replicaSpan, timeoutMs,
    // Only the owner's own store is storage sold to it: a reader's read-repair copy is not its to pay for.
    onStored: (r: KvRecord, from: Contact, bytes: number) => {
      if (from.publicKey !== undefined && Buffer.from(from.publicKey).equals(r.namespace)) opts.onStored?.(from, bytes, Math.max(0, r.expires - now()))
    }
  }
  const lifecycle = createRecordService({
    ...core, intervalMs: republishIntervalMs, periodic: async () => await republish(), stopWaitsForPeriodic: false
  })

  async function replicate (record: KvRecord, signal?: AbortSignal): Promise<Omit<KvPutResult, 'record'>> {
    const location = recordLocation(record.namespace, record.key)
    const result = await storeOnClosest(core, location, record, encodeRecord(record), signal)
    signal?.throwIfAborted()
    return { location, ...result }
  }

  function checkRunning (): void {
    if (!lifecycle.running) throw new KvError(KvErrorCode.NOT_RUNNING, 'the kv service is not started')
  }

  async function put (key: Uint8Array | string, value: Uint8Array | string, putOpts: KvPutOptions = {}): Promise<KvPutResult> {
    const record = await prepare({ publicKey: identity.publicKey, sign: m => signWithIdentity(identity, m) }, key, value, putOpts, true)
    const result = await replicateOrThrow(record, putOpts.signal)
    const bytes = encodeRecord(record).length
    for (const peer of result.acceptedBy) opts.onStoredAt?.(peer, bytes, Math.max(0, record.expires - now()))
    offerOwned(own, record)
    await own.saved() // on disk before "stored": the owner republishes it after a restart
    return result
  }

  async function putSigned (signer: RecordSigner, key: Uint8Array | string, value: Uint8Array | string, putOpts: KvPutOptions = {}): Promise<KvPutResult> {
    if (signer.publicKey.length !== 32) throw new KvError(KvErrorCode.INVALID_ARGUMENT, 'a signer\'s public key is 32 bytes')
    return await replicateOrThrow(await prepare(signer, key, value, putOpts, false), putOpts.signal)
  }

  /** Checks the arguments and signs the record (sequence above any held for its location). */
  async function prepare (signer: RecordSigner, key: Uint8Array | string, value: Uint8Array | string, putOpts: KvPutOptions, owned: boolean): Promise<KvRecord> {
    checkRunning()
    const k = toBytes(key)
    const v = toBytes(value)
    if (k.length === 0) throw new KvError(KvErrorCode.INVALID_ARGUMENT, 'a key cannot be empty')
    if (k.length > MAX_KEY_BYTES) throw new KvError(KvErrorCode.TOO_LARGE, `a key is at most ${MAX_KEY_BYTES} bytes; this one is ${k.length}`)
    if (v.length > MAX_VALUE_BYTES) throw new KvError(KvErrorCode.TOO_LARGE, `a value is at most ${MAX_VALUE_BYTES} bytes; this one is ${v.length}`)
    const ttlMs = putOpts.ttlMs ?? defaultTtlMs
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new KvError(KvErrorCode.INVALID_ARGUMENT, `ttlMs must be a positive integer, not ${ttlMs}`)
    if (ttlMs > policy.maxTtlMs) throw new KvError(KvErrorCode.TTL_TOO_LONG, `records live at most ${policy.maxTtlMs} ms`)
    const t = now()
    const location = recordLocation(signer.publicKey, k)
    const id = location.toString('hex')
    if (owned && !own.hasRoomFor(id)) throw new KvError(KvErrorCode.STORE_FULL, `this node already owns ${own.maxRecords} live records, as many as it republishes`)
    const previous = Math.max(own.get(id)?.sequence ?? -1, store.get(location)?.sequence ?? -1)
    const sequence = putOpts.sequence ?? Math.max(t, previous + 1)
    if (!Number.isSafeInteger(sequence) || sequence < 0) throw new KvError(KvErrorCode.INVALID_ARGUMENT, `bad sequence ${sequence}`)
    return signRecordWith(signer, { key: k, value: v, sequence, expires: t + ttlMs })
  }

  async function replicateOrThrow (record: KvRecord, signal?: AbortSignal): Promise<KvPutResult> {
    const result = await replicate(record, signal)
    if (result.accepted === 0) {
      const codes = new Set(result.refused.map(r => r.code))
      const only = codes.size === 1 ? [...codes][0] : undefined
      throw new KvError(only ?? KvErrorCode.NOT_STORED,
        `no replica stored the record (${result.refused.length} refused, ${result.unreachable} unreachable)`)
    }
    return { record, ...result }
  }

  async function get (namespace: Uint8Array, key: Uint8Array | string, getOpts: { signal?: AbortSignal } = {}): Promise<KvRecord | undefined> {
    checkRunning()
    const location = recordLocation(namespace, toBytes(key))
    const { winner, asked } = await readWinner({
      ...core, location, key: location, readCount, signal: getOpts.signal,
      local: () => store.get(location),
      verify: encoded => acceptableRecord(encoded, location, now(), policy)
    })
    if (winner !== undefined) {
      const lacking = asked.find(a => a.answer === undefined || compareRecords(a.answer, winner) < 0)
      if (lacking !== undefined) cacheAt(lacking.peer, winner)
    }
    return winner
  }

  function cacheAt (peer: Contact, record: KvRecord): void {
    const payload = encodeKvRequest({ type: 'store', record: encodeRecord(record) })
    const p: Promise<void> = network.request(peer, KV_SERVICE, payload, { timeoutMs })
      .then(() => undefined, () => undefined)
      .finally(() => { background.delete(p) })
    background.add(p)
  }

  async function republish (repOpts: { signal?: AbortSignal } = {}): Promise<void> {
    const t = now()
    for (const [id, record] of own.entries()) {
      repOpts.signal?.throwIfAborted()
      if (record.expires <= t) { own.delete(id); continue }
      try {
        await replicate(record, repOpts.signal)
      } catch {
        // The next round tries again; a republish failing must not stop the others.
      }
    }
  }

  async function stop (): Promise<void> {
    await lifecycle.stop()
    await Promise.all([...background])
  }

  const owned = (): KvRecord[] => {
    const t = now()
    return own.entries().map(([, r]) => r).filter(r => r.expires > t)
  }
  return { put, putSigned, get, owned, republish, start: lifecycle.start, stop, store, loadStats: { held: store.loadStats, owned: own.loadStats } }
}
