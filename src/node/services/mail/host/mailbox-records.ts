import { tryDecode } from '../../../wire/codec.js'
import { type RecordCodecs, locationShape, recordCodecs } from '../../records/messages.js'
import { type RecordLoadStats, type RecordPersistence, emptyLoadStats } from '../../records/persistence.js'
import { type PeerQuotaOptions, type StoreSource, StoreQuota } from '../../records/peer-quota.js'
import type { ReadableKind, RecordHolder, Verdict } from '../../records/record-kind.js'
import { VALUE_KIND } from '../../service-network.js'
import { MailErrorCode, type MailErrorCodeValue } from '../errors.js'
import {
  MAILBOX_RECORD_BYTES, type MailboxRecord, checkMailboxRecord, compareMailboxRecords, decodeMailboxRecord,
  encodeMailboxRecord, expiresOf, mailboxLocation
} from './mailbox-record.js'

/**
 * Mailbox host records as a kind of the records core: stored on the k nodes
 * nearest the mailbox id, the newest valid one (by seq) wins a read. They
 * travel on the "mail" service (STORE 0x01 / GET 0x02, the core's shapes);
 * the host's own messages (token, push, collect) use the types above those
 * (see ../messages.ts), so one service name carries, and meters, all of mail.
 */
export const MAIL_SERVICE = 'mail'

/** STORE refusals in wire order (append only). */
const REASONS: readonly MailErrorCodeValue[] = [
  MailErrorCode.MALFORMED, MailErrorCode.NOT_REPLICA, MailErrorCode.RECORD_INVALID,
  MailErrorCode.RECORD_STALE, MailErrorCode.RECORD_STORE_FULL
]

export const mailboxRecordCodecs: RecordCodecs<Buffer, MailErrorCodeValue> = recordCodecs({
  service: MAIL_SERVICE, noun: 'mailbox record', maxRecordBytes: MAILBOX_RECORD_BYTES, key: locationShape, reasons: REASONS
})

/** A record from the network counts only if it decodes, is for this location and passes every rule. */
export function acceptableMailboxRecord (encoded: Uint8Array, location: Buffer, now: number): MailboxRecord | undefined {
  const r = tryDecode(decodeMailboxRecord, encoded)
  if (r === undefined || !mailboxLocation(r.signingKey).equals(location)) return undefined
  return checkMailboxRecord(r, now) === undefined ? r : undefined
}

export function newestMailboxRecord (answers: readonly MailboxRecord[]): MailboxRecord | undefined {
  let best: MailboxRecord | undefined
  for (const r of answers) if (best === undefined || compareMailboxRecords(r, best) > 0) best = r
  return best
}

export function mailboxRecordKind (now: () => number): ReadableKind<MailboxRecord, Buffer, MailErrorCodeValue> {
  return {
    service: MAIL_SERVICE,
    valueKind: VALUE_KIND.mailbox,
    ...mailboxRecordCodecs,
    malformed: MailErrorCode.MALFORMED,
    notReplica: MailErrorCode.NOT_REPLICA,
    decode: decodeMailboxRecord,
    locationOf: r => mailboxLocation(r.signingKey),
    isValidAt: (location, encoded) => acceptableMailboxRecord(encoded, location, now()) !== undefined,
    winner: newestMailboxRecord
  }
}

export interface MailboxRecordStoreOptions {
  /** Most mailboxes this node hosts; default 10,000 (145 bytes each, plus their queues' bound). */
  maxRecords?: number
  now?: () => number
  quota?: PeerQuotaOptions
  persistence?: RecordPersistence
}

interface Entry { record: MailboxRecord, encoded: Buffer, source?: StoreSource }

/**
 * The mailbox records this node holds as a host: one per mailbox, the newest
 * valid; bounded, expired ones swept when full; a new mailbox a peer brings
 * counts against its quota (checked before the signature). Persisted through
 * the hook so a host restarted still knows whom it hosts.
 */
export class MailboxRecordStore implements RecordHolder<MailboxRecord, Buffer, MailErrorCodeValue> {
  private readonly entries = new Map<string, Entry>()
  private readonly maxRecords: number
  private readonly now: () => number
  private readonly persistence?: RecordPersistence
  readonly quota: StoreQuota
  readonly loadStats: RecordLoadStats = emptyLoadStats()

  constructor (opts: MailboxRecordStoreOptions = {}) {
    this.maxRecords = opts.maxRecords ?? 10_000
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) throw new RangeError('maxRecords must be a positive integer')
    this.now = opts.now ?? Date.now
    this.persistence = opts.persistence
    this.quota = new StoreQuota({ now: this.now, perPeer: opts.quota })
    if (this.persistence !== undefined) this.load(this.persistence)
  }

  get size (): number { return this.entries.size }

  /** The live record of a mailbox (by id). */
  get (mailboxId: Uint8Array): MailboxRecord | undefined {
    return this.live(Buffer.from(mailboxId).toString('hex'))?.record
  }

  encodedByKey (location: Buffer): Buffer | undefined { return this.live(location.toString('hex'))?.encoded }
  encodedAt (location: Buffer): Buffer | undefined { return this.live(location.toString('hex'))?.encoded }
  holds (r: MailboxRecord): boolean { return this.get(mailboxLocation(r.signingKey)) !== undefined }

  offer (record: MailboxRecord, source?: StoreSource): Verdict<MailErrorCodeValue> {
    const location = mailboxLocation(record.signingKey)
    const id = location.toString('hex')
    const held = this.live(id)
    let encoded: Buffer
    try { encoded = encodeMailboxRecord(record) } catch { return { accepted: false, code: MailErrorCode.MALFORMED } }
    if (held !== undefined && held.encoded.equals(encoded)) return { accepted: true }
    if (held === undefined && source !== undefined && !this.quota.allows(source)) return { accepted: false, code: MailErrorCode.RECORD_STORE_FULL }
    const code = checkMailboxRecord(record, this.now())
    if (code !== undefined) return { accepted: false, code }
    if (held !== undefined && compareMailboxRecords(record, held.record) <= 0) return { accepted: false, code: MailErrorCode.RECORD_STALE }
    if (held === undefined && this.entries.size >= this.maxRecords) {
      this.prune()
      if (this.entries.size >= this.maxRecords) return { accepted: false, code: MailErrorCode.RECORD_STORE_FULL }
    }
    if (held === undefined && source !== undefined) this.quota.charge(source)
    this.entries.set(id, { record, encoded, source: held !== undefined ? held.source : source })
    this.persistence?.save(location, encoded)
    return { accepted: true }
  }

  prune (): number {
    let n = 0
    for (const id of [...this.entries.keys()]) if (this.live(id) === undefined) n++
    return n
  }

  private live (id: string): Entry | undefined {
    const e = this.entries.get(id)
    if (e === undefined) return undefined
    if (expiresOf(e.record) <= this.now()) {
      if (e.source !== undefined) this.quota.release(e.source)
      this.entries.delete(id)
      this.persistence?.remove(Buffer.from(id, 'hex'))
      return undefined
    }
    return e
  }

  private load (p: RecordPersistence): void {
    const now = this.now()
    for (const bytes of p.load()) {
      const record = tryDecode(decodeMailboxRecord, bytes)
      if (record === undefined) { this.loadStats.invalid++; continue }
      const location = mailboxLocation(record.signingKey)
      // Signatures were checked on the way in; the disk is ours.
      if (expiresOf(record) <= now) { this.loadStats.expired++; p.remove(location); continue }
      if (this.entries.size >= this.maxRecords) { this.loadStats.truncated = true; break }
      this.entries.set(location.toString('hex'), { record, encoded: Buffer.from(bytes) })
      this.loadStats.loaded++
    }
  }
}
