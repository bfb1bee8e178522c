/**
 * The dashboard's failures as HTTP replies: one table from code to status,
 * title and advice. Codes the dashboard does not know (the gateway's, the
 * node's) go to the gateway's own error page.
 */
import type { ServerResponse } from 'node:http'
import { errorCode } from '../../errors.js'
import { describeError, renderErrorPage, type RenderedError } from '../../error-page.js'
import { HTML_CONTENT_TYPE, escapeHtml, htmlPage } from '../../html.js'
import { noStoreHeaders } from '../../no-store-reply.js'
import { DASHBOARD_ERRORS } from './errors.js'

interface Entry {
  status: number
  title: string
  advice: string
}

const BACK = 'Go back to the <a href="/">dashboard</a> and try again.'
const E = DASHBOARD_ERRORS

const TABLE: Record<string, Entry> = {
  [E.forbiddenOrigin]: { status: 403, title: 'Refused: not sent from the dashboard', advice: `Only the dashboard page itself may publish. ${BACK}` },
  [E.badToken]: { status: 403, title: 'Refused: the form has expired', advice: `The node has probably restarted since the page was loaded. Reload the <a href="/">dashboard</a> and send the form again.` },
  [E.notMultipart]: { status: 400, title: 'Not a file upload', advice: `Send the files with the form on the dashboard (multipart/form-data). ${BACK}` },
  [E.malformed]: { status: 400, title: 'Malformed upload', advice: BACK },
  [E.truncated]: { status: 400, title: 'Upload incomplete', advice: `The upload was cut off before it ended. ${BACK}` },
  [E.tooLarge]: { status: 413, title: 'Upload too large', advice: 'Publish large content with the command line (<code>tornet publish</code>), or raise the dashboard’s upload limit.' },
  [E.tooManyParts]: { status: 413, title: 'Too many files', advice: 'Publish folders with many files with the command line (<code>tornet publish</code>).' },
  [E.headerTooLarge]: { status: 413, title: 'File name too long', advice: BACK },
  [E.fieldTooLarge]: { status: 413, title: 'Form field too long', advice: BACK },
  [E.badPath]: { status: 400, title: 'Unusable file name', advice: `Rename the file and try again. ${BACK}` },
  [E.duplicatePath]: { status: 400, title: 'The same path twice', advice: 'A site cannot hold two files under one path. Choose files with distinct names.' },
  [E.noFiles]: { status: 400, title: 'No files chosen', advice: `Choose a folder or some files first. ${BACK}` },
  [E.badName]: { status: 400, title: 'Not a valid name', advice: 'A name has 1 to 63 lowercase letters, digits and hyphens, and neither starts nor ends with a hyphen.' },
  [E.fieldsAfterFiles]: { status: 400, title: 'Form fields after the files', advice: 'Send the csrf, title and name fields before the files.' },
  [E.busy]: { status: 503, title: 'Busy publishing', advice: 'Other uploads are still being published. Wait for them to finish, then try again.' },
  [E.publishFailed]: { status: 502, title: 'Publishing failed', advice: `The node could not publish the content. Check the log and the node’s connection, then try again. ${BACK}` }
}

export function isDashboardCode (code: string | undefined): boolean {
  return code !== undefined && TABLE[code] !== undefined
}

export function statusOf (err: unknown): number {
  const entry = TABLE[errorCode(err) ?? '']
  return entry?.status ?? describeError(err).status
}

export function renderDashboardError (err: unknown, gateway?: string): RenderedError {
  const code = errorCode(err)
  const entry = code === undefined ? undefined : TABLE[code]
  if (entry === undefined) return renderErrorPage(err, { gateway })
  const message = err instanceof Error && err.message.length > 0 ? err.message : undefined
  const parts = [`<h1>${escapeHtml(entry.title)}</h1>`]
  if (message !== undefined) parts.push(`<p>${escapeHtml(message)}</p>`)
  const cause = err instanceof Error ? err.cause : undefined
  if (code === E.publishFailed && cause instanceof Error && cause.message.length > 0) {
    parts.push(`<p>The node said: <q>${escapeHtml(cause.message)}</q>${errorCode(cause) === undefined ? '' : ` (<code>${escapeHtml(errorCode(cause)!)}</code>)`}</p>`)
  }
  parts.push(`<p>${entry.advice}</p>`, `<p>Error code: <code>${escapeHtml(code!)}</code> (HTTP ${entry.status})</p>`)
  const body = htmlPage(`${entry.status} ${entry.title}`, parts.join('\n'))
  return {
    status: entry.status,
    code: code!,
    headers: { ...noStoreHeaders(HTML_CONTENT_TYPE, body), 'x-tornet-error': code! },
    body
  }
}

/** Sends the error page; `close` adds Connection: close (the request body was not read to its end). */
export function sendDashboardError (res: ServerResponse, err: unknown, opts: { method?: string, close?: boolean, gateway?: string } = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const page = renderDashboardError(err, opts.gateway)
  res.writeHead(page.status, opts.close === true ? { ...page.headers, connection: 'close' } : page.headers)
  res.end(opts.method === 'HEAD' ? undefined : page.body)
}
