/**
 * An in-memory MailApi (src/node/services/mail/mail-api.ts) for the tests of
 * its callers: the webmail app, the SMTP/IMAP bridge, the CLI, the demo.
 *
 * Messages are real RFC 5322 bytes (composed with nodemailer's MailComposer,
 * read back with mailparser), so what a caller downloads, fetches over IMAP or
 * shows is what the real store would hand it. Nothing is sealed, stamped or
 * sent over a network: several MemoryMail instances on one MemoryMailNetwork
 * reach each other. A message sent waits in the recipient's queue until the
 * recipient checks (as pushes wait on mailbox hosts), then lands in its inbox
 * and the sender's copy turns 'delivered' (as a signed receipt would do it).
 * A recipient that is not on the network stays 'pending'.
 *
 * Test hooks beyond MailApi: receive() (a message straight into the inbox),
 * add() (any raw bytes into any folder), setDelivery(), failNextSend(),
 * offline (check() finds nothing), sends (every send as the caller made it).
 */
import { createHash, randomBytes } from 'node:crypto'
import MailComposer from 'nodemailer/lib/mail-composer/index.js'
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { TornetError } from '../../src/node/errors.js'
import { keyAddress, normalizeAddress, parseAddress } from '../../src/node/services/mail/address.js'
import {
  MAIL_FOLDERS,
  type AttachmentInput, type CheckResult, type Contact, type DeliveryState, type MailApi, type MailboxInfo, type MailFolder,
  type MailRecipient, type MessagePage, type MessageSummary, type MessageView, type ListOptions, type OutgoingMail, type SendProgress
} from '../../src/node/services/mail/mail-api.js'

/** The codes this fake throws: the ones src/node/services/mail/errors.ts gives the same failures. */
export const MemoryMailCode = {
  BAD_ADDRESS: 'MAIL_BAD_ADDRESS',
  /** This node has no mailbox yet (the service is not running for mail). */
  NOT_RUNNING: 'MAIL_NOT_RUNNING',
  /** The recipient has no mailbox on the network. */
  NO_MAILBOX: 'MAIL_NO_MAILBOX',
  NOT_FOUND: 'MAIL_NOT_FOUND',
  ABORTED: 'MAIL_ABORTED',
  BAD_ARGUMENT: 'MAIL_BAD_ARGUMENT'
} as const

const DEFAULT_PAGE = 50
/** The raw-key address of a signing key, as the real service writes it. */
export function memoryKeyAddress (signingKey: Buffer): string {
  return keyAddress(signingKey)
}

/** The real service's spelling and checks (throws MAIL_BAD_ADDRESS, as it does). */
function normalise (text: string): string {
  return normalizeAddress(text)
}

function isKeyAddress (address: string): boolean {
  return parseAddress(address).kind === 'key'
}

interface Stored {
  id: string
  folder: MailFolder
  raw: Buffer
  summary: MessageSummary
  /** Sent mail: recipients whose receipt has not arrived yet. */
  awaiting: Set<string>
}

interface Queued { raw: Buffer, from: MemoryMail, sentId: string }

/** Mailboxes that reach each other, by address. */
export class MemoryMailNetwork {
  readonly mailboxes = new Map<string, MemoryMail>()
  /** Pushes waiting for their recipient's check(), by recipient address. */
  readonly queues = new Map<string, Queued[]>()

  register (address: string, mail: MemoryMail): void {
    if (this.mailboxes.has(address) && this.mailboxes.get(address) !== mail) {
      throw new TornetError(MemoryMailCode.BAD_ARGUMENT, `${address} is taken by another mailbox`)
    }
    this.mailboxes.set(address, mail)
  }

  push (address: string, item: Queued): void {
    const q = this.queues.get(address) ?? []
    q.push(item)
    this.queues.set(address, q)
  }

  take (addresses: string[]): Queued[] {
    const out: Queued[] = []
    for (const a of addresses) {
      out.push(...(this.queues.get(a) ?? []))
      this.queues.delete(a)
    }
    return out
  }

  /** Every name address registered, for completion. */
  names (): string[] { return [...this.mailboxes.keys()].filter(a => !isKeyAddress(a)) }
}

export interface MemoryMailOptions {
  network?: MemoryMailNetwork
  /** Create the mailbox at once (with this name, if a string). Default: no mailbox yet. */
  mailbox?: boolean | string
  /** Clock for arrival dates (ms). */
  now?: () => number
}

export class MemoryMail implements MailApi {
  readonly network: MemoryMailNetwork
  /** Every send() / sendRaw() as the caller made it. */
  readonly sends: Array<{ mail?: OutgoingMail, raw?: Buffer, envelopeTo?: string[] }> = []
  /** While true, check() collects nothing (the node is offline). */
  offline = false
  private box: MailboxInfo | undefined
  private readonly messages = new Map<string, Stored>()
  private readonly contactList = new Map<string, Contact>()
  private readonly listeners = new Set<() => void>()
  private readonly now: () => number
  private nextId = 1
  private failure: Error | undefined

  constructor (opts: MemoryMailOptions = {}) {
    this.network = opts.network ?? new MemoryMailNetwork()
    this.now = opts.now ?? Date.now
    if (opts.mailbox !== undefined && opts.mailbox !== false) {
      this.box = this.makeBox(typeof opts.mailbox === 'string' ? opts.mailbox : undefined)
    }
  }

  // ---- MailApi ----

  mailbox (): MailboxInfo | undefined { return this.box }

  async createMailbox (opts: { name?: string } = {}): Promise<MailboxInfo> {
    if (this.box !== undefined) throw new TornetError(MemoryMailCode.BAD_ARGUMENT, 'this node already has a mailbox')
    this.box = this.makeBox(opts.name)
    this.changed()
    return this.box
  }

  async resolveAddress (text: string): Promise<MailRecipient> {
    const address = normalise(text)
    const other = this.network.mailboxes.get(address)?.mailbox()
    if (other !== undefined) return { address, mailboxId: other.id, signingKey: other.signingKey, encryptionKey: other.encryptionKey }
    const parsed = parseAddress(address)
    if (parsed.kind === 'key') {
      // A key address is always valid; nobody on this network holds it, so mail to it stays pending.
      return { address, mailboxId: sha256(parsed.signingKey), signingKey: parsed.signingKey, encryptionKey: Buffer.alloc(32) }
    }
    throw new TornetError(MemoryMailCode.NO_MAILBOX, `no mailbox answers for ${address}: check the name`)
  }

  async send (mail: OutgoingMail, opts: { onProgress?: (p: SendProgress) => void, signal?: AbortSignal } = {}): Promise<MessageSummary> {
    this.sends.push({ mail })
    const box = this.requireBox()
    this.throwInjected()
    const progress = opts.onProgress ?? (() => {})
    progress({ phase: 'resolving' })
    const recipients = await Promise.all([...mail.to, ...(mail.cc ?? [])].map(async a => await this.resolveAddress(a)))
    if (recipients.length === 0) throw new TornetError(MemoryMailCode.BAD_ARGUMENT, 'a message needs at least one recipient')
    for (let i = 1; i <= 4; i++) {
      if (opts.signal?.aborted === true) throw new TornetError(MemoryMailCode.ABORTED, 'sending was cancelled')
      progress({ phase: 'stamping', done: i * 1000, total: 4000 })
    }
    progress({ phase: 'publishing' })
    const raw = await composeRaw(mail, fromAddress(box), new Date(this.now()))
    const summary = await this.deliver(raw, recipients.map(r => r.address))
    progress({ phase: 'pushing', done: recipients.length, total: recipients.length })
    progress({ phase: 'done' })
    return summary
  }

  async sendRaw (message: Buffer, envelopeTo: string[], opts: { onProgress?: (p: SendProgress) => void } = {}): Promise<MessageSummary> {
    this.sends.push({ raw: message, envelopeTo })
    this.requireBox()
    this.throwInjected()
    opts.onProgress?.({ phase: 'resolving' })
    const recipients = await Promise.all(envelopeTo.map(async a => await this.resolveAddress(a)))
    if (recipients.length === 0) throw new TornetError(MemoryMailCode.BAD_ARGUMENT, 'a message needs at least one recipient')
    const summary = await this.deliver(message, recipients.map(r => r.address))
    opts.onProgress?.({ phase: 'done' })
    return summary
  }

  async check (): Promise<CheckResult> {
    const box = this.box
    if (box === undefined || this.offline) return { received: 0, receipts: 0, aside: 0 }
    const incoming = this.network.take(myAddresses(box))
    for (const item of incoming) {
      await this.add('inbox', item.raw, { unread: true })
      item.from.receipt(item.sentId, myAddresses(box))
    }
    return { received: incoming.length, receipts: 0, aside: 0 }
  }

  async list (folder: MailFolder, opts: ListOptions = {}): Promise<MessagePage> {
    const needle = opts.search?.trim().toLowerCase() ?? ''
    const all = [...this.messages.values()]
      .filter(m => m.folder === folder)
      .filter(m => needle === '' || m.summary.from.toLowerCase().includes(needle) || m.summary.subject.toLowerCase().includes(needle))
      .sort((a, b) => b.summary.date - a.summary.date || b.id.localeCompare(a.id))
    const offset = Math.max(0, opts.offset ?? 0)
    const limit = Math.max(0, opts.limit ?? DEFAULT_PAGE)
    return {
      total: all.length,
      unread: all.filter(m => m.summary.unread).length,
      messages: all.slice(offset, offset + limit).map(m => ({ ...m.summary }))
    }
  }

  async counts (): Promise<Record<MailFolder, { total: number, unread: number }>> {
    const out = Object.fromEntries(MAIL_FOLDERS.map(f => [f, { total: 0, unread: 0 }])) as Record<MailFolder, { total: number, unread: number }>
    for (const m of this.messages.values()) {
      out[m.folder].total++
      if (m.summary.unread) out[m.folder].unread++
    }
    return out
  }

  async read (id: string): Promise<MessageView | undefined> {
    const m = this.messages.get(id)
    if (m === undefined) return undefined
    const parsed = await simpleParser(m.raw)
    return {
      ...m.summary,
      cc: addressList(parsed.cc),
      text: parsed.text,
      html: parsed.html === false ? undefined : parsed.html,
      attachmentList: parsed.attachments.map((a, index) => ({
        index, filename: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType, size: a.content.length
      })),
      inReplyTo: parsed.inReplyTo,
      references: typeof parsed.references === 'string' ? [parsed.references] : parsed.references ?? []
    }
  }

  async raw (id: string): Promise<Buffer | undefined> { return this.messages.get(id)?.raw }

  async attachment (id: string, index: number): Promise<AttachmentInput | undefined> {
    const m = this.messages.get(id)
    if (m === undefined || !Number.isInteger(index) || index < 0) return undefined
    const a = (await simpleParser(m.raw)).attachments[index]
    if (a === undefined) return undefined
    return { filename: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType, content: a.content }
  }

  async setUnread (id: string, unread: boolean): Promise<void> {
    const m = this.get(id)
    if (m.summary.unread === unread) return
    m.summary.unread = unread
    this.changed()
  }

  async move (id: string, folder: MailFolder): Promise<void> {
    const m = this.get(id)
    m.folder = folder
    m.summary.folder = folder
    this.changed()
  }

  async delete (id: string): Promise<void> {
    const m = this.get(id)
    if (m.folder === 'trash') this.messages.delete(id)
    else { m.folder = 'trash'; m.summary.folder = 'trash' }
    this.changed()
  }

  async saveDraft (mail: OutgoingMail, replaces?: string): Promise<MessageSummary> {
    const box = this.requireBox()
    const raw = await composeRaw(mail, fromAddress(box), new Date(this.now()))
    if (replaces !== undefined) this.messages.delete(replaces)
    return await this.add('drafts', raw, { unread: false })
  }

  async contacts (): Promise<Contact[]> {
    return [...this.contactList.values()].sort((a, b) => a.name.localeCompare(b.name) || a.address.localeCompare(b.address))
  }

  async addContact (contact: Contact): Promise<void> {
    const address = normalise(contact.address)
    this.contactList.set(address, { address, name: contact.name.trim() })
    this.changed()
  }

  async removeContact (address: string): Promise<void> {
    this.contactList.delete(address.trim().toLowerCase())
    this.changed()
  }

  async complete (prefix: string, limit = 10): Promise<string[]> {
    const p = prefix.trim().toLowerCase()
    if (p === '') return []
    const out = new Set<string>()
    for (const c of await this.contacts()) {
      if (c.address.startsWith(p) || c.name.toLowerCase().split(/\s+/).some(w => w.startsWith(p))) out.add(c.address)
    }
    for (const a of this.network.names().sort()) if (a.startsWith(p)) out.add(a)
    return [...out].slice(0, limit)
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  // ---- test hooks ----

  /** Stores raw bytes in a folder as the real store would (summary from the parsed headers). */
  async add (folder: MailFolder, raw: Buffer, meta: { unread?: boolean, delivery?: DeliveryState, asideReason?: string } = {}): Promise<MessageSummary> {
    const parsed = await simpleParser(raw)
    const id = (this.nextId++).toString(16).padStart(16, '0')
    const summary: MessageSummary = {
      id,
      folder,
      messageId: parsed.messageId ?? `<${id}@memory.tor-net>`,
      from: addressList(parsed.from)[0] ?? '',
      to: addressList(parsed.to),
      subject: parsed.subject ?? '',
      date: parsed.date?.getTime() ?? this.now(),
      unread: meta.unread ?? folder === 'inbox',
      size: raw.length,
      attachments: parsed.attachments.length,
      ...(meta.delivery !== undefined ? { delivery: meta.delivery } : {}),
      ...(meta.asideReason !== undefined ? { asideReason: meta.asideReason } : {})
    }
    this.messages.set(id, { id, folder, raw, summary, awaiting: new Set() })
    this.changed()
    return { ...summary }
  }

  /** A message from `from` straight into this inbox (no network). */
  async receive (mail: OutgoingMail & { from: string, date?: Date }): Promise<MessageSummary> {
    return await this.add('inbox', await composeRaw(mail, mail.from, mail.date ?? new Date(this.now())), { unread: true })
  }

  setDelivery (id: string, state: DeliveryState): void {
    const m = this.get(id)
    m.summary.delivery = state
    this.changed()
  }

  /** The next send() or sendRaw() fails with this error. */
  failNextSend (err: Error): void { this.failure = err }

  /** A receipt from `by` (any of the recipient's addresses) for sent message `id`. */
  receipt (id: string, by: string[]): void {
    const m = this.messages.get(id)
    if (m === undefined) return
    for (const a of by) m.awaiting.delete(a)
    if (m.awaiting.size === 0 && m.summary.delivery !== 'delivered') {
      m.summary.delivery = 'delivered'
      this.changed()
    }
  }

  // ---- inside ----

  private async deliver (raw: Buffer, recipients: string[]): Promise<MessageSummary> {
    const summary = await this.add('sent', raw, { unread: false, delivery: 'pending' })
    const stored = this.messages.get(summary.id)!
    for (const address of recipients) {
      stored.awaiting.add(address)
      this.network.push(address, { raw, from: this, sentId: summary.id })
    }
    return summary
  }

  private makeBox (name: string | undefined): MailboxInfo {
    const signingKey = Buffer.from(ed25519.getPublicKey(ed25519.utils.randomSecretKey()))
    const encryptionKey = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey()))
    const names = name === undefined ? [] : [normalise(`${name}@tor-net`)]
    const box: MailboxInfo = { id: sha256(signingKey), signingKey, encryptionKey, address: memoryKeyAddress(signingKey), names }
    for (const a of myAddresses(box)) this.network.register(a, this)
    return box
  }

  private requireBox (): MailboxInfo {
    if (this.box === undefined) throw new TornetError(MemoryMailCode.NOT_RUNNING, 'this node has no mailbox yet: create one first (tornet mail new)')
    return this.box
  }

  private throwInjected (): void {
    const err = this.failure
    this.failure = undefined
    if (err !== undefined) throw err
  }

  private get (id: string): Stored {
    const m = this.messages.get(id)
    if (m === undefined) throw new TornetError(MemoryMailCode.NOT_FOUND, `no message ${id}`)
    return m
  }

  private changed (): void {
    for (const l of [...this.listeners]) l()
  }
}

function myAddresses (box: MailboxInfo): string[] { return [box.address, ...box.names] }

function fromAddress (box: MailboxInfo): string { return box.names[0] ?? box.address }

function sha256 (b: Buffer): Buffer { return createHash('sha256').update(b).digest() }

function addressList (a: AddressObject | AddressObject[] | undefined): string[] {
  if (a === undefined) return []
  return (Array.isArray(a) ? a : [a]).flatMap(o => o.value).map(v => v.address ?? '').filter(v => v !== '')
}

/** RFC 5322 bytes for an outgoing message, MIME attachments included. */
export async function composeRaw (mail: OutgoingMail, from: string, date: Date): Promise<Buffer> {
  const composer = new MailComposer({
    from,
    to: mail.to,
    cc: mail.cc,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    date,
    messageId: `<${randomBytes(12).toString('hex')}@tor-net>`,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    attachments: (mail.attachments ?? []).map(a => ({ filename: a.filename, contentType: a.contentType, content: a.content }))
  })
  return await composer.compile().build()
}

/** A parsed view of raw bytes, for tests that check what was composed. */
export async function parseRaw (raw: Buffer): Promise<ParsedMail> { return await simpleParser(raw) }
