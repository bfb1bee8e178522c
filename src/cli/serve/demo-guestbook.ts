/**
 * The demo's hidden service: a guestbook, a small web app of our own on
 * 127.0.0.1:<free port>, served to the network as guestbook.tor-net by a demo
 * node through a hidden service, so the round trip (post an entry, see it)
 * is visible. GET / lists the entries (escaped) with a form; POST / adds one
 * (urlencoded, bounded in size and count) and redirects back (POST/redirect/GET).
 *
 * It records the remote addresses its connections came from: through a
 * hidden service they are all the service node's own loopback connection,
 * never a visitor's address (the e2e tests check this).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { escapeHtml } from '../../gateway/html.js'

export interface GuestbookEntry {
  name: string
  message: string
  at: number // ms since epoch
}

export interface GuestbookLimits {
  maxEntries: number // the oldest entry goes when a new one would exceed this
  maxBodyBytes: number // a POST body larger than this is refused with 413
  maxNameChars: number
  maxMessageChars: number
  bodyTimeoutMs: number // a POST body must arrive within this
  maxRemoteAddresses: number // distinct remote addresses remembered
}

export const DEFAULT_GUESTBOOK_LIMITS: GuestbookLimits = {
  maxEntries: 200,
  maxBodyBytes: 4096,
  maxNameChars: 60,
  maxMessageChars: 500,
  bodyTimeoutMs: 10_000,
  maxRemoteAddresses: 64
}

export interface Guestbook {
  readonly host: string
  readonly port: number
  /** Newest first. */
  entries (): GuestbookEntry[]
  /** Distinct remote addresses of the connections the guestbook served. */
  remoteAddresses (): string[]
  close (): Promise<void>
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

export async function startGuestbook (opts: { limits?: Partial<GuestbookLimits>, now?: () => number } = {}): Promise<Guestbook> {
  const limits: GuestbookLimits = { ...DEFAULT_GUESTBOOK_LIMITS, ...opts.limits }
  const now = opts.now ?? Date.now
  const entries: GuestbookEntry[] = []
  const remotes = new Set<string>()

  const server = createServer({ headersTimeout: 10_000, requestTimeout: limits.bodyTimeoutMs + 5_000 }, (req, res) => {
    const remote = req.socket.remoteAddress ?? ''
    if (remotes.size < limits.maxRemoteAddresses) remotes.add(remote)
    handle(req, res).catch(() => res.destroy())
  })

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/') return send(res, 404, page('Not found', '<p>The guestbook lives at <a href="/">/</a>.</p>'))
    if (req.method === 'GET' || req.method === 'HEAD') return send(res, 200, page('Guestbook', renderBook(entries, limits)), req.method === 'HEAD')
    if (req.method !== 'POST') return send(res, 405, page('Method not allowed', '<p>Only GET and POST.</p>'), false, { allow: 'GET, HEAD, POST' })
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') {
      return send(res, 415, page('Unsupported form', '<p>Post the form on <a href="/">the guestbook page</a>.</p>'))
    }
    const body = await readBody(req, limits)
    if (body === undefined) return send(res, 413, page('Entry too long', `<p>An entry may be at most ${limits.maxBodyBytes} bytes. <a href="/">Back</a></p>`), false, { connection: 'close' })
    const form = new URLSearchParams(body.toString('utf8'))
    const name = (form.get('name') ?? '').trim().slice(0, limits.maxNameChars) || 'anonymous'
    const message = (form.get('message') ?? '').trim()
    if (message.length === 0 || message.length > limits.maxMessageChars) {
      return send(res, 400, page('Empty or too long', `<p>Write a message of 1 to ${limits.maxMessageChars} characters. <a href="/">Back</a></p>`))
    }
    entries.unshift({ name, message, at: now() })
    if (entries.length > limits.maxEntries) entries.length = limits.maxEntries
    res.writeHead(303, { location: '/', 'content-length': '0', 'cache-control': 'no-store' })
    res.end()
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    host: '127.0.0.1',
    port,
    entries: () => entries.map(e => ({ ...e })),
    remoteAddresses: () => [...remotes],
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

/** The body, or undefined when it is larger than allowed or too slow (the request is then answered and closed). */
async function readBody (req: IncomingMessage, limits: GuestbookLimits): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > limits.maxBodyBytes) return undefined
  const chunks: Buffer[] = []
  let size = 0
  const timer = setTimeout(() => req.destroy(), limits.bodyTimeoutMs)
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > limits.maxBodyBytes) return undefined
      chunks.push(chunk as Buffer)
    }
  } finally {
    clearTimeout(timer)
  }
  return Buffer.concat(chunks)
}

function send (res: ServerResponse, status: number, html: string, headOnly = false, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    ...extra
  })
  res.end(headOnly ? undefined : html)
}

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#222;background:#fdfaf3}' +
  'li{margin:.6em 0}small{color:#777}textarea,input{font:inherit}'

function page (title: string, body: string): string {
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`
}

function renderBook (entries: GuestbookEntry[], limits: GuestbookLimits): string {
  const list = entries.length === 0
    ? '<p><em>No entries yet. Be the first.</em></p>'
    : '<ol reversed>\n' + entries.map(e =>
      `<li><strong>${escapeHtml(e.name)}</strong> <small>${escapeHtml(new Date(e.at).toISOString().slice(0, 16).replace('T', ' '))} UTC</small>` +
      `<br>${escapeHtml(e.message)}</li>`).join('\n') + '\n</ol>'
  return '<p>A hidden service on the demo network: this page came to you through an onion circuit, ' +
    'and the server behind it never learns your address.</p>\n' +
    '<form method="post" action="/">\n' +
    `<p><label>Name <input name="name" maxlength="${limits.maxNameChars}" placeholder="anonymous"></label></p>\n` +
    `<p><label>Message<br><textarea name="message" rows="3" cols="50" maxlength="${limits.maxMessageChars}" required></textarea></label></p>\n` +
    '<p><button type="submit">Sign the guestbook</button></p>\n</form>\n' + list
}
