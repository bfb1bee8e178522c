/**
 * What the bridge needs of the node's mail (MailApi), and the IMAP names of
 * its folders. "aside" (mail that could not be opened) is not offered to
 * IMAP clients: there is nothing in it a mail client could show.
 */
import type { MailApi, MailFolder, MessageSummary } from '../../node/index.js'

export type BridgeMail = Pick<MailApi, 'mailbox' | 'sendRaw' | 'list' | 'counts' | 'raw' | 'setUnread' | 'move' | 'delete' | 'onChange'>

export interface ImapFolder {
  /** The IMAP name (INBOX is case-insensitive, RFC 3501 §5.1). */
  name: string
  folder: MailFolder
  /** RFC 6154 special-use attribute. */
  specialUse: string | undefined
}

export const IMAP_FOLDERS: readonly ImapFolder[] = [
  { name: 'INBOX', folder: 'inbox', specialUse: undefined },
  { name: 'Sent', folder: 'sent', specialUse: '\\Sent' },
  { name: 'Drafts', folder: 'drafts', specialUse: '\\Drafts' },
  { name: 'Trash', folder: 'trash', specialUse: '\\Trash' }
]

/** The folder an IMAP mailbox name means (case-insensitive), or undefined. */
export function imapFolder (name: string): ImapFolder | undefined {
  const lower = name.toLowerCase()
  return IMAP_FOLDERS.find((f) => f.name.toLowerCase() === lower)
}

const PAGE = 500
/** A folder larger than this is served up to this many messages (the newest). */
export const MAX_FOLDER_MESSAGES = 100_000

/** Every message of a folder, oldest first (by date, then id), read page by page. */
export async function listFolder (mail: BridgeMail, folder: MailFolder): Promise<MessageSummary[]> {
  const all: MessageSummary[] = []
  for (let offset = 0; offset < MAX_FOLDER_MESSAGES; offset += PAGE) {
    const page = await mail.list(folder, { offset, limit: PAGE })
    all.push(...page.messages)
    if (page.messages.length === 0 || offset + page.messages.length >= page.total) break
  }
  return all.sort((a, b) => a.date - b.date || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
