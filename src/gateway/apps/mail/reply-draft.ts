/**
 * What the compose form starts with for a reply, a forward or a saved draft: recipients,
 * "Re:"/"Fwd:" subject, the quoted text, and the thread headers (In-Reply-To,
 * References) that keep the conversation together in mail clients. Pure.
 */
import type { MailboxInfo, MessageView } from './mail-port.js'

export interface ComposeDraft {
  to: string
  cc: string
  subject: string
  body: string
  inReplyTo: string
  references: string
  /** Forward: the message whose attachments go along. */
  forward: string
  /** A saved draft this compose replaces (deleted once sent or saved again). */
  draft: string
}

export const EMPTY_DRAFT: ComposeDraft = { to: '', cc: '', subject: '', body: '', inReplyTo: '', references: '', forward: '', draft: '' }

export function replyDraft (m: MessageView, me: MailboxInfo, all: boolean): ComposeDraft {
  const mine = new Set([me.address, ...me.names].map(a => a.toLowerCase()))
  const sentByMe = m.folder === 'sent' || mine.has(m.from.toLowerCase())
  const to = sentByMe ? m.to : [m.from]
  const cc = all ? [...(sentByMe ? [] : m.to), ...m.cc].filter(a => !mine.has(a.toLowerCase()) && !to.includes(a)) : []
  return {
    ...EMPTY_DRAFT,
    to: unique(to).join(', '),
    cc: unique(cc).join(', '),
    subject: prefixed('Re:', m.subject),
    body: `\n\nOn ${new Date(m.date).toUTCString()}, ${m.from} wrote:\n${quote(m.text ?? '')}`,
    inReplyTo: m.messageId,
    references: [...m.references, m.messageId].filter(r => r !== '').join(' ')
  }
}

export function forwardDraft (m: MessageView): ComposeDraft {
  const head = [
    '---------- Forwarded message ----------', `From: ${m.from}`, `Date: ${new Date(m.date).toUTCString()}`,
    `Subject: ${m.subject}`, `To: ${m.to.join(', ')}`, ...(m.cc.length > 0 ? [`Cc: ${m.cc.join(', ')}`] : [])
  ].join('\n')
  return {
    ...EMPTY_DRAFT,
    subject: prefixed('Fwd:', m.subject),
    body: `\n\n${head}\n\n${m.text ?? ''}`,
    references: [...m.references, m.messageId].filter(r => r !== '').join(' '),
    forward: m.id
  }
}

/** A saved draft back in the form (its attachments are not carried over: they are chosen again). */
export function editDraft (m: MessageView): ComposeDraft {
  return {
    to: m.to.join(', '),
    cc: m.cc.join(', '),
    subject: m.subject,
    body: (m.text ?? '').trimEnd(), // the parser ends the text with a line break the form would add again
    inReplyTo: m.inReplyTo ?? '',
    references: m.references.join(' '),
    forward: '',
    draft: m.id
  }
}

function prefixed (prefix: string, subject: string): string {
  return subject.toLowerCase().startsWith(prefix.toLowerCase()) ? subject : `${prefix} ${subject}`.trim()
}

function quote (text: string): string {
  return text.replace(/\r\n/g, '\n').trimEnd().split('\n').map(line => `> ${line}`).join('\n')
}

function unique (list: string[]): string[] {
  return [...new Set(list.filter(a => a !== ''))]
}

/** "a@tor-net, B@bit; c@tor-net" → the addresses, trimmed and lower case (addresses ignore case), empty ones dropped. */
export function splitAddresses (text: string): string[] {
  return text.split(/[,;\s]+/).map(a => a.trim().toLowerCase()).filter(a => a !== '')
}
