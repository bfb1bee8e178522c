/**
 * One message: its headers, the actions on it, its body and attachments.
 * Plain text is escaped into a <pre>. An HTML part is never put into this
 * page: it is loaded into an iframe from m/<id>/html, which is sandboxed
 * twice, by the frame's `sandbox` attribute (no scripts, no same-origin, no
 * forms, no top navigation) and by that reply's own CSP (html-mail.ts), so a
 * message can neither run code nor load anything from anywhere (tracking
 * pixels included). Pure.
 */
import { escapeHtml } from '../../html.js'
import { formatBytes, formatDate } from '../dashboard/format.js'
import { FOLDER_TITLES, hiddenToken, postButton } from './layout.js'
import type { MailLinks } from './mail-path.js'
import type { MessageView } from './mail-port.js'

const h = escapeHtml

export function renderMessage (m: MessageView, links: MailLinks, csrf: string): string {
  const head: Array<[string, string]> = [['From', m.from === '' ? '(unknown)' : m.from], ['To', m.to.join(', ')]]
  if (m.cc.length > 0) head.push(['Cc', m.cc.join(', ')])
  head.push(['Date', formatDate(m.date)], ['Folder', FOLDER_TITLES[m.folder]])
  if (m.delivery !== undefined) head.push(['Delivery', m.delivery === 'delivered' ? 'delivered (the recipient’s node signed a receipt)' : m.delivery])
  if (m.asideReason !== undefined) head.push(['Set aside', m.asideReason])
  const dl = head.map(([k, v]) => `<dt>${h(k)}</dt><dd>${k === 'Delivery' ? `<span class="badge ${h(m.delivery!)}">${h(v)}</span>` : h(v)}</dd>`).join('')
  const actions = [
    m.folder === 'drafts' ? `<a class="button primary" href="${h(links.compose({ draft: m.id }))}">Edit and send</a>` : '',
    `<a class="button" href="${h(links.compose({ reply: m.id }))}">Reply</a>`,
    m.to.length + m.cc.length > 1 ? `<a class="button" href="${h(links.compose({ reply: m.id, all: '1' }))}">Reply all</a>` : '',
    `<a class="button" href="${h(links.compose({ forward: m.id }))}">Forward</a>`,
    m.folder === 'inbox' ? postButton(links.action(m.id, 'unread'), 'Mark unread', csrf) : '',
    postButton(links.action(m.id, 'delete'), m.folder === 'trash' ? 'Delete for good' : 'Delete', csrf,
      m.folder === 'trash' ? { confirm: 'Delete this message for good?' } : {}),
    m.from !== '' && m.folder !== 'sent' ? addContact(m.from, links, csrf) : '',
    `<a class="button" href="${h(links.raw(m.id))}" download>Download .eml</a>`
  ].filter(a => a !== '').join('\n')
  return `<section class="card">
<h1>${h(m.subject === '' ? '(no subject)' : m.subject)}</h1>
<dl class="head">${dl}</dl>
<div class="actions">${actions}</div>
${body(m, links)}
${attachments(m, links)}
</section>`
}

function body (m: MessageView, links: MailLinks): string {
  const text = m.text === undefined || m.text.trim() === '' ? undefined : `<pre class="body">${h(m.text)}</pre>`
  if (m.html === undefined || m.html.trim() === '') return text ?? '<p class="muted">(This message has no text.)</p>'
  const frame = `<iframe class="html" sandbox="" referrerpolicy="no-referrer" title="The message (HTML, shown without scripts or remote content)" src="${h(links.html(m.id))}"></iframe>` +
    '<p class="hint">Shown without scripts, and without images or anything else loaded from elsewhere.</p>'
  return text === undefined ? frame : `${frame}\n<details><summary>Plain-text version</summary>${text}</details>`
}

function attachments (m: MessageView, links: MailLinks): string {
  if (m.attachmentList.length === 0) return ''
  const items = m.attachmentList.map(a => `<li><a href="${h(links.attachment(m.id, a.index))}" download="${h(a.filename)}">${h(a.filename)}</a> ` +
    `<span class="muted">${h(a.contentType)}, ${h(formatBytes(a.size))}</span></li>`).join('\n')
  return `<h2>Attachments</h2><ul class="files">\n${items}\n</ul>`
}

function addContact (address: string, links: MailLinks, csrf: string): string {
  return `<form method="post" action="${h(links.page('contacts/add'))}" enctype="application/x-www-form-urlencoded">${hiddenToken(csrf)}` +
    `<input type="hidden" name="address" value="${h(address)}"><button type="submit">Add sender to contacts</button></form>`
}
