import { randomBytes } from 'node:crypto'
import MailComposer from 'nodemailer/lib/mail-composer/index.js'
import { simpleParser, type AddressObject } from 'mailparser'
import type { AttachmentInput, OutgoingMail } from './mail-api.js'
import { normalizeAddress } from './address.js'
import { MAX_PLAIN_BYTES } from './seal.js'
import { MailError, MailErrorCode } from './errors.js'

/**
 * RFC 5322 messages in and out. Composing and parsing MIME is left to the Nodemailer
 * project's libraries (MailComposer, mailparser's simpleParser), which mail clients
 * have exercised for a decade; this file fixes what Tornet puts in a message
 * (canonical addresses, a Message-ID under tor-net, no client fingerprint headers)
 * and what it takes out of one.
 */

export interface ParsedMessage {
  /** The sender's address as the message states it (lower case); '' when absent. */
  from: string
  to: string[]
  cc: string[]
  subject: string
  /** The Date header (ms since the epoch), undefined when absent or unreadable. */
  date: number | undefined
  text: string | undefined
  html: string | undefined
  attachments: AttachmentInput[]
  messageId: string
  inReplyTo: string | undefined
  references: string[]
}

/** Upper bound on recipients of one message (each costs a seal, a stamp and pushes). */
export const MAX_RECIPIENTS = 100

export function newMessageId (): string {
  return `<${randomBytes(16).toString('hex')}@tor-net>`
}

/** Builds the message; addresses are normalised (throws MAIL_BAD_ADDRESS), sizes bounded (MAIL_OVERSIZED). */
export async function composeMessage (mail: OutgoingMail, from: string, date: Date = new Date()): Promise<{ raw: Buffer, messageId: string }> {
  const to = mail.to.map(normalizeAddress)
  const cc = (mail.cc ?? []).map(normalizeAddress)
  if (to.length + cc.length === 0) throw new MailError(MailErrorCode.BAD_ARGUMENT, 'a message needs at least one recipient (--to)')
  if (to.length + cc.length > MAX_RECIPIENTS) throw new MailError(MailErrorCode.BAD_ARGUMENT, `a message may have at most ${MAX_RECIPIENTS} recipients`)
  let attachmentBytes = 0
  for (const a of mail.attachments ?? []) attachmentBytes += a.content.length
  // Base64 grows attachments by 4/3; refuse early rather than after building a huge buffer.
  if (attachmentBytes * 4 / 3 > MAX_PLAIN_BYTES) {
    throw new MailError(MailErrorCode.OVERSIZED, `the attachments total ${attachmentBytes} bytes, over what one message can carry (${Math.floor(MAX_PLAIN_BYTES * 3 / 4)}): publish large files and send the link`)
  }
  const messageId = newMessageId()
  const composer = new MailComposer({
    from: normalizeAddress(from),
    to,
    cc: cc.length > 0 ? cc : undefined,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    date,
    messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    attachments: (mail.attachments ?? []).map(a => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    // No X-Mailer and no local host name: the message says nothing about the sender's machine.
    xMailer: false,
    disableFileAccess: true,
    disableUrlAccess: true
  })
  const raw = await composer.compile().build()
  if (raw.length > MAX_PLAIN_BYTES) throw new MailError(MailErrorCode.OVERSIZED, `the message is ${raw.length} bytes; the limit is ${MAX_PLAIN_BYTES}`)
  return { raw, messageId }
}

function addresses (a: AddressObject | AddressObject[] | undefined): string[] {
  if (a === undefined) return []
  const list = Array.isArray(a) ? a : [a]
  const out: string[] = []
  for (const obj of list) {
    for (const v of obj.value) {
      if (typeof v.address === 'string' && v.address !== '') out.push(v.address.toLowerCase())
      for (const g of v.group ?? []) if (typeof g.address === 'string' && g.address !== '') out.push(g.address.toLowerCase())
    }
  }
  return out
}

/** Parses a message (throws MAIL_OVERSIZED or MAIL_BAD_MESSAGE); the content of every attachment comes back. */
export async function parseMessage (raw: Buffer): Promise<ParsedMessage> {
  if (raw.length > MAX_PLAIN_BYTES) throw new MailError(MailErrorCode.OVERSIZED, `the message is ${raw.length} bytes; the limit is ${MAX_PLAIN_BYTES}`)
  let parsed
  try {
    parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, keepCidLinks: true })
  } catch (err) {
    throw new MailError(MailErrorCode.BAD_MESSAGE, `the message cannot be parsed as RFC 5322 (${(err as Error).message})`, { cause: err })
  }
  const date = parsed.date instanceof Date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.getTime() : undefined
  const refs = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references]
  return {
    from: addresses(parsed.from)[0] ?? '',
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: parsed.subject ?? '',
    date,
    text: parsed.text,
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    attachments: parsed.attachments.map((a, i) => ({
      filename: a.filename ?? `attachment-${i + 1}`,
      contentType: a.contentType ?? 'application/octet-stream',
      content: a.content
    })),
    messageId: parsed.messageId ?? '',
    inReplyTo: parsed.inReplyTo,
    references: refs
  }
}
