/**
 * The dashboard's mail panel: this node's address, unread and waiting
 * counts, and the way into the webmail (or to creating the mailbox).
 */
import type { DashboardSection } from '../dashboard/port.js'
import { escapeHtml } from '../../html.js'
import { MAIL_PREFIX } from './mail-path.js'
import type { MailApi } from './mail-port.js'

const h = escapeHtml

export function mailSection (mail: MailApi): DashboardSection {
  return {
    id: 'mail',
    title: 'Mail',
    render: async () => {
      const box = mail.mailbox()
      if (box === undefined) {
        return `<p>No mailbox yet. <a href="${MAIL_PREFIX}">Create one in the webmail</a> (or run <code>tornet mail new</code>).</p>`
      }
      const counts = await mail.counts()
      const pending = (await mail.list('sent', { limit: 200 })).messages.filter(m => m.delivery === 'pending').length
      return `<p>Your address: <code class="select-all">${h(box.names[0] ?? box.address)}</code>` +
        `${box.names.length > 0 ? ` <span class="muted">(key: <code>${h(box.address)}</code>)</span>` : ''}</p>\n` +
        `<p><a href="${MAIL_PREFIX}"><strong>${counts.inbox.unread} unread</strong></a> of ${counts.inbox.total} in the inbox` +
        `${pending > 0 ? ` · ${pending} sent awaiting a receipt` : ''} · <a href="http://mail.tor-net/">http://mail.tor-net/</a> through the proxy</p>`
    }
  }
}
