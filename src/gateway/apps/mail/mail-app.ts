/**
 * The webmail: server-rendered pages over the node's MailApi. Two ways in:
 *   http://127.0.0.1:9150/mail/…   on the gateway's own address
 *   http://mail.tor-net/…          through the proxy (a host the gateway keeps for itself)
 * Paths: mail-path.ts. Every POST must come from the webmail's own page (its
 * Origin, as the dashboard checks it) and carry the per-process token; a
 * refused POST still has its body read (within a budget) so the browser sees
 * the page rather than a reset. Messages, attachments and forms are bounded
 * (form-body.ts); a message too large gets a 413 page.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayApp, GatewayRequestContext } from '../../app.js'
import { errorCode } from '../../errors.js'
import { gatewayAuthority } from '../../gateway-authority.js'
import { HTML_CONTENT_TYPE } from '../../html.js'
import { JSON_CONTENT_TYPE, sendNoStore } from '../../no-store-reply.js'
import type { Router } from '../../router.js'
import { CSRF_FIELD, headerToken, isCrossSiteRead, isSameGatewayOrigin, newCsrfToken, tokensEqual } from '../dashboard/csrf.js'
import { DEFAULT_DRAIN_BUDGET, drain, lingerOnClose, type DrainBudget } from '../dashboard/drain.js'
import type { LocalApp } from '../local.js'
import { sendDownload } from './attachment-reply.js'
import { renderCompose, renderContacts, renderCreateMailbox } from './compose-page.js'
import { MAIL_WEB_ERRORS, mailWebError } from './errors.js'
import { isMailWebCode, renderMailError, sendMailError } from './error-reply.js'
import { renderFolder } from './folder-page.js'
import { readFormBody, type FormBody } from './form-body.js'
import { sendHtmlMail } from './html-mail.js'
import { FOLDER_TITLES, mailPageCsp, renderShell, type ShellView } from './layout.js'
import { MAIL_PREFIX, MailLinks, parseMailPath, POST_PAGES, type MailRoute } from './mail-path.js'
import { MAIL_HOST, type AttachmentInput, type MailApi, type MailboxInfo, type MailFolder, type OutgoingMail } from './mail-port.js'
import { renderMessage } from './message-page.js'
import { EMPTY_DRAFT, editDraft, forwardDraft, replyDraft, splitAddresses, type ComposeDraft } from './reply-draft.js'

export interface MailAppLimits {
  /** The compose form's whole body (text and attachments). */
  maxMessageBytes: number
  maxFieldBytes: number
  maxParts: number
  pageSize: number
  /** Sends at once, and forms being received at once (each held in memory while read). */
  maxConcurrentSends: number
  /** How long the compose form's upload may take. */
  bodyTimeoutMs: number
  drain: DrainBudget
}

export const DEFAULT_MAIL_LIMITS: MailAppLimits = {
  maxMessageBytes: 25 * 1024 * 1024,
  maxFieldBytes: 1024 * 1024, // the message text
  maxParts: 64,
  pageSize: 50,
  maxConcurrentSends: 4,
  bodyTimeoutMs: 10 * 60_000,
  drain: DEFAULT_DRAIN_BUDGET
}

export interface MailAppOptions {
  mail: MailApi
  /** The CSRF token (the dashboard's, so one token guards the gateway's pages); default a fresh one. */
  token?: string
  limits?: Partial<MailAppLimits>
  now?: () => number
}

export interface MailApp {
  /** Answers mail.tor-net, and `<name>.tor-net` names whose target is a mailbox (to compose). */
  app: GatewayApp
  /** The /mail/… route on the gateway's own pages. */
  route: (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext) => Promise<void>
  readonly token: string
}

/** Notices a redirect may ask a folder page to show (?done=…): a fixed set, so a link cannot put words on the page. */
const NOTICES: Record<string, string> = {
  sent: 'Sent. It shows “delivered” once the recipient’s node has signed a receipt for it.',
  deleted: 'Moved to the trash.',
  gone: 'Deleted for good.',
  unread: 'Marked unread.',
  created: 'Your mailbox is ready.',
  draft: 'Draft saved.',
  checked: 'Checked for new mail.'
}

export function createMailApp (options: MailAppOptions): MailApp {
  const mail = options.mail
  const token = options.token ?? newCsrfToken()
  const limits: MailAppLimits = { ...DEFAULT_MAIL_LIMITS, ...options.limits }
  const now = options.now ?? Date.now
  const formLimits = { maxBodyBytes: limits.maxMessageBytes, maxFieldBytes: limits.maxFieldBytes, maxParts: limits.maxParts }
  let sending = 0
  let reading = 0

  async function handle (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, base: string): Promise<void> {
    const links = new MailLinks(base)
    const gateway = gatewayAuthority(ctx.gateway, req)
    const route = parseMailPath(ctx.pathname.slice(base.length))
    const method = req.method ?? ''
    const isPost = route !== undefined && POST_PAGES.has(route.page)
    const allowed = route?.page === 'new' ? ['GET', 'HEAD', 'POST'] : isPost ? ['POST'] : ['GET', 'HEAD']
    if (route === undefined || !allowed.includes(method)) {
      const err = route === undefined
        ? mailWebError(MAIL_WEB_ERRORS.notFound, `The webmail has no page ${ctx.pathname}.`)
        : mailWebError(MAIL_WEB_ERRORS.methodNotAllowed, `${method} is not allowed on ${ctx.pathname}.`)
      const headers: Record<string, string> = route === undefined ? {} : { allow: allowed.join(', ') }
      const body = req[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
      const drained = method === 'GET' || method === 'HEAD' || await drain(body, limits.drain)
      if (!drained) lingerOnClose(res, body)
      sendMailError(res, err, { base, method, gateway, headers, close: !drained })
      return
    }
    // Another site reading the mailbox's pages (fetch, image, frame) is refused; a POST has its own check below.
    if (method !== 'POST' && ctx.target.kind === 'gateway' && isCrossSiteRead(req, { host: ctx.host, port: ctx.port })) {
      sendMailError(res, mailWebError(MAIL_WEB_ERRORS.forbiddenOrigin, 'Another site asked for a webmail page.'), { base, method, gateway })
      return
    }
    try {
      if (method === 'POST') await post(req, res, ctx, route, links, gateway)
      else await get(req, res, ctx, route, links)
    } catch (err) {
      if (ctx.signal.aborted && res.destroyed) return
      if (!isMailWebCode(errorCode(err))) ctx.log('warn', 'webmail request failed', { path: ctx.pathname, error: String(err) })
      sendMailError(res, err, { base, method, gateway })
    }
  }

  /** Answers a POST with an error after reading what is left of its body (within the budget). */
  async function refuse (req: IncomingMessage, res: ServerResponse, err: unknown, base: string, gateway: string, ctx: GatewayRequestContext,
    source: AsyncIterator<Uint8Array> = req[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>, bodyDone = false): Promise<void> {
    const drained = bodyDone || await drain(source, limits.drain)
    if (ctx.signal.aborted && res.destroyed) return
    if (!drained) lingerOnClose(res, source)
    sendMailError(res, err, { base, method: req.method, close: !drained, gateway })
  }

  async function post (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, route: MailRoute, links: MailLinks, gateway: string): Promise<void> {
    const source = req[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    if (!isSameGatewayOrigin(req, { host: ctx.host, port: ctx.port })) {
      await refuse(req, res, mailWebError(MAIL_WEB_ERRORS.forbiddenOrigin, 'This form was not sent from the webmail’s own page.'), links.base, gateway, ctx, source)
      return
    }
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (Number.isFinite(declared) && declared > limits.maxMessageBytes) {
      lingerOnClose(res, source)
      sendMailError(res, mailWebError(MAIL_WEB_ERRORS.tooLarge, `The message (${declared} bytes with its attachments) is larger than the limit of ${limits.maxMessageBytes} bytes.`),
        { base: links.base, close: true, gateway })
      return
    }
    // Forms are held in memory while read (attachments up to maxMessageBytes each): so few at once.
    if (reading >= limits.maxConcurrentSends) {
      await refuse(req, res, mailWebError(MAIL_WEB_ERRORS.busy, `${reading} forms are being received already.`), links.base, gateway, ctx, source)
      return
    }
    let form: FormBody
    reading++
    try {
      form = await readFormBody(req, source, formLimits)
    } catch (err) {
      if (ctx.signal.aborted && res.destroyed) return
      await refuse(req, res, err, links.base, gateway, ctx, source)
      return
    } finally {
      reading--
    }
    if (!tokensEqual(token, headerToken(req) ?? form.fields.get(CSRF_FIELD))) {
      throw mailWebError(MAIL_WEB_ERRORS.badToken, 'The form’s security token is missing or out of date.')
    }
    switch (route.page) {
      case 'send': return await send(req, res, ctx, form, links)
      case 'new': {
        const name = (form.fields.get('name') ?? '').trim().toLowerCase()
        await mail.createMailbox(name === '' ? {} : { name })
        return redirect(res, links.folder('inbox') + '?done=created')
      }
      case 'check':
        await mail.check()
        return redirect(res, links.folder('inbox') + '?done=checked')
      case 'delete': {
        const m = await mustRead(route.id)
        await mail.delete(route.id)
        return redirect(res, `${links.folder(m.folder)}?done=${m.folder === 'trash' ? 'gone' : 'deleted'}`)
      }
      case 'unread': {
        const m = await mustRead(route.id)
        await mail.setUnread(route.id, true)
        return redirect(res, `${links.folder(m.folder)}?done=unread`)
      }
      case 'contact-add':
        await mail.addContact({ address: form.fields.get('address') ?? '', name: (form.fields.get('name') ?? '').trim() })
        return redirect(res, links.page('contacts'))
      case 'contact-remove':
        await mail.removeContact(form.fields.get('address') ?? '')
        return redirect(res, links.page('contacts'))
      default:
        throw mailWebError(MAIL_WEB_ERRORS.notFound, 'No such form.')
    }
  }

  async function send (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, form: FormBody, links: MailLinks): Promise<void> {
    const f = (name: string): string => form.fields.get(name) ?? ''
    const draft: ComposeDraft = {
      to: f('to'), cc: f('cc'), subject: f('subject'), body: f('body'), inReplyTo: f('in-reply-to').trim(), references: f('references').trim(), forward: f('forward').trim(),
      draft: /^[0-9a-f]{1,64}$/.test(f('draft').trim()) ? f('draft').trim() : ''
    }
    const saving = f('action') === 'draft'
    const attachments: AttachmentInput[] = [...form.files]
    try {
      const to = splitAddresses(draft.to)
      if (to.length === 0 && !saving) throw mailWebError(MAIL_WEB_ERRORS.noRecipient, 'Write at least one address in To.')
      if (draft.forward !== '') attachments.push(...await forwardedAttachments(draft.forward))
      const total = attachments.reduce((n, a) => n + a.content.length, 0) + Buffer.byteLength(draft.body)
      if (total > limits.maxMessageBytes) {
        throw mailWebError(MAIL_WEB_ERRORS.tooLarge, `The message with its attachments (${total} bytes) is larger than the limit of ${limits.maxMessageBytes} bytes.`)
      }
      const outgoing: OutgoingMail = {
        to,
        cc: splitAddresses(draft.cc),
        subject: draft.subject.replace(/[\r\n]+/g, ' ').trim(),
        text: draft.body.replace(/\r\n/g, '\n'),
        attachments,
        ...(draft.inReplyTo !== '' ? { inReplyTo: draft.inReplyTo } : {}),
        ...(draft.references !== '' ? { references: draft.references.split(/\s+/) } : {})
      }
      if (saving) {
        await mail.saveDraft(outgoing, draft.draft === '' ? undefined : draft.draft)
        redirect(res, `${links.folder('drafts')}?done=draft`)
        return
      }
      if (sending >= limits.maxConcurrentSends) throw mailWebError(MAIL_WEB_ERRORS.busy, `${sending} messages are being sent already.`)
      sending++
      try {
        // Not the request's signal: a user who closes the tab after pressing Send still wants it sent.
        await mail.send(outgoing)
      } finally {
        sending--
      }
      if (draft.draft !== '') await discardDraft(draft.draft)
    } catch (err) {
      const code = errorCode(err)
      if (code === undefined) throw err // not a failure the user can act on: the generic page
      // What was typed stays; only the files must be chosen again.
      const view = await shell(links, 'New message', mail.mailbox())
      const main = renderCompose({
        draft, links, csrf: token, maxBytes: limits.maxMessageBytes, forwarded: [],
        problem: { title: renderMailError(err, links.base).title, message: err instanceof Error ? err.message : String(err), code }
      })
      sendPage(req, res, renderShell(view, main), view.nonce, renderMailError(err, links.base).status)
      return
    }
    ctx.log('info', 'mail sent from the webmail', { recipients: splitAddresses(draft.to).length, attachments: attachments.length })
    redirect(res, `${links.folder('sent')}?done=sent`)
  }

  /** A draft that was sent goes for good (to the trash, then out of it), if it is still a draft. */
  async function discardDraft (id: string): Promise<void> {
    const m = await mail.read(id)
    if (m?.folder !== 'drafts') return
    await mail.delete(id)
    await mail.delete(id)
  }

  async function forwardedAttachments (id: string): Promise<AttachmentInput[]> {
    const m = await mustRead(id)
    const out: AttachmentInput[] = []
    for (const a of m.attachmentList) {
      const got = await mail.attachment(id, a.index)
      if (got !== undefined) out.push(got)
    }
    return out
  }

  async function get (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, route: MailRoute, links: MailLinks): Promise<void> {
    const box = mail.mailbox()
    const query = new URLSearchParams(ctx.search)
    if (route.page === 'complete') {
      const q = (query.get('q') ?? '').slice(0, 200)
      const addresses = box === undefined || q.trim() === '' ? [] : await mail.complete(q, 10)
      sendNoStore(req, res, JSON_CONTENT_TYPE, JSON.stringify({ addresses }))
      return
    }
    if (box === undefined) {
      const view = await shell(links, 'Create your mailbox', undefined, false)
      sendPage(req, res, renderShell(view, renderCreateMailbox(links, token)), view.nonce)
      return
    }
    switch (route.page) {
      case 'new':
        return redirect(res, links.inbox())
      case 'folder': {
        const q = (query.get('q') ?? '').trim().slice(0, 200)
        const pageNumber = pageOf(query.get('page'))
        const page = await mail.list(route.folder, { offset: (pageNumber - 1) * limits.pageSize, limit: limits.pageSize, ...(q === '' ? {} : { search: q }) })
        const view = await shell(links, FOLDER_TITLES[route.folder], box, true, route.folder, q)
        const notice = NOTICES[query.get('done') ?? '']
        const main = renderFolder({ folder: route.folder, page, pageNumber, pageSize: limits.pageSize, q, links, now: now(), ...(notice === undefined ? {} : { notice }) })
        sendPage(req, res, renderShell(view, main), view.nonce)
        return
      }
      case 'message': {
        const m = await mustRead(route.id)
        if (m.unread && req.method === 'GET') {
          await mail.setUnread(m.id, false)
          m.unread = false
        }
        const view = await shell(links, m.subject === '' ? '(no subject)' : m.subject, box, true, m.folder)
        sendPage(req, res, renderShell(view, renderMessage(m, links, token)), view.nonce)
        return
      }
      case 'html': {
        const m = await mustRead(route.id)
        if (m.html === undefined) throw mailWebError(MAIL_WEB_ERRORS.notFound, 'This message has no HTML part.')
        sendHtmlMail(req, res, m.html)
        return
      }
      case 'attachment': {
        const a = await mail.attachment(route.id, route.index)
        if (a === undefined) throw mailWebError(MAIL_WEB_ERRORS.notFound, `Message ${route.id} has no attachment ${route.index}.`)
        sendDownload(req, res, a)
        return
      }
      case 'raw': {
        const raw = await mail.raw(route.id)
        if (raw === undefined) throw mailWebError(MAIL_WEB_ERRORS.notFound, `No message ${route.id}.`)
        sendDownload(req, res, { filename: `${route.id}.eml`, contentType: 'message/rfc822', content: raw })
        return
      }
      case 'compose': {
        const draft = await composeDraft(query, box)
        const forwarded = draft.forward === '' ? [] : (await mustRead(draft.forward)).attachmentList.map(a => a.filename)
        const view = await shell(links, 'New message', box, true)
        sendPage(req, res, renderShell(view, renderCompose({ draft, links, csrf: token, maxBytes: limits.maxMessageBytes, forwarded })), view.nonce)
        return
      }
      case 'contacts': {
        const view = await shell(links, 'Contacts', box, true)
        sendPage(req, res, renderShell(view, renderContacts(await mail.contacts(), links, token)), view.nonce)
        return
      }
      default:
        throw mailWebError(MAIL_WEB_ERRORS.notFound, `The webmail has no page ${ctx.pathname}.`)
    }
  }

  async function composeDraft (query: URLSearchParams, box: MailboxInfo): Promise<ComposeDraft> {
    const reply = query.get('reply')
    const forward = query.get('forward')
    const saved = query.get('draft')
    if (saved !== null) return editDraft(await mustRead(saved))
    if (reply !== null) return replyDraft(await mustRead(reply), box, query.get('all') === '1')
    if (forward !== null) return forwardDraft(await mustRead(forward))
    return { ...EMPTY_DRAFT, to: (query.get('to') ?? '').slice(0, 1000) }
  }

  async function mustRead (id: string): Promise<NonNullable<Awaited<ReturnType<MailApi['read']>>>> {
    const m = /^[0-9a-f]{1,64}$/.test(id) ? await mail.read(id) : undefined
    if (m === undefined) throw mailWebError(MAIL_WEB_ERRORS.notFound, `No message ${id}.`)
    return m
  }

  async function shell (links: MailLinks, title: string, box: MailboxInfo | undefined, withCounts = true, folder?: MailFolder, q?: string): Promise<ShellView> {
    const counts = box !== undefined && withCounts ? await mail.counts() : undefined
    return {
      title, links, csrf: token, nonce: randomBytes(16).toString('base64'),
      ...(box === undefined ? {} : { box }), ...(counts === undefined ? {} : { counts }),
      ...(folder === undefined ? {} : { folder }), ...(q === undefined ? {} : { q })
    }
  }

  /** http://<name>.tor-net/ for a name whose target is a mailbox: write to it. */
  function toMailbox (res: ServerResponse, ctx: GatewayRequestContext): void {
    const name = ctx.host.endsWith('.tor-net') ? ctx.host.slice(0, -'.tor-net'.length) : ''
    redirect(res, `http://${MAIL_HOST}/compose?${new URLSearchParams({ to: `${name}@tor-net` }).toString()}`, 302)
  }

  return {
    token,
    app: {
      name: 'mail',
      matches: ctx => (ctx.host === MAIL_HOST && ctx.target.kind === 'gateway') || (ctx.target.kind === 'mailbox' && ctx.via !== 'direct'),
      bodyTimeoutMs: () => limits.bodyTimeoutMs,
      handle: async (req, res, ctx) => {
        if (ctx.target.kind === 'mailbox') return toMailbox(res, ctx)
        await handle(req, res, ctx, '/')
      }
    },
    route: async (req, res, ctx) => {
      if (ctx.pathname === '/mail') return redirect(res, MAIL_PREFIX, 301)
      await handle(req, res, ctx, MAIL_PREFIX)
    }
  }
}

/**
 * Registers the webmail on a gateway: mail.tor-net (and mailbox names) on its
 * router, /mail/… on its own pages.
 */
export function installMail (gateway: { router: Router, local: LocalApp }, options: MailAppOptions): MailApp {
  const mailApp = createMailApp(options)
  const limits: MailAppLimits = { ...DEFAULT_MAIL_LIMITS, ...options.limits }
  gateway.router.register(mailApp.app)
  gateway.local.register({ path: MAIL_PREFIX, prefix: true, methods: ['GET', 'HEAD', 'POST'], bodyTimeoutMs: limits.bodyTimeoutMs, handle: mailApp.route })
  gateway.local.register({ path: '/mail', methods: ['GET', 'HEAD'], handle: mailApp.route })
  return mailApp
}

function pageOf (raw: string | null): number {
  const n = Number(raw ?? '1')
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1
}

function redirect (res: ServerResponse, location: string, status = 303): void {
  res.writeHead(status, { location, 'content-length': '0', 'cache-control': 'no-store' })
  res.end()
}

function sendPage (req: IncomingMessage, res: ServerResponse, html: string, nonce: string, status = 200): void {
  if (status === 200) {
    sendNoStore(req, res, HTML_CONTENT_TYPE, html, pageHeaders(nonce))
    return
  }
  res.writeHead(status, { 'content-type': HTML_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(html)), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...pageHeaders(nonce) })
  res.end(req.method === 'HEAD' ? undefined : html)
}

function pageHeaders (nonce: string): Record<string, string> {
  return { 'content-security-policy': mailPageCsp(nonce), 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin' }
}
