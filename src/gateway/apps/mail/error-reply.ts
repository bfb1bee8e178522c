/**
 * The webmail's failures as HTTP replies: one table from code to status,
 * title and advice, for the webmail's own codes and the mail service's.
 * Other MAIL_* codes get a generic mail page with the service's message (its
 * messages are written for users); anything else goes to the gateway's error
 * page. Never a stack trace.
 */
import type { ServerResponse } from 'node:http'
import { errorCode } from '../../errors.js'
import { renderErrorPage, type RenderedError } from '../../error-page.js'
import { HTML_CONTENT_TYPE, escapeHtml, htmlPage } from '../../html.js'
import { noStoreHeaders } from '../../no-store-reply.js'
import { MAIL_WEB_ERRORS } from './errors.js'

interface Entry { status: number, title: string, advice: string }

const E = MAIL_WEB_ERRORS
const back = (base: string): string => `Go back to your <a href="${escapeHtml(base)}">inbox</a> and try again.`

const TABLE: Record<string, (base: string) => Entry> = {
  [E.forbiddenOrigin]: b => ({ status: 403, title: 'Refused: not sent from your webmail', advice: `Only the webmail’s own pages may send, delete or change mail. ${back(b)}` }),
  [E.badToken]: b => ({ status: 403, title: 'Refused: the form has expired', advice: `The node has probably restarted since the page was loaded. Reload the <a href="${escapeHtml(b)}">webmail</a> and send the form again.` }),
  [E.tooLarge]: () => ({ status: 413, title: 'Message too large', advice: 'Attach fewer or smaller files, or share large files as a Tornet link (publish them from the dashboard) and send the link instead.' }),
  [E.badForm]: b => ({ status: 400, title: 'Unreadable form', advice: back(b) }),
  [E.notFound]: b => ({ status: 404, title: 'Not found', advice: `It may have been deleted. ${back(b)}` }),
  [E.noRecipient]: b => ({ status: 400, title: 'No recipient', advice: back(b) }),
  [E.noMailbox]: b => ({ status: 409, title: 'No mailbox yet', advice: `Create your mailbox first on the <a href="${escapeHtml(b)}new">webmail’s start page</a>.` }),
  [E.methodNotAllowed]: b => ({ status: 405, title: 'Method not allowed', advice: `Pages are read with GET; forms are sent with POST. ${back(b)}` }),
  [E.busy]: () => ({ status: 503, title: 'Busy sending', advice: 'Other messages are being sent right now. Wait for them to finish, then try again.' }),
  // The mail service's codes (src/node/services/mail/errors.ts) that a user can act on.
  MAIL_BAD_ADDRESS: b => ({ status: 400, title: 'Not a mail address', advice: `Write addresses as <code>name@tor-net</code>, <code>name@bit</code> or a mailbox key followed by <code>@tor-net</code>. ${back(b)}` }),
  MAIL_BAD_ARGUMENT: b => ({ status: 400, title: 'The message cannot be sent like this', advice: back(b) }),
  MAIL_NO_MAILBOX: b => ({ status: 400, title: 'Recipient has no mailbox', advice: `No mailbox answers for this address on the network: its owner may never have created one, or has been offline for long. Check the spelling; a name registered a moment ago can take a few minutes to be found. ${back(b)}` }),
  MAIL_NOT_FOUND: b => ({ status: 404, title: 'Message not found', advice: `It may have been deleted. ${back(b)}` }),
  MAIL_OVERSIZED: () => ({ status: 413, title: 'Message too large', advice: 'Attach fewer or smaller files, or share large files as a Tornet link and send the link instead.' }),
  MAIL_NOT_RUNNING: () => ({ status: 503, title: 'Mail is not running', advice: 'The node’s mail service has not started, or has no mailbox yet. Restart the node, or create your mailbox first.' }),
  MAIL_NOT_DELIVERED: b => ({ status: 502, title: 'Not delivered', advice: `Too few of the recipient’s mailbox hosts took the message. The network may be small or partly unreachable; try again in a minute. ${back(b)}` })
}

const MAIL_SERVICE = (base: string): Entry => ({
  status: 502, title: 'The mail service could not do this', advice: `Check on the dashboard that your node is connected, then try again. ${back(base)}`
})

export function isMailWebCode (code: string | undefined): boolean {
  return code !== undefined && (TABLE[code] !== undefined || code.startsWith('MAIL_'))
}

export function renderMailError (err: unknown, base: string, gateway?: string): RenderedError & { title: string } {
  const code = errorCode(err)
  const entry = code === undefined ? undefined : (TABLE[code]?.(base) ?? (code.startsWith('MAIL_') ? MAIL_SERVICE(base) : undefined))
  if (entry === undefined) return { ...renderErrorPage(err, { gateway }), title: 'Error' }
  const message = err instanceof Error && err.message.length > 0 ? err.message : undefined
  const parts = [`<h1>${escapeHtml(entry.title)}</h1>`]
  if (message !== undefined) parts.push(`<p>${escapeHtml(message)}</p>`)
  parts.push(`<p>${entry.advice}</p>`, `<p>Error code: <code>${escapeHtml(code!)}</code> (HTTP ${entry.status})</p>`)
  const body = htmlPage(`${entry.status} ${entry.title}`, parts.join('\n'))
  return { title: entry.title, status: entry.status, code: code!, headers: { ...noStoreHeaders(HTML_CONTENT_TYPE, body), 'x-tornet-error': code! }, body }
}

/** Sends the error page; `close` adds Connection: close (the request body was not read to its end). */
export function sendMailError (res: ServerResponse, err: unknown, opts: { base: string, method?: string, close?: boolean, gateway?: string, headers?: Record<string, string> }): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const page = renderMailError(err, opts.base, opts.gateway)
  res.writeHead(page.status, { ...page.headers, ...opts.headers, ...(opts.close === true ? { connection: 'close' } : {}) })
  res.end(opts.method === 'HEAD' ? undefined : page.body)
}
