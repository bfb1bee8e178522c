/**
 * Mail as the rest of Tornet sees it (gateway webmail, CLI, SMTP/IMAP bridge,
 * demo). The protocol (mailbox host records, stamped pushes, sealed messages
 * published as chunks, signed receipts) lives beside this file; this file is
 * the contract the callers are written against, so they never reach into it.
 *
 * A mailbox is an ed25519 signing key and an X25519 encryption key. Its id is
 * SHA-256(signing public key); a name's `mailbox:<hex>` target is the signing
 * public key. Addresses a user may type:
 *   NAME@tor-net          NAME.tor-net targets the mailbox
 *   NAME@bit              the Namecoin record d/NAME carries "tornet-mail": "<base32 key>"
 *   <base32 key>@tor-net  the signing public key itself (52 base32 digits, RFC 4648, lower case, no padding)
 */

export type MailFolder = 'inbox' | 'sent' | 'drafts' | 'trash' | 'aside'
export const MAIL_FOLDERS: readonly MailFolder[] = ['inbox', 'sent', 'drafts', 'trash', 'aside']

/** This node's mailbox. */
export interface MailboxInfo {
  /** SHA-256 of the signing public key (32 bytes). */
  id: Buffer
  signingKey: Buffer
  encryptionKey: Buffer
  /** The raw-key address (`<base32>@tor-net`); always valid. */
  address: string
  /** `NAME@tor-net` addresses registered for it on this node, if any. */
  names: string[]
}

/** A resolved recipient. */
export interface MailRecipient {
  /** What the user typed, normalised (lower case, trimmed). */
  address: string
  mailboxId: Buffer
  signingKey: Buffer
  encryptionKey: Buffer
}

export interface AttachmentInput {
  filename: string
  contentType: string
  content: Buffer
}

export interface OutgoingMail {
  to: string[]
  cc?: string[]
  subject: string
  text: string
  html?: string
  attachments?: AttachmentInput[]
  /** Message-ID of the message replied to (reply and forward keep the thread). */
  inReplyTo?: string
  references?: string[]
}

export type DeliveryState = 'pending' | 'delivered' | 'failed'

export interface MessageSummary {
  /** Stable id within this mailbox (hex). */
  id: string
  folder: MailFolder
  /** RFC 5322 Message-ID. */
  messageId: string
  from: string
  to: string[]
  subject: string
  /** ms since the epoch (Date header, else arrival). */
  date: number
  unread: boolean
  size: number
  attachments: number
  /** Sent mail only: pending until the recipient's signed receipt arrives. */
  delivery?: DeliveryState
  /** aside only: why it could not be opened (wrong key, bad seal, oversized, ...). */
  asideReason?: string
}

export interface AttachmentInfo {
  index: number
  filename: string
  contentType: string
  size: number
}

export interface MessageView extends MessageSummary {
  cc: string[]
  text: string | undefined
  /** The HTML part as sent; the caller must show it sandboxed. */
  html: string | undefined
  attachmentList: AttachmentInfo[]
  inReplyTo: string | undefined
  references: string[]
}

export interface MessagePage {
  total: number
  unread: number
  messages: MessageSummary[]
}

export interface ListOptions {
  offset?: number
  limit?: number
  /** Case-insensitive match on sender and subject. */
  search?: string
}

export interface Contact {
  address: string
  name: string
}

export interface SendProgress {
  phase: 'resolving' | 'stamping' | 'publishing' | 'pushing' | 'done'
  /** stamping: hashes tried so far; pushing: hosts accepted so far. */
  done?: number
  total?: number
}

export interface CheckResult {
  received: number
  receipts: number
  aside: number
}

export interface MailApi {
  /** This node's mailbox, or undefined until one is created. */
  mailbox (): MailboxInfo | undefined
  /** Creates the mailbox (keys kept 0600 in the data directory) and announces it; with `name`, registers NAME.tor-net for it. */
  createMailbox (opts?: { name?: string }): Promise<MailboxInfo>
  resolveAddress (text: string): Promise<MailRecipient>
  /** Composes, seals, publishes and pushes; resolves once at least 3 hosts (or all there are) accepted. */
  send (mail: OutgoingMail, opts?: { onProgress?: (p: SendProgress) => void, signal?: AbortSignal }): Promise<MessageSummary>
  /** An RFC 5322 message as a mail client submitted it (SMTP bridge); recipients from the envelope. */
  sendRaw (message: Buffer, envelopeTo: string[], opts?: { onProgress?: (p: SendProgress) => void }): Promise<MessageSummary>
  /** Collects pushes from the mailbox hosts, opens messages, sends receipts, takes receipts in. */
  check (): Promise<CheckResult>
  list (folder: MailFolder, opts?: ListOptions): Promise<MessagePage>
  counts (): Promise<Record<MailFolder, { total: number, unread: number }>>
  read (id: string): Promise<MessageView | undefined>
  /** The message as RFC 5322 bytes (IMAP FETCH BODY[]). */
  raw (id: string): Promise<Buffer | undefined>
  attachment (id: string, index: number): Promise<AttachmentInput | undefined>
  setUnread (id: string, unread: boolean): Promise<void>
  move (id: string, folder: MailFolder): Promise<void>
  /** To trash; from trash, gone. */
  delete (id: string): Promise<void>
  saveDraft (mail: OutgoingMail, replaces?: string): Promise<MessageSummary>
  contacts (): Promise<Contact[]>
  addContact (contact: Contact): Promise<void>
  removeContact (address: string): Promise<void>
  /** Address completion from contacts and known names. */
  complete (prefix: string, limit?: number): Promise<string[]>
  /** Called after any change (new mail, receipt, move); returns the unsubscribe function. */
  onChange (listener: () => void): () => void
}
