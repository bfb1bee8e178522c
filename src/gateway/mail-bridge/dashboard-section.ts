/**
 * The dashboard's "Mail clients" panel while the bridge runs: the settings
 * Thunderbird needs, as `tornet start --mail-bridge` prints them. The
 * dashboard is served to this machine only (loopback, Host-checked), where
 * the password file is readable by the same user anyway.
 */
import type { DashboardSection } from '../apps/dashboard/port.js'
import { escapeHtml as h } from '../html.js'
import type { BridgeMail } from './mail-port.js'

export function mailClientsSection (bridge: { host: string, smtpPort: number, imapPort: number, password: string }, mail: BridgeMail): DashboardSection {
  return {
    id: 'mail-clients',
    title: 'Mail clients (Thunderbird)',
    render: async () => {
      const box = mail.mailbox()
      const user = box === undefined
        ? '<span class="muted">no mailbox yet: make one in the webmail or with <code>tornet mail new</code></span>'
        : `<code>${h(box.names[0] ?? box.address)}</code>`
      const row = (k: string, v: string): string => `<tr><th>${h(k)}</th><td>${v}</td></tr>`
      return '<table><tbody>' +
        row('User name', user) +
        row('Password', `<code>${h(bridge.password)}</code>`) +
        row('IMAP', `${h(bridge.host)} port ${bridge.imapPort}, no SSL, normal password`) +
        row('SMTP', `${h(bridge.host)} port ${bridge.smtpPort}, no SSL, normal password`) +
        '</tbody></table><p class="hint">Set the identity\'s address to the user name, and turn off "Place a copy in Sent": the node keeps sent mail itself.</p>'
    }
  }
}
