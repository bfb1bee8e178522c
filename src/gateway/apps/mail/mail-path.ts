/**
 * The webmail's paths, relative to where it is mounted ('/mail/' on the
 * gateway's own address, '/' on mail.tor-net):
 *
 *   ''                     the inbox            ?page=N&q=search
 *   f/<folder>             any folder           ?page=N&q=search
 *   m/<id>                 one message
 *   m/<id>/html            its HTML part, for the sandboxed frame
 *   m/<id>/a/<n>           attachment n, as a download
 *   m/<id>/raw             the whole message (.eml)
 *   m/<id>/delete  POST    to trash; from trash, gone
 *   m/<id>/unread  POST    mark unread again
 *   compose                ?to=, ?reply=<id>, ?all=1, ?forward=<id>
 *   send           POST    the compose form (multipart/form-data)
 *   complete               ?q=prefix → JSON list of addresses
 *   contacts               the address book; POST contacts/add, contacts/remove
 *   new            GET/POST create the mailbox
 *   check          POST    collect new mail now
 * Pure: no I/O, so every odd path can be tested.
 */
import { MAIL_FOLDERS, type MailFolder } from './mail-port.js'

export const MAIL_PREFIX = '/mail/'

export type MailRoute =
  | { page: 'folder', folder: MailFolder }
  | { page: 'message', id: string }
  | { page: 'html', id: string }
  | { page: 'attachment', id: string, index: number }
  | { page: 'raw', id: string }
  | { page: 'delete', id: string }
  | { page: 'unread', id: string }
  | { page: 'compose' }
  | { page: 'send' }
  | { page: 'complete' }
  | { page: 'contacts' }
  | { page: 'contact-add' }
  | { page: 'contact-remove' }
  | { page: 'new' }
  | { page: 'check' }

/** What a POST may reach; everything else is GET/HEAD only. */
export const POST_PAGES: ReadonlySet<MailRoute['page']> = new Set(['delete', 'unread', 'send', 'contact-add', 'contact-remove', 'new', 'check'])

/** Message ids are the store's hex ids. */
const ID = /^[0-9a-f]{1,64}$/
const INDEX = /^(0|[1-9][0-9]{0,3})$/

const FIXED: Record<string, MailRoute> = {
  '': { page: 'folder', folder: 'inbox' },
  compose: { page: 'compose' },
  send: { page: 'send' },
  complete: { page: 'complete' },
  contacts: { page: 'contacts' },
  'contacts/add': { page: 'contact-add' },
  'contacts/remove': { page: 'contact-remove' },
  new: { page: 'new' },
  check: { page: 'check' }
}

/** The route for `rest` (the path after the mount point, percent-encoded as received), or undefined. */
export function parseMailPath (rest: string): MailRoute | undefined {
  const fixed = FIXED[rest]
  if (fixed !== undefined) return fixed
  const parts = rest.split('/')
  if (parts[0] === 'f' && parts.length === 2) {
    const folder = MAIL_FOLDERS.find(f => f === parts[1])
    return folder === undefined ? undefined : { page: 'folder', folder }
  }
  if (parts[0] !== 'm' || parts.length < 2 || !ID.test(parts[1]!)) return undefined
  const id = parts[1]!
  if (parts.length === 2) return { page: 'message', id }
  if (parts.length === 3) {
    switch (parts[2]) {
      case 'html': return { page: 'html', id }
      case 'raw': return { page: 'raw', id }
      case 'delete': return { page: 'delete', id }
      case 'unread': return { page: 'unread', id }
      default: return undefined
    }
  }
  if (parts.length === 4 && parts[2] === 'a' && INDEX.test(parts[3]!)) return { page: 'attachment', id, index: Number(parts[3]) }
  return undefined
}

/** Links within the webmail, for a mount point ('/mail/' or '/'). */
export class MailLinks {
  constructor (readonly base: string) {}
  inbox (): string { return this.base }
  folder (folder: MailFolder, opts: { page?: number, q?: string } = {}): string {
    const path = folder === 'inbox' ? this.base : `${this.base}f/${folder}`
    const query = new URLSearchParams()
    if (opts.q !== undefined && opts.q !== '') query.set('q', opts.q)
    if (opts.page !== undefined && opts.page > 1) query.set('page', String(opts.page))
    const s = query.toString()
    return s === '' ? path : `${path}?${s}`
  }

  message (id: string): string { return `${this.base}m/${id}` }
  html (id: string): string { return `${this.base}m/${id}/html` }
  attachment (id: string, index: number): string { return `${this.base}m/${id}/a/${index}` }
  raw (id: string): string { return `${this.base}m/${id}/raw` }
  action (id: string, what: 'delete' | 'unread'): string { return `${this.base}m/${id}/${what}` }
  compose (query: Record<string, string> = {}): string {
    const s = new URLSearchParams(query).toString()
    return s === '' ? `${this.base}compose` : `${this.base}compose?${s}`
  }

  page (name: 'send' | 'complete' | 'contacts' | 'contacts/add' | 'contacts/remove' | 'new' | 'check'): string { return `${this.base}${name}` }
}
