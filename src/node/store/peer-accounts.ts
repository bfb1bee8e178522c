import { isIP } from 'node:net'
import { nodeIdOf } from '../identity/identity.js'
import type { Endpoint } from '../types.js'
import { tryDecode } from '../wire/codec.js'
import { StoreErrorCode, StoreWarningCode, storeError } from './errors.js'
import { type PeerAccount, decodePeerAccount, encodePeerAccount } from './peer-account-codec.js'
import { type BinaryDatabase, type StoreContext, assertOpen, checkId, del, put, writeTxn } from './store-context.js'

/**
 * The seed's per-node accounts (the fields that exist so far), kept across restarts so a node
 * can bootstrap from the peers it saw last time. Writes are batched: noteContact/noteError
 * change an in-memory copy, addTraffic bumps a Map entry (the hot path: one Map update per
 * packet), and `flush` (every `flushMs` and on close) writes everything in one transaction.
 * Reads merge the three layers (unflushed, being written, on disk), so they see every call
 * at once. A crash loses at most one flush interval of counters.
 *
 * The network chooses how many ids we meet, so the database is bounded: past `maxAccounts`
 * (plus 10 % slack) the accounts with the oldest last contact are removed.
 */
export const DEFAULT_PEER_FLUSH_MS = 1000
export const DEFAULT_MAX_ACCOUNTS = 100_000

export interface PeerContact {
  id: Uint8Array
  publicKey: Uint8Array
  nonce: Uint8Array
  rank: number
  endpoint: Endpoint
  /** One RTT sample in ms; smoothed into the account as SRTT = 7/8·SRTT + 1/8·sample. */
  rttMs?: number
}

export interface PeerAccountsOptions {
  flushMs?: number
  maxAccounts?: number
}

export interface PeerAccountStats {
  /** Distinct records on disk that failed to decode (skipped, reported once each). */
  skippedRecords: number
  /** Bytes of traffic for peers that have no account (nothing to add them to). */
  droppedTrafficBytes: number
  /** noteError calls for peers that have no account. */
  droppedErrors: number
  /** Accounts removed to stay within maxAccounts. */
  pruned: number
}

type Traffic = { in: number, out: number }

export class PeerAccounts {
  readonly stats: PeerAccountStats = { skippedRecords: 0, droppedTrafficBytes: 0, droppedErrors: 0, pruned: 0 }
  private dirty = new Map<string, PeerAccount>()
  private readonly inflight = new Map<string, PeerAccount>()
  private readonly traffic = new Map<string, Traffic>()
  private readonly reportedCorrupt = new Set<string>()
  private readonly maxAccounts: number
  private approxCount: number
  private readonly timer: NodeJS.Timeout

  constructor (private readonly ctx: StoreContext, private readonly db: BinaryDatabase, opts: PeerAccountsOptions = {}) {
    this.maxAccounts = opts.maxAccounts ?? DEFAULT_MAX_ACCOUNTS
    if (!Number.isSafeInteger(this.maxAccounts) || this.maxAccounts < 1) {
      throw storeError(StoreErrorCode.INVALID_ARGUMENT, `bad maxAccounts ${this.maxAccounts}`)
    }
    this.approxCount = db.getKeysCount()
    this.timer = setInterval(() => { void this.flush() }, opts.flushMs ?? DEFAULT_PEER_FLUSH_MS)
    this.timer.unref()
  }

  /** A verified contact with a peer (after its handshake): creates or refreshes its account. */
  noteContact (p: PeerContact): void {
    assertOpen(this.ctx)
    const id = checkId(p.id, 'peer id')
    if (!(p.publicKey instanceof Uint8Array) || p.publicKey.length !== 32 || !nodeIdOf(p.publicKey).equals(id)) {
      throw storeError(StoreErrorCode.INVALID_ARGUMENT, 'peer public key must be 32 bytes hashing to the peer id')
    }
    if (!(p.nonce instanceof Uint8Array) || p.nonce.length !== 8) throw storeError(StoreErrorCode.INVALID_ARGUMENT, 'nonce must be 8 bytes')
    if (!Number.isInteger(p.rank) || p.rank < 0 || p.rank > 255) throw storeError(StoreErrorCode.INVALID_ARGUMENT, `bad rank ${p.rank}`)
    checkEndpoint(p.endpoint)
    const hex = id.toString('hex')
    const now = this.ctx.now()
    const cur = this.load(hex, id)
    const sample = p.rttMs !== undefined && Number.isFinite(p.rttMs) && p.rttMs >= 0 ? p.rttMs : undefined
    const rttMs = sample === undefined ? cur?.rttMs : cur?.rttMs === undefined ? sample : cur.rttMs * 0.875 + sample * 0.125
    if (cur === undefined) this.approxCount++
    this.dirty.set(hex, {
      id: Buffer.from(id),
      publicKey: Buffer.from(p.publicKey),
      nonce: Buffer.from(p.nonce),
      rank: p.rank,
      firstContact: cur?.firstContact ?? now,
      lastContact: Math.max(now, cur?.lastContact ?? now),
      rttMs,
      endpoint: { address: p.endpoint.address, port: p.endpoint.port },
      connectionErrors: cur?.connectionErrors ?? 0,
      bytesSent: cur?.bytesSent ?? 0,
      bytesReceived: cur?.bytesReceived ?? 0
    })
  }

  /** A failed connection attempt or broken session with a known peer. */
  noteError (id: Uint8Array): void {
    assertOpen(this.ctx)
    const key = checkId(id, 'peer id')
    const hex = key.toString('hex')
    const cur = this.load(hex, key)
    if (cur === undefined) { this.stats.droppedErrors++; return }
    this.dirty.set(hex, { ...cur, connectionErrors: Math.min(0xffffffff, cur.connectionErrors + 1) })
  }

  /** Hot path: one Map update; written with the next flush. */
  addTraffic (idHex: string, dir: 'in' | 'out', bytes: number): void {
    let t = this.traffic.get(idHex)
    if (t === undefined) { t = { in: 0, out: 0 }; this.traffic.set(idHex, t) }
    t[dir] += bytes
  }

  get (id: Uint8Array): PeerAccount | undefined {
    assertOpen(this.ctx)
    const key = checkId(id, 'peer id')
    const hex = key.toString('hex')
    const a = this.load(hex, key)
    return a === undefined ? undefined : this.withTraffic(hex, a)
  }

  /** All accounts (ordered by id, or most recently contacted first), at most `limit`. */
  list (opts: { limit?: number, orderBy?: 'lastContact' } = {}): PeerAccount[] {
    assertOpen(this.ctx)
    const merged = new Map<string, PeerAccount>()
    for (const { key, value } of this.db.getRange()) {
      const hex = Buffer.from(key).toString('hex')
      const a = this.decode(hex, key, value)
      if (a !== undefined) merged.set(hex, a)
    }
    for (const layer of [this.inflight, this.dirty]) for (const [hex, a] of layer) merged.set(hex, a)
    const out = Array.from(merged, ([hex, a]) => this.withTraffic(hex, a))
    if (opts.orderBy === 'lastContact') out.sort((a, b) => b.lastContact - a.lastContact)
    else out.sort((a, b) => Buffer.compare(a.id, b.id))
    return opts.limit === undefined ? out : out.slice(0, Math.max(0, opts.limit))
  }

  /** The `n` most recently contacted peers: whom to call first after a restart. */
  recentlySeen (n: number): PeerAccount[] {
    return this.list({ limit: n, orderBy: 'lastContact' })
  }

  /** Writes everything batched so far in one transaction. Never throws; failures are reported and retried. */
  async flush (): Promise<void> {
    if (this.ctx.isClosed()) return
    try {
      await this.flushBatch()
    } catch (err) {
      this.ctx.warn({ code: StoreWarningCode.FLUSH_FAILED, message: 'could not save peer accounts', cause: err })
    }
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  private async flushBatch (): Promise<void> {
    for (const [hex, t] of this.traffic) {
      const cur = this.load(hex)
      if (cur === undefined) { this.stats.droppedTrafficBytes += t.in + t.out; continue }
      this.dirty.set(hex, { ...cur, bytesSent: cur.bytesSent + t.out, bytesReceived: cur.bytesReceived + t.in })
    }
    this.traffic.clear()
    if (this.dirty.size === 0) return
    const batch = this.dirty
    this.dirty = new Map()
    const rows: Array<[Buffer, Buffer]> = []
    for (const [hex, a] of batch) {
      this.inflight.set(hex, a)
      rows.push([a.id, encodePeerAccount(a)])
    }
    try {
      await writeTxn(this.ctx, 'saving peer accounts', () => { for (const [k, v] of rows) put(this.db, k, v) })
    } catch (err) {
      this.ctx.warn({ code: StoreWarningCode.FLUSH_FAILED, message: 'could not save peer accounts; will retry', cause: err })
      for (const [hex, a] of batch) if (!this.dirty.has(hex)) this.dirty.set(hex, a)
    } finally {
      for (const [hex, a] of batch) if (this.inflight.get(hex) === a) this.inflight.delete(hex)
    }
    if (this.approxCount > this.maxAccounts * 1.1) await this.prune()
  }

  /** Removes the least recently contacted accounts (and undecodable ones) down to maxAccounts. */
  private async prune (): Promise<void> {
    const all: Array<{ key: Buffer, last: number }> = []
    for (const { key, value } of this.db.getRange()) {
      const k = Buffer.from(key)
      const hex = k.toString('hex')
      if (this.dirty.has(hex) || this.inflight.has(hex)) continue // just touched: keep
      all.push({ key: k, last: this.decode(hex, k, value)?.lastContact ?? -1 })
    }
    const total = all.length + this.dirty.size
    this.approxCount = total
    if (total <= this.maxAccounts) return
    all.sort((a, b) => a.last - b.last)
    const victims = all.slice(0, total - this.maxAccounts)
    try {
      await writeTxn(this.ctx, 'pruning peer accounts', () => { for (const v of victims) del(this.db, v.key) })
      this.stats.pruned += victims.length
      this.approxCount -= victims.length
    } catch (err) {
      this.ctx.warn({ code: StoreWarningCode.FLUSH_FAILED, message: 'could not prune peer accounts', cause: err })
    }
  }

  private load (hex: string, key?: Buffer): PeerAccount | undefined {
    const mem = this.dirty.get(hex) ?? this.inflight.get(hex)
    if (mem !== undefined) return mem
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined
    const k = key ?? Buffer.from(hex, 'hex')
    const raw = this.db.getBinaryFast(k)
    return raw === undefined ? undefined : this.decode(hex, k, raw)
  }

  private decode (hex: string, key: Uint8Array, value: Uint8Array): PeerAccount | undefined {
    const a = tryDecode((b) => decodePeerAccount(key, b), value)
    if (a === undefined && !this.reportedCorrupt.has(hex)) {
      this.reportedCorrupt.add(hex)
      this.stats.skippedRecords++
      this.ctx.warn({ code: StoreWarningCode.PEER_RECORD_CORRUPT, message: `peer account ${hex} does not decode; skipped` })
    }
    return a
  }

  private withTraffic (hex: string, a: PeerAccount): PeerAccount {
    const t = this.traffic.get(hex)
    const copy = { ...a, endpoint: a.endpoint === undefined ? undefined : { ...a.endpoint } }
    if (t !== undefined) { copy.bytesSent += t.out; copy.bytesReceived += t.in }
    return copy
  }
}

function checkEndpoint (e: Endpoint): void {
  const pct = typeof e?.address === 'string' ? e.address.indexOf('%') : -1
  const addr = pct < 0 ? e?.address : e.address.slice(0, pct)
  const ok = typeof addr === 'string' && (isIP(addr) === 4 || (isIP(addr) === 6)) &&
    (pct < 0 || (isIP(addr) === 6 && Buffer.byteLength(e.address.slice(pct + 1)) <= 255)) &&
    Number.isInteger(e.port) && e.port >= 1 && e.port <= 0xffff
  if (!ok) throw storeError(StoreErrorCode.INVALID_ARGUMENT, 'endpoint must be an IPv4/IPv6 address and a port 1..65535')
}
