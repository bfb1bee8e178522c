/**
 * The frame around every webmail page: top bar (brand, the mailbox's
 * address, search), the folder list with counts, and the page's own part.
 * Pure: a view in, HTML out; every value from mail is escaped here or by the
 * page that made `main`.
 */
import { escapeHtml } from '../../html.js'
import { CSRF_FIELD } from '../dashboard/csrf.js'
import { MAIL_CSS, MAIL_SCRIPT } from './mail-assets.js'
import type { MailLinks } from './mail-path.js'
import { MAIL_FOLDERS, type MailboxInfo, type MailFolder } from './mail-port.js'

const h = escapeHtml

export const FOLDER_TITLES: Record<MailFolder, string> = { inbox: 'Inbox', sent: 'Sent', drafts: 'Drafts', trash: 'Trash', aside: 'Set aside' }

export interface ShellView {
  title: string
  links: MailLinks
  csrf: string
  nonce: string
  /** Undefined on the create-your-mailbox page. */
  box?: MailboxInfo
  counts?: Record<MailFolder, { total: number, unread: number }>
  folder?: MailFolder
  q?: string
}

/** The Content-Security-Policy of a page rendered with `nonce`: its own script, fetches and frames only. */
export function mailPageCsp (nonce: string): string {
  return [
    "default-src 'none'", "style-src 'unsafe-inline'", `script-src 'nonce-${nonce}'`, "img-src 'self' data:", "connect-src 'self'",
    "frame-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"
  ].join('; ')
}

export function hiddenToken (csrf: string): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${h(csrf)}">`
}

/** A one-button POST form (delete, mark unread, check now). */
export function postButton (action: string, label: string, csrf: string, opts: { confirm?: string, primary?: boolean } = {}): string {
  const confirm = opts.confirm === undefined ? '' : ` data-confirm="${h(opts.confirm)}"`
  return `<form method="post" action="${h(action)}" enctype="application/x-www-form-urlencoded"${confirm}>${hiddenToken(csrf)}` +
    `<button type="submit"${opts.primary === true ? ' class="primary"' : ''}>${h(label)}</button></form>`
}

export function renderShell (view: ShellView, main: string): string {
  const { links, box } = view
  const who = box === undefined ? '' : `<span class="who">${h(box.names[0] ?? box.address)}</span>`
  const search = box === undefined
    ? ''
    : `<form class="search" method="get" action="${h(links.folder(view.folder ?? 'inbox'))}" role="search">` +
      `<input type="search" name="q" value="${h(view.q ?? '')}" placeholder="Search sender or subject" aria-label="Search"><button type="submit">Search</button></form>`
  const folders = box === undefined || view.counts === undefined ? '' : renderFolders(view)
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="referrer" content="same-origin"><title>${h(view.title)} · Tornet Mail</title><style>${MAIL_CSS}</style></head>
<body>
<header class="top"><div class="inner"><a class="brand" href="${h(links.inbox())}">Tornet Mail</a>${who}${search}</div></header>
<div class="layout">
<aside>${folders}</aside>
<main>
${main}
</main>
</div>
<script nonce="${h(view.nonce)}">${MAIL_SCRIPT}</script>
</body></html>
`
}

function renderFolders (view: ShellView): string {
  const items = MAIL_FOLDERS.filter(f => f !== 'aside' || (view.counts![f].total > 0)).map(f => {
    const c = view.counts![f]
    const n = f === 'inbox' || f === 'aside' ? c.unread : (f === 'drafts' ? c.total : 0)
    const count = n > 0 ? `<span class="n${f === 'inbox' ? ' unread' : ''}">${n}</span>` : '<span class="n"></span>'
    return `<a href="${h(view.links.folder(f))}"${view.folder === f ? ' class="on" aria-current="page"' : ''}><span>${h(FOLDER_TITLES[f])}</span>${count}</a>`
  }).join('\n')
  return `<nav class="folders"><a class="button primary compose" href="${h(view.links.compose())}">Compose</a>\n${items}\n` +
    `<p>${postButton(view.links.page('check'), 'Check for new mail', view.csrf)}</p>` +
    `<p><a href="${h(view.links.page('contacts'))}">Contacts</a></p></nav>`
}
