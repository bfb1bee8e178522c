import type { Database } from 'lmdb'
import { tryDecode } from '../../wire/codec.js'
import { AccountingError, AccountingErrorCode } from '../errors.js'
import { CAUSE_COUNT, type CauseValue } from '../price.js'
import {
  BYTES_RECEIVED, BYTES_SENT, CREDIT_RECEIVED, CREDIT_SENT, MAX_ADDRESS_CHARS, type PeerBooks, ROW,
  decodeBooks, emptyBooks, encodeBooks, owedBy
} from './ledger-codec.js'

/**
 * The per-peer books (ledger-codec.ts) and the hourly history by cause, in LMDB.
 *
 * Charging is the hot path of every transfer, so `charge` only adds to an in-memory row
 * (one Map lookup, four additions); the rows are written in one LMDB transaction every
 * `flushMs` or every `maxBatchEntries` charges, whichever comes first. That transaction also
 * writes the batch's sequence number, so a batch lands entirely or not at all.
 *
 * The crash-safety claim, precisely: a charge is *acknowledged* once a `flush()` that started
 * after it has resolved (the batch is committed and fsynced). After a crash (SIGKILL, power
 * loss) every acknowledged charge is on disk exactly once; unacknowledged ones are either all
 * there (their batch committed before the crash) or all absent, never half a batch, never
 * twice. A write that reports failure is checked against the stored sequence number before
 * its batch is retried, so a commit whose acknowledgement was lost is not applied again.
 * Payments restore credit through the same serial writer, once per txid:vout, persistently.
 */
export const DEFAULT_LEDGER_FLUSH_MS = 250
export const DEFAULT_MAX_BATCH_ENTRIES = 50_000
/** Distinct peers charged between two flushes before one is forced (they are session peers, so few). */
const MAX_PENDING_PEERS = 10_000
/**
 * Peers with books. Identities cost only minRank work, so the network decides how many we
 * meet: past this (plus 10 %), the books that matter least go — the smallest balance either
 * way, then the oldest — never a debt larger than any kept one's.
 */
export const DEFAULT_MAX_PEERS = 100_000
/** Hours of history by cause kept (90 days). */
export const DEFAULT_HISTORY_HOURS = 24 * 90
const HOUR_MS = 3_600_000

const SEQ_KEY = Buffer.from('seq')
const NEXT_INDEX_KEY = Buffer.from('next-index')
/** Row slots holding the times of the latest and the first charge in a pending row. */
const LAST = CAUSE_COUNT * ROW
const FIRST = LAST + 1

export type BinaryDb = Database<Buffer, Buffer>

export interface LedgerDatabases {
  /** node id → books */
  books: BinaryDb
  /** "seq", "next-index" → counters */
  meta: BinaryDb
  /** txid (32) ‖ vout (u32 LE) → node id of the payer: every output credited once */
  paid: BinaryDb
  /** hour (u32 BE) ‖ cause (u8) → 4 × u64 (credit sent, received, bytes sent, received) */
  history: BinaryDb
}

export interface LedgerOptions {
  flushMs?: number
  maxBatchEntries?: number
  historyHours?: number
  maxPeers?: number
  now?: () => number
  /** Survivable problems (a failed write that will be retried, a record that does not decode). */
  warn?: (message: string, cause?: unknown) => void
}

export interface LedgerEntryTotals {
  creditSent: number
  creditReceived: number
  bytesSent: number
  bytesReceived: number
}

export interface PeerLedger extends LedgerEntryTotals {
  id: string
  addressIndex: number
  paymentRequested: boolean
  restoredCredit: number
  paidSats: number
  firstEntry: number
  lastEntry: number
  sendAddress: string
  /** Per cause, in price.ts Cause order. */
  byCause: LedgerEntryTotals[]
  /** creditSent − creditReceived − restoredCredit: what the peer owes this node (negative: what it is owed). */
  owed: number
}

export interface HistoryRow extends LedgerEntryTotals { hourStart: number, cause: CauseValue }

export interface Payment { txid: string, vout: number, sats: number }

export class Ledger {
  private pending = new Map<string, Float64Array>()
  private pendingHistory = new Map<number, Float64Array>()
  private entries = 0
  /** Books as the batch being written leaves them: readers see them until the write settles. */
  private inflight = new Map<string, PeerBooks>()
  private chain: Promise<unknown> = Promise.resolve()
  private seq: number
  private closed = false
  private readonly timer: NodeJS.Timeout
  private readonly now: () => number
  private readonly maxBatch: number
  private readonly historyHours: number
  private readonly maxPeers: number
  /** Books removed to stay within maxPeers. */
  pruned = 0
  private readonly warn: (message: string, cause?: unknown) => void
  private lastPrunedHour = 0
  /** A flush forced by a full batch is waiting its turn: one is enough. */
  private flushQueued = false
  /** Undecodable records seen (skipped, counted). */
  skippedRecords = 0
  /** Charges made after close (dropped). */
  droppedAfterClose = 0
  /** Charges taken since the ledger opened. */
  charges = 0

  constructor (private readonly db: LedgerDatabases, opts: LedgerOptions = {}) {
    this.now = opts.now ?? Date.now
    this.maxBatch = opts.maxBatchEntries ?? DEFAULT_MAX_BATCH_ENTRIES
    this.historyHours = opts.historyHours ?? DEFAULT_HISTORY_HOURS
    this.maxPeers = opts.maxPeers ?? DEFAULT_MAX_PEERS
    this.warn = opts.warn ?? (() => {})
    this.seq = this.storedSeq()
    this.timer = setInterval(() => { this.flush().catch(() => {}) }, opts.flushMs ?? DEFAULT_LEDGER_FLUSH_MS)
    this.timer.unref()
  }

  /** The sequence number of the last batch on disk. */
  get sequence (): number { return this.seq }
  /** Charges not yet written. */
  get unflushed (): number { return this.entries }

  /**
   * Hot path: `bytes` of service of `cause` went to (`sent`) or came from (`received`) the peer
   * `peerHex` (its node id in hex), worth `credit` units (price.ts). Written by the next flush.
   */
  charge (peerHex: string, cause: CauseValue, direction: 'sent' | 'received', bytes: number, credit: number): void {
    if (this.closed) { this.droppedAfterClose++; return } // traffic still draining at shutdown
    if (!(cause >= 0 && cause < CAUSE_COUNT) || !(bytes >= 0) || !(credit >= 0)) {
      throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, `bad ledger entry (cause ${cause}, ${bytes} bytes, ${credit} credit)`)
    }
    let row = this.pending.get(peerHex)
    if (row === undefined) {
      if (!/^[0-9a-f]{64}$/.test(peerHex)) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, 'a peer is named by its 32-byte id in lowercase hex')
      row = new Float64Array(FIRST + 1)
      this.pending.set(peerHex, row)
      row[FIRST] = this.now()
    }
    const now = this.now()
    const at = cause * ROW
    const sent = direction === 'sent'
    row[at + (sent ? CREDIT_SENT : CREDIT_RECEIVED)] += credit
    row[at + (sent ? BYTES_SENT : BYTES_RECEIVED)] += bytes
    row[LAST] = now
    const hour = Math.floor(now / HOUR_MS)
    let h = this.pendingHistory.get(hour)
    if (h === undefined) { h = new Float64Array(CAUSE_COUNT * ROW); this.pendingHistory.set(hour, h) }
    h[at + (sent ? CREDIT_SENT : CREDIT_RECEIVED)] += credit
    h[at + (sent ? BYTES_SENT : BYTES_RECEIVED)] += bytes
    this.charges++
    if ((++this.entries >= this.maxBatch || this.pending.size >= MAX_PENDING_PEERS) && !this.flushQueued) {
      this.flushQueued = true
      this.flush().catch(() => {})
    }
  }

  /**
   * Writes every charge made so far in one transaction and resolves with its sequence number
   * once it is on disk (the acknowledgement). Flushes run one at a time, in call order.
   */
  async flush (): Promise<number> {
    return await this.serial(async () => await this.writeBatch())
  }

  /** One peer's books, unflushed charges included; undefined for a peer never charged. */
  get (peerHex: string): PeerLedger | undefined {
    const base = this.stored(peerHex)
    const row = this.pending.get(peerHex)
    if (base === undefined && row === undefined) return undefined
    return view(peerHex, withRow(base ?? emptyBooks(0, row?.[FIRST] ?? this.now()), row))
  }

  /** What `peerHex` owes this node in credit units (negative: what this node owes it); 0 for a stranger. */
  owed (peerHex: string): number {
    return this.get(peerHex)?.owed ?? 0
  }

  /** Every peer's books (stored, being written, and unflushed). */
  list (): PeerLedger[] {
    const all = new Map<string, PeerBooks>()
    for (const { key, value } of this.db.books.getRange()) {
      const hex = Buffer.from(key).toString('hex')
      const b = this.decode(value)
      if (b !== undefined) all.set(hex, b)
    }
    for (const [hex, b] of this.inflight) all.set(hex, b)
    const out: PeerLedger[] = []
    for (const [hex, b] of all) out.push(view(hex, withRow(b, this.pending.get(hex))))
    for (const [hex, row] of this.pending) if (!all.has(hex)) out.push(view(hex, withRow(emptyBooks(0, row[FIRST]), row)))
    return out
  }

  /** Totals by hour and cause since `sinceMs` (stored and unflushed), oldest first. */
  history (sinceMs = 0): HistoryRow[] {
    const rows = new Map<string, HistoryRow>()
    const add = (hour: number, cause: number, v: ArrayLike<number>, at: number): void => {
      const k = `${hour}:${cause}`
      let r = rows.get(k)
      if (r === undefined) { r = { hourStart: hour * HOUR_MS, cause: cause as CauseValue, creditSent: 0, creditReceived: 0, bytesSent: 0, bytesReceived: 0 }; rows.set(k, r) }
      r.creditSent += v[at + CREDIT_SENT]; r.creditReceived += v[at + CREDIT_RECEIVED]
      r.bytesSent += v[at + BYTES_SENT]; r.bytesReceived += v[at + BYTES_RECEIVED]
    }
    const first = Math.floor(sinceMs / HOUR_MS)
    for (const { key, value } of this.db.history.getRange({ start: historyKey(first, 0) })) {
      if (key.length !== 5 || value.length !== 32) continue
      const v = [0, 1, 2, 3].map(i => Number(value.readBigUInt64LE(i * 8)))
      add(key.readUInt32BE(0), key[4], v, 0)
    }
    for (const [hour, h] of this.pendingHistory) {
      if (hour < first) continue
      for (let c = 0; c < CAUSE_COUNT; c++) if (h[c * ROW] + h[c * ROW + 1] + h[c * ROW + 2] + h[c * ROW + 3] > 0) add(hour, c, h, c * ROW)
    }
    return [...rows.values()].sort((a, b) => a.hourStart - b.hourStart || a.cause - b.cause)
  }

  /**
   * The peer's receive-address index, marking that a payment was asked of it (so its address
   * is watched again after a restart). Creates its books when it has none.
   */
  async requestPayment (peerHex: string): Promise<number> {
    return await this.serial(async () => {
      const b = this.stored(peerHex) ?? emptyBooks(0, this.now())
      const fresh = !this.exists(peerHex)
      const extra: Array<[BinaryDb, Buffer, Buffer]> = []
      if (fresh) {
        b.addressIndex = this.nextIndex()
        extra.push([this.db.meta, NEXT_INDEX_KEY, u32(b.addressIndex + 1)])
      }
      if (!fresh && b.paymentRequested) return b.addressIndex
      b.paymentRequested = true
      await this.writeBooks(new Map([[peerHex, b]]), extra)
      return b.addressIndex
    })
  }

  /** Peers asked to pay: their address indexes, to watch after a restart. */
  requested (): Array<{ id: string, addressIndex: number }> {
    return this.list().filter(p => p.paymentRequested).map(p => ({ id: p.id, addressIndex: p.addressIndex }))
  }

  /** Records the peer's own bitcoin address (where this node pays it). */
  async setSendAddress (peerHex: string, address: string): Promise<void> {
    if (!/^[\x21-\x7e]{1,90}$/.test(address) || address.length > MAX_ADDRESS_CHARS) throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, 'not a bitcoin address')
    await this.serial(async () => {
      const b = this.stored(peerHex)
      const books = b ?? emptyBooks(this.nextIndex(), this.now())
      books.sendAddress = address
      await this.writeBooks(new Map([[peerHex, books]]), b === undefined ? [[this.db.meta, NEXT_INDEX_KEY, u32(books.addressIndex + 1)]] : [])
    })
  }

  /**
   * A confirmed payment from `peerHex`: restores `credit` units, once per txid:vout whatever
   * happens (repeats, restarts). Resolves true when it was credited now, false for a repeat.
   */
  async restore (peerHex: string, payment: Payment, credit: number): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(payment.txid) || !Number.isInteger(payment.vout) || payment.vout < 0 || payment.vout > 0xffffffff ||
      !Number.isSafeInteger(payment.sats) || payment.sats < 0 || !Number.isSafeInteger(credit) || credit < 0) {
      throw new AccountingError(AccountingErrorCode.INVALID_ARGUMENT, 'bad payment')
    }
    const outpoint = Buffer.concat([Buffer.from(payment.txid, 'hex'), u32(payment.vout)])
    return await this.serial(async () => {
      if (this.db.paid.getBinaryFast(outpoint) !== undefined) return false
      const known = this.stored(peerHex)
      const b = known ?? emptyBooks(this.nextIndex(), this.now())
      b.restoredCredit += credit
      b.paidSats += payment.sats
      const extra: Array<[BinaryDb, Buffer, Buffer]> = [[this.db.paid, outpoint, Buffer.from(peerHex, 'hex')]]
      if (known === undefined) extra.push([this.db.meta, NEXT_INDEX_KEY, u32(b.addressIndex + 1)])
      await this.writeBooks(new Map([[peerHex, b]]), extra)
      return true
    })
  }

  async close (): Promise<void> {
    if (this.closed) return
    clearInterval(this.timer)
    await this.flush().catch((err) => { this.warn('could not write the last ledger entries', err) })
    this.closed = true
  }

  // --- writing ---

  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn)
    this.chain = run.catch(() => {})
    return await run
  }

  private async writeBatch (): Promise<number> {
    this.flushQueued = false
    if (this.pending.size === 0 && this.pendingHistory.size === 0) return this.seq
    const batch = this.pending
    const hist = this.pendingHistory
    const entries = this.entries
    this.pending = new Map()
    this.pendingHistory = new Map()
    this.entries = 0
    const books = new Map<string, PeerBooks>()
    let next = -1
    for (const [hex, row] of batch) {
      let b = this.stored(hex)
      if (b === undefined) {
        if (next < 0) next = this.nextIndex()
        b = emptyBooks(next++, row[FIRST])
      }
      books.set(hex, withRow(b, row))
    }
    const extra: Array<[BinaryDb, Buffer, Buffer]> = []
    if (next >= 0) extra.push([this.db.meta, NEXT_INDEX_KEY, u32(next)])
    for (const [hour, h] of hist) {
      for (let c = 0; c < CAUSE_COUNT; c++) {
        const at = c * ROW
        if (h[at] + h[at + 1] + h[at + 2] + h[at + 3] === 0) continue
        const key = historyKey(hour, c)
        const old = this.db.history.getBinaryFast(key)
        const v = Buffer.alloc(32)
        for (let i = 0; i < ROW; i++) {
          const prior = old?.length === 32 ? Number(old.readBigUInt64LE(i * 8)) : 0
          v.writeBigUInt64LE(BigInt(Math.round(prior + h[at + i])), i * 8)
        }
        extra.push([this.db.history, key, v])
      }
    }
    try {
      await this.writeBooks(books, extra)
    } catch (err) {
      // Put the batch back for the next flush; its charges are not acknowledged.
      for (const [hex, row] of batch) {
        const cur = this.pending.get(hex)
        if (cur === undefined) this.pending.set(hex, row)
        else { for (let i = 0; i < LAST; i++) cur[i] += row[i]; cur[LAST] = Math.max(cur[LAST], row[LAST]); cur[FIRST] = Math.min(cur[FIRST], row[FIRST]) }
      }
      for (const [hour, h] of hist) {
        const cur = this.pendingHistory.get(hour)
        if (cur === undefined) this.pendingHistory.set(hour, h)
        else for (let i = 0; i < h.length; i++) cur[i] += h[i]
      }
      this.entries += entries
      this.warn('could not write ledger entries; will retry', err)
      throw new AccountingError(AccountingErrorCode.CLOSED, 'the ledger could not write its entries', { cause: err })
    }
    this.pruneHistory()
    if (this.db.books.getKeysCount() > this.maxPeers * 1.1) await this.prunePeers()
    return this.seq
  }

  /** Removes the books with the smallest balance (then the oldest) down to maxPeers; runs in the serial writer. */
  private async prunePeers (): Promise<void> {
    const all: Array<{ key: Buffer, weight: number, last: number }> = []
    for (const { key, value } of this.db.books.getRange()) {
      const k = Buffer.from(key)
      if (this.pending.has(k.toString('hex'))) continue // being charged right now: keep
      const b = this.decode(value)
      all.push({ key: k, weight: b === undefined ? -1 : Math.abs(owedBy(b)), last: b?.lastEntry ?? 0 })
    }
    const excess = all.length - this.maxPeers
    if (excess <= 0) return
    all.sort((a, b) => a.weight - b.weight || a.last - b.last)
    const victims = all.slice(0, excess)
    await this.db.books.batch(() => { for (const v of victims) void this.db.books.remove(v.key).catch(() => {}) })
    this.pruned += victims.length
  }

  /**
   * One transaction: the books, the extra rows, and the next sequence number; resolved once
   * fsynced. On a reported failure the stored sequence number says whether it landed anyway.
   */
  private async writeBooks (books: Map<string, PeerBooks>, extra: Array<[BinaryDb, Buffer, Buffer]>): Promise<void> {
    const seq = this.seq + 1
    const rows = [...books].map(([hex, b]) => [Buffer.from(hex, 'hex'), encodeBooks(b)] as const)
    for (const [hex, b] of books) this.inflight.set(hex, b)
    try {
      await this.db.books.batch(() => {
        for (const [k, v] of rows) void this.db.books.put(k, v).catch(() => {})
        for (const [db, k, v] of extra) void db.put(k, v).catch(() => {})
        void this.db.meta.put(SEQ_KEY, u64(seq)).catch(() => {})
      })
      await this.db.books.flushed
      this.seq = seq
    } catch (err) {
      if (this.storedSeq() >= seq) { this.seq = seq; return }
      throw err
    } finally {
      for (const [hex, b] of books) if (this.inflight.get(hex) === b) this.inflight.delete(hex)
    }
  }

  private pruneHistory (): void {
    const hour = Math.floor(this.now() / HOUR_MS)
    if (hour === this.lastPrunedHour) return
    this.lastPrunedHour = hour
    const keep = hour - this.historyHours
    if (keep <= 0) return
    const old = [...this.db.history.getKeys({ end: historyKey(keep, 0) })]
    if (old.length > 0) void this.db.history.batch(() => { for (const k of old) void this.db.history.remove(k).catch(() => {}) }).catch(() => {})
  }

  // --- reading ---

  private stored (hex: string): PeerBooks | undefined {
    const mem = this.inflight.get(hex)
    if (mem !== undefined) return cloneBooks(mem)
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined
    const raw = this.db.books.getBinaryFast(Buffer.from(hex, 'hex'))
    return raw === undefined ? undefined : this.decode(raw)
  }

  private exists (hex: string): boolean {
    return this.inflight.has(hex) || (/^[0-9a-f]{64}$/.test(hex) && this.db.books.getBinaryFast(Buffer.from(hex, 'hex')) !== undefined)
  }

  private decode (raw: Uint8Array): PeerBooks | undefined {
    const b = tryDecode(decodeBooks, raw)
    if (b === undefined) { this.skippedRecords++; this.warn('a ledger record does not decode; skipped') }
    return b
  }

  private storedSeq (): number {
    const raw = this.db.meta.getBinaryFast(SEQ_KEY)
    return raw?.length === 8 ? Number(raw.readBigUInt64LE(0)) : 0
  }

  private nextIndex (): number {
    const raw = this.db.meta.getBinaryFast(NEXT_INDEX_KEY)
    return raw?.length === 4 ? raw.readUInt32LE(0) : 0
  }
}

function withRow (b: PeerBooks, row: Float64Array | undefined): PeerBooks {
  const out = cloneBooks(b)
  if (row === undefined) return out
  for (let i = 0; i < LAST; i++) out.rows[i] += row[i]
  if (row[LAST] > out.lastEntry) out.lastEntry = row[LAST]
  if (row[FIRST] < out.firstEntry && row[FIRST] > 0) out.firstEntry = row[FIRST]
  return out
}

function cloneBooks (b: PeerBooks): PeerBooks {
  return { ...b, rows: new Float64Array(b.rows) }
}

function view (id: string, b: PeerBooks): PeerLedger {
  const byCause: LedgerEntryTotals[] = []
  const total: LedgerEntryTotals = { creditSent: 0, creditReceived: 0, bytesSent: 0, bytesReceived: 0 }
  for (let c = 0; c < CAUSE_COUNT; c++) {
    const at = c * ROW
    const t = { creditSent: b.rows[at + CREDIT_SENT], creditReceived: b.rows[at + CREDIT_RECEIVED], bytesSent: b.rows[at + BYTES_SENT], bytesReceived: b.rows[at + BYTES_RECEIVED] }
    byCause.push(t)
    total.creditSent += t.creditSent; total.creditReceived += t.creditReceived
    total.bytesSent += t.bytesSent; total.bytesReceived += t.bytesReceived
  }
  return {
    id,
    ...total,
    addressIndex: b.addressIndex,
    paymentRequested: b.paymentRequested,
    restoredCredit: b.restoredCredit,
    paidSats: b.paidSats,
    firstEntry: b.firstEntry,
    lastEntry: b.lastEntry,
    sendAddress: b.sendAddress,
    byCause,
    owed: total.creditSent - total.creditReceived - b.restoredCredit
  }
}

function historyKey (hour: number, cause: number): Buffer {
  const k = Buffer.alloc(5)
  k.writeUInt32BE(Math.max(0, Math.min(0xffffffff, hour)), 0)
  k[4] = cause
  return k
}

function u32 (v: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0, 0); return b }
function u64 (v: number): Buffer { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v), 0); return b }

/** Opens the ledger's databases on the node's store (Store.openDatabase). */
export function ledgerDatabases (open: (name: string) => BinaryDb): LedgerDatabases {
  return { books: open('ledger'), meta: open('ledger-meta'), paid: open('ledger-paid'), history: open('ledger-history') }
}
