/**
 * A folder as a page of messages, newest first: sender (recipients in sent
 * and drafts), subject, attachment mark, delivery state for sent mail, date,
 * size; unread in bold; paging and search. Pure.
 */
import { escapeHtml } from '../../html.js'
import { formatBytes, formatDate } from '../dashboard/format.js'
import { FOLDER_TITLES } from './layout.js'
import type { MailLinks } from './mail-path.js'
import type { MailFolder, MessagePage, MessageSummary } from './mail-port.js'

const h = escapeHtml

export interface FolderView {
  folder: MailFolder
  page: MessagePage
  /** 1-based. */
  pageNumber: number
  pageSize: number
  q: string
  links: MailLinks
  now: number
  notice?: string
}

export function renderFolder (view: FolderView): string {
  const { folder, page, links } = view
  const title = FOLDER_TITLES[folder]
  const searched = view.q === '' ? '' : ` matching “${h(view.q)}”`
  const head = `<h1>${h(title)} <span class="muted">${page.total} message${page.total === 1 ? '' : 's'}${searched}` +
    `${page.unread > 0 ? `, ${page.unread} unread` : ''}</span></h1>`
  const notice = view.notice === undefined ? '' : `<p class="notice" role="status">${h(view.notice)}</p>`
  if (page.messages.length === 0) {
    const empty = view.q !== '' ? 'No message matches.' : folder === 'inbox' ? 'No mail yet.' : 'Nothing here.'
    return `${notice}<section class="card">${head}<p class="muted">${empty}</p></section>`
  }
  const outgoing = folder === 'sent' || folder === 'drafts'
  const rows = page.messages.map(m => row(m, outgoing, links, view.now)).join('\n')
  return `${notice}<section class="card">${head}
<table class="list"><tbody>
${rows}
</tbody></table>
${pager(view)}
</section>`
}

function row (m: MessageSummary, outgoing: boolean, links: MailLinks, now: number): string {
  const who = outgoing ? (m.to.length === 0 ? '(no recipient)' : `To: ${m.to.join(', ')}`) : (m.from === '' ? '(unknown sender)' : m.from)
  const delivery = m.delivery === undefined ? '' : ` <span class="badge ${h(m.delivery)}">${h(m.delivery)}</span>`
  const aside = m.asideReason === undefined ? '' : ` <span class="badge failed" title="${h(m.asideReason)}">${h(m.asideReason)}</span>`
  const clip = m.attachments > 0 ? ` <span title="${m.attachments} attachment${m.attachments === 1 ? '' : 's'}">📎</span>` : ''
  return `<tr${m.unread ? ' class="unread"' : ''}><td class="from">${h(who)}</td>` +
    `<td class="subject"><a href="${h(links.message(m.id))}">${h(m.subject === '' ? '(no subject)' : m.subject)}</a>${clip}${delivery}${aside}</td>` +
    `<td class="date" title="${h(formatDate(m.date))}">${h(shortDate(m.date, now))}</td><td class="size">${h(formatBytes(m.size))}</td></tr>`
}

function pager (view: FolderView): string {
  const pages = Math.max(1, Math.ceil(view.page.total / view.pageSize))
  if (pages === 1) return ''
  const first = (view.pageNumber - 1) * view.pageSize + 1
  const last = Math.min(view.page.total, view.pageNumber * view.pageSize)
  const prev = view.pageNumber > 1
    ? `<a rel="prev" href="${h(view.links.folder(view.folder, { page: view.pageNumber - 1, q: view.q }))}">← Newer</a>` : ''
  const next = view.pageNumber < pages
    ? `<a rel="next" href="${h(view.links.folder(view.folder, { page: view.pageNumber + 1, q: view.q }))}">Older →</a>` : ''
  return `<div class="pager">${prev}<span>${first}–${last} of ${view.page.total} (page ${view.pageNumber} of ${pages})</span>${next}</div>`
}

/** Time today, else the date. */
function shortDate (ms: number, now: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return ''
  const iso = new Date(ms).toISOString()
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? iso.slice(11, 16) : iso.slice(0, 10)
}
