import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Database, type RootDatabase, open } from 'lmdb'
import {
  MAIL_FOLDERS, type AttachmentInfo, type AttachmentInput, type Contact, type DeliveryState, type ListOptions,
  type MailFolder, type MessagePage, type MessageSummary, type MessageView
} from './mail-api.js'
import { type ParsedMessage, parseMessage } from './message-format.js'
import { normalizeAddress } from './address.js'
import { MailError, MailErrorCode } from './errors.js'

/**
 * The mailbox on disk: its own LMDB environment (`<dataDir>/mail/store`), so mail can be
 * read by `tornet mail list` and the bridge without the node's chunk store. Databases:
 *
 *   messages   id → StoredMessage (summary, threading, attachment list, hash)
 *   raw        id → the RFC 5322 bytes (text, HTML and attachments are served from these)
 *   index      [folder, date, id] → search text (lower-case sender and subject)
 *   counts     folder → { total, unread }
 *   hashes     message hash → id (a message fetched twice is stored once)
 *   contacts   address → display name
 *
 * A page is a reverse range over `index` (newest first): LMDB skips the offset on its cursor
 * and reads `limit` records, so page 1 of 10,000 messages costs what page 1 of 10 does.
 * Search scans the folder's index entries only, never the raw messages. Every change that
 * touches more than one database is one LMDB transaction: after a crash the store is as
 * before or after it, never between (counts never drift from the index).
 */

export interface StoredMessage extends MessageSummary {
  cc: string[]
  inReplyTo: string | undefined
  references: string[]
  attachmentList: AttachmentInfo[]
  /** Message hash (hex) as mail-net names it: receipts and duplicates are found by it. */
  hash?: string
  /** ms since the epoch when it was stored. */
  stored: number
}

export interface AddMeta {
  unread?: boolean
  delivery?: DeliveryState
  asideReason?: string
  hash?: Buffer
  /** The sender the seal proved (raw-key or name address); shown instead of the From header. */
  senderAddress?: string
  /** Arrival time (tests); default now. */
  now?: number
}

export interface MailStore {
  readonly dir: string
  add (folder: MailFolder, raw: Buffer, meta?: AddMeta): Promise<MessageSummary>
  list (folder: MailFolder, opts?: ListOptions): Promise<MessagePage>
  counts (): Promise<Record<MailFolder, { total: number, unread: number }>>
  /** The read view (text and HTML parsed from the stored message); undefined for an unknown id. */
  get (id: string): Promise<MessageView | undefined>
  summary (id: string): Promise<StoredMessage | undefined>
  raw (id: string): Promise<Buffer | undefined>
  attachment (id: string, index: number): Promise<AttachmentInput | undefined>
  setUnread (id: string, unread: boolean): Promise<void>
  move (id: string, folder: MailFolder): Promise<void>
  /** To trash; from trash (or aside), gone for good. */
  delete (id: string): Promise<void>
  setDelivery (id: string, state: DeliveryState): Promise<void>
  findByHash (hash: Buffer): Promise<string | undefined>
  contacts (): Promise<Contact[]>
  addContact (contact: Contact): Promise<void>
  removeContact (address: string): Promise<void>
  close (): Promise<void>
}

export const DEFAULT_PAGE = 50
export const MAX_PAGE = 1000
const MAX_CONTACT_NAME = 200
const MAX_SEARCH = 200
/** Address space reserved (not disk): one mapping for the store's life (see store/environment.ts). */
const MAP_BYTES = 16 * 1024 * 1024 * 1024
const MAX_DATE = 8.64e15 // the largest ms a JS Date holds
const ID = /^[0-9a-f]{16}$/

type Counts = { total: number, unread: number }
type IndexKey = [string, number, string]

export function mailStorePath (dataDir: string): string {
  return join(dataDir, 'mail', 'store')
}

/** Opens (creating) the store in `dir` (normally mailStorePath(dataDir)). */
export async function openMailStore (dir: string): Promise<MailStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const env = open({ path: dir, mapSize: MAP_BYTES, maxDbs: 8, compression: false })
  return new LmdbMailStore(dir, env)
}

function checkFolder (folder: string): asserts folder is MailFolder {
  if (!(MAIL_FOLDERS as readonly string[]).includes(folder)) {
    throw new MailError(MailErrorCode.BAD_ARGUMENT, `'${String(folder).slice(0, 40)}' is not a mail folder: use ${MAIL_FOLDERS.join(', ')}`)
  }
}

function searchText (from: string, subject: string): string {
  return `${from}\n${subject}`.toLowerCase()
}

function summaryOf (m: StoredMessage): MessageSummary {
  const s: MessageSummary = {
    id: m.id, folder: m.folder, messageId: m.messageId, from: m.from, to: m.to, subject: m.subject,
    date: m.date, unread: m.unread, size: m.size, attachments: m.attachments
  }
  if (m.delivery !== undefined) s.delivery = m.delivery
  if (m.asideReason !== undefined) s.asideReason = m.asideReason
  return s
}

async function parseOrEmpty (raw: Buffer): Promise<ParsedMessage | undefined> {
  try { return await parseMessage(raw) } catch { return undefined }
}

class LmdbMailStore implements MailStore {
  private readonly messages: Database<StoredMessage, string>
  private readonly raws: Database<Buffer, string>
  private readonly index: Database<string, IndexKey>
  private readonly countDb: Database<Counts, string>
  private readonly hashes: Database<string, Buffer>
  private readonly contactDb: Database<string, string>
  private closed = false

  constructor (readonly dir: string, private readonly env: RootDatabase) {
    this.messages = env.openDB<StoredMessage, string>('messages', {})
    this.raws = env.openDB<Buffer, string>('raw', { encoding: 'binary' })
    this.index = env.openDB<string, IndexKey>('index', {})
    this.countDb = env.openDB<Counts, string>('counts', {})
    this.hashes = env.openDB<string, Buffer>('hashes', { keyEncoding: 'binary' })
    this.contactDb = env.openDB<string, string>('contacts', {})
  }

  private open (): void {
    if (this.closed) throw new MailError(MailErrorCode.STORE_CLOSED, `the mail store in ${this.dir} is closed`)
  }

  private record (id: string): StoredMessage | undefined {
    this.open()
    if (typeof id !== 'string' || !ID.test(id)) return undefined
    return this.messages.get(id)
  }

  private must (id: string): StoredMessage {
    const m = this.record(id)
    if (m === undefined) throw new MailError(MailErrorCode.NOT_FOUND, `no message ${String(id).slice(0, 40)} in this mailbox`)
    return m
  }

  /** Adds `dt` to a folder's counts; only inside a write transaction. */
  private bump (folder: MailFolder, total: number, unread: number): void {
    const c = this.countDb.get(folder) ?? { total: 0, unread: 0 }
    this.countDb.put(folder, { total: c.total + total, unread: c.unread + unread })
  }

  private indexKey (m: StoredMessage): IndexKey {
    return [m.folder, m.date, m.id]
  }

  async add (folder: MailFolder, raw: Buffer, meta: AddMeta = {}): Promise<MessageSummary> {
    this.open()
    checkFolder(folder)
    const parsed = await parseOrEmpty(raw)
    const now = meta.now ?? Date.now()
    // A Date header in the future would pin a message to the top of the inbox: arrival caps it.
    let date = parsed?.date ?? now
    if (folder === 'inbox' || folder === 'aside') date = Math.min(date, now)
    date = Math.max(0, Math.min(MAX_DATE, date))
    const m: StoredMessage = {
      id: randomBytes(8).toString('hex'),
      folder,
      messageId: parsed?.messageId ?? '',
      from: meta.senderAddress ?? parsed?.from ?? '',
      to: parsed?.to ?? [],
      cc: parsed?.cc ?? [],
      subject: parsed?.subject ?? '',
      date,
      unread: meta.unread ?? folder === 'inbox',
      size: raw.length,
      attachments: parsed?.attachments.length ?? 0,
      attachmentList: (parsed?.attachments ?? []).map((a, index) => ({ index, filename: a.filename, contentType: a.contentType, size: a.content.length })),
      inReplyTo: parsed?.inReplyTo,
      references: parsed?.references ?? [],
      stored: now
    }
    if (meta.delivery !== undefined) m.delivery = meta.delivery
    if (meta.asideReason !== undefined) m.asideReason = meta.asideReason
    if (meta.hash !== undefined) m.hash = meta.hash.toString('hex')
    await this.env.transaction(() => {
      this.messages.put(m.id, m)
      this.raws.put(m.id, raw)
      this.index.put(this.indexKey(m), searchText(m.from, m.subject))
      if (meta.hash !== undefined) this.hashes.put(meta.hash, m.id)
      this.bump(folder, 1, m.unread ? 1 : 0)
    })
    return summaryOf(m)
  }

  async list (folder: MailFolder, opts: ListOptions = {}): Promise<MessagePage> {
    this.open()
    checkFolder(folder)
    const offset = Math.max(0, Math.floor(opts.offset ?? 0))
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(opts.limit ?? DEFAULT_PAGE)))
    const range = { start: [folder, MAX_DATE + 1, ''] as IndexKey, end: [folder, -1, ''] as IndexKey, reverse: true }
    const needle = (opts.search ?? '').trim().toLowerCase().slice(0, MAX_SEARCH)
    if (needle === '') {
      const c = this.countDb.get(folder) ?? { total: 0, unread: 0 }
      const messages: MessageSummary[] = []
      for (const key of this.index.getKeys({ ...range, offset, limit })) {
        const m = this.messages.get(key[2])
        if (m !== undefined) messages.push(summaryOf(m))
      }
      return { total: c.total, unread: c.unread, messages }
    }
    let total = 0
    let unread = 0
    const messages: MessageSummary[] = []
    for (const { key, value } of this.index.getRange(range)) {
      if (!value.includes(needle)) continue
      const inPage = total >= offset && messages.length < limit
      total++
      const m = this.messages.get(key[2])
      if (m === undefined) continue
      if (m.unread) unread++
      if (inPage) messages.push(summaryOf(m))
    }
    return { total, unread, messages }
  }

  async counts (): Promise<Record<MailFolder, Counts>> {
    this.open()
    const out = {} as Record<MailFolder, Counts>
    for (const f of MAIL_FOLDERS) out[f] = this.countDb.get(f) ?? { total: 0, unread: 0 }
    return out
  }

  async summary (id: string): Promise<StoredMessage | undefined> {
    return this.record(id)
  }

  async get (id: string): Promise<MessageView | undefined> {
    const m = this.record(id)
    if (m === undefined) return undefined
    const raw = this.raws.get(id)
    const parsed = raw === undefined ? undefined : await parseOrEmpty(raw)
    return {
      ...summaryOf(m),
      cc: m.cc,
      text: parsed?.text,
      html: parsed?.html,
      attachmentList: m.attachmentList,
      inReplyTo: m.inReplyTo,
      references: m.references
    }
  }

  async raw (id: string): Promise<Buffer | undefined> {
    if (this.record(id) === undefined) return undefined
    return this.raws.get(id)
  }

  async attachment (id: string, index: number): Promise<AttachmentInput | undefined> {
    const m = this.record(id)
    if (m === undefined || !Number.isInteger(index) || index < 0 || index >= m.attachments) return undefined
    const raw = this.raws.get(id)
    if (raw === undefined) return undefined
    return (await parseOrEmpty(raw))?.attachments[index]
  }

  /** Re-reads and rewrites a record inside one transaction (a concurrent change is never lost). */
  private async update (id: string, change: (m: StoredMessage) => void): Promise<void> {
    this.must(id)
    await this.env.transaction(() => {
      const before = this.messages.get(id)
      if (before === undefined) return // deleted meanwhile
      const after: StoredMessage = { ...before }
      change(after)
      if (after.folder !== before.folder) {
        this.index.remove(this.indexKey(before))
        this.index.put(this.indexKey(after), searchText(after.from, after.subject))
      }
      this.bump(before.folder, -1, before.unread ? -1 : 0)
      this.bump(after.folder, 1, after.unread ? 1 : 0)
      this.messages.put(id, after)
    })
  }

  async setUnread (id: string, unread: boolean): Promise<void> {
    await this.update(id, m => { m.unread = unread })
  }

  async move (id: string, folder: MailFolder): Promise<void> {
    checkFolder(folder)
    await this.update(id, m => { m.folder = folder })
  }

  async setDelivery (id: string, state: DeliveryState): Promise<void> {
    await this.update(id, m => { m.delivery = state })
  }

  async delete (id: string): Promise<void> {
    const m = this.must(id)
    if (m.folder !== 'trash' && m.folder !== 'aside') {
      await this.update(id, r => { r.folder = 'trash'; r.unread = false })
      return
    }
    await this.env.transaction(() => {
      const cur = this.messages.get(id)
      if (cur === undefined) return
      this.messages.remove(id)
      this.raws.remove(id)
      this.index.remove(this.indexKey(cur))
      if (cur.hash !== undefined) {
        const h = Buffer.from(cur.hash, 'hex')
        if (this.hashes.get(h) === id) this.hashes.remove(h)
      }
      this.bump(cur.folder, -1, cur.unread ? -1 : 0)
    })
  }

  async findByHash (hash: Buffer): Promise<string | undefined> {
    this.open()
    if (hash.length === 0 || hash.length > 64) return undefined
    return this.hashes.get(hash)
  }

  async contacts (): Promise<Contact[]> {
    this.open()
    const out: Contact[] = []
    for (const { key, value } of this.contactDb.getRange()) out.push({ address: key, name: value })
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.address.localeCompare(b.address))
  }

  async addContact (contact: Contact): Promise<void> {
    this.open()
    const address = normalizeAddress(contact.address)
    const name = String(contact.name ?? '').trim().slice(0, MAX_CONTACT_NAME)
    await this.contactDb.put(address, name)
  }

  async removeContact (address: string): Promise<void> {
    this.open()
    let key: string
    try { key = normalizeAddress(address) } catch { key = address.trim().toLowerCase() }
    await this.contactDb.remove(key)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.env.close()
  }
}
