/**
 * The webmail on a real gateway over loopback HTTP, with the in-memory
 * MailApi (test/helpers/memory-mail.ts): every page at /mail/ and at
 * mail.tor-net through the proxy, the create-your-mailbox page, paging and
 * search, plain text escaped, HTML mail sandboxed by attribute and CSP,
 * attachments byte-exact both ways, compose/reply/forward, delivered after
 * the recipient's check, the 413 page, CSRF and Origin refusals, error pages.
 */
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FormData, Response } from 'undici'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installMail, MAIL_WEB_ERRORS, type MailApp } from '../../../../src/gateway/apps/mail/index.js'
import { createFakeNetwork, type FakeResolver } from '../../../helpers/fake-site-content.js'
import { MemoryMail, MemoryMailNetwork, parseRaw } from '../../../helpers/memory-mail.js'

let gateway: Gateway
let app: MailApp
let network: MemoryMailNetwork
let me: MemoryMail
let bob: MemoryMail
let resolver: FakeResolver
let port: number
let origin: string

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer, text: string }

/** A request to the gateway; `path` is '/mail/…' (plain HTTP) or 'http://mail.tor-net/…' (proxy form). */
async function call (path: string, opts: { method?: string, headers?: Record<string, string>, body?: Buffer | Buffer[] } = {}): Promise<Reply> {
  const headers = { ...(path.startsWith('http://') ? { host: new URL(path).host } : { host: `127.0.0.1:${port}` }), ...opts.headers }
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    for (const b of opts.body === undefined ? [] : Array.isArray(opts.body) ? opts.body : [opts.body]) req.write(b)
    req.end()
  })
}

/** Serialises a FormData as a browser would send it. */
async function multipart (fields: Record<string, string>, files: Array<{ name: string, filename: string, bytes: Buffer, type?: string }> = [], token = app.token):
Promise<{ body: Buffer, type: string }> {
  const form = new FormData()
  form.append('csrf', token)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  for (const f of files) form.append(f.name, new File([new Uint8Array(f.bytes)], f.filename, { type: f.type ?? 'application/octet-stream' }))
  const r = new Response(form)
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type')! }
}

async function postForm (path: string, fields: Record<string, string>, opts: { files?: Array<{ name: string, filename: string, bytes: Buffer, type?: string }>, origin?: string | null, token?: string, chunked?: boolean } = {}): Promise<Reply> {
  const { body, type } = await multipart(fields, opts.files, opts.token)
  const headers: Record<string, string> = { 'content-type': type }
  const o = opts.origin === undefined ? (path.startsWith('http://') ? new URL(path).origin : origin) : opts.origin
  if (o !== null) headers.origin = o
  if (opts.chunked !== true) headers['content-length'] = String(body.length)
  // Chunked: the body in pieces without a declared length, so only the streaming bound can stop it.
  return await call(path, { method: 'POST', headers, body: opts.chunked === true ? [body.subarray(0, 1000), body.subarray(1000)] : body })
}

async function postUrlencoded (path: string, fields: Record<string, string>, headers: Record<string, string> = { origin }): Promise<Reply> {
  const body = Buffer.from(new URLSearchParams({ csrf: app.token, ...fields }).toString())
  return await call(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), ...headers }, body })
}

function idsIn (html: string): string[] {
  return [...html.matchAll(/href="\/mail\/m\/([0-9a-f]+)"/g)].map(m => m[1]!)
}

async function start (opts: { mailbox?: boolean, maxMessageBytes?: number, pageSize?: number, maxConcurrentSends?: number } = {}): Promise<void> {
  const net = createFakeNetwork()
  resolver = net.resolver
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  network = new MemoryMailNetwork()
  me = new MemoryMail({ network, ...(opts.mailbox === false ? {} : { mailbox: 'alice' }) })
  bob = new MemoryMail({ network, mailbox: 'bob' })
  app = installMail(gateway, {
    mail: me,
    limits: {
      ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
      ...(opts.maxConcurrentSends === undefined ? {} : { maxConcurrentSends: opts.maxConcurrentSends }),
      pageSize: opts.pageSize ?? 50
    }
  })
  port = gateway.address.port
  origin = `http://127.0.0.1:${port}`
}

afterEach(async () => { await gateway?.close() })

describe('without a mailbox', () => {
  beforeEach(async () => { await start({ mailbox: false }) })

  it('offers to create one, on /mail/ and on mail.tor-net, and creates it with a name from the form', async () => {
    for (const path of ['/mail/', '/mail/f/sent', '/mail/compose', 'http://mail.tor-net/']) {
      const r = await call(path)
      expect(r.status).toBe(200)
      expect(r.text).toContain('Create your mailbox')
      expect(r.text).toContain(`value="${app.token}"`)
    }
    const created = await postUrlencoded('/mail/new', { name: 'Carol' })
    expect(created.status).toBe(303)
    expect(created.headers.location).toBe('/mail/?done=created')
    expect(me.mailbox()?.names).toEqual(['carol@tor-net'])
    const inbox = await call('/mail/?done=created')
    expect(inbox.text).toContain('Your mailbox is ready.')
    expect(inbox.text).toContain('carol@tor-net')
  })

  it('answers completion with nothing until there is a mailbox', async () => {
    const r = await call('/mail/complete?q=b')
    expect(JSON.parse(r.text)).toEqual({ addresses: [] })
  })
})

describe('folders', () => {
  beforeEach(async () => { await start({ pageSize: 20 }) })

  it('pages the inbox newest first with unread counts, on both addresses', async () => {
    for (let i = 0; i < 45; i++) {
      await me.receive({ from: i % 3 === 0 ? 'dave@tor-net' : 'erin@bit', to: ['alice@tor-net'], subject: `note ${i}`, text: `body ${i}`, date: new Date(1_700_000_000_000 + i * 60_000) })
    }
    const first = await call('/mail/')
    expect(first.status).toBe(200)
    expect(first.text).toContain('45 messages, 45 unread')
    expect(first.text).toMatch(/<span>Inbox<\/span><span class="n unread">45<\/span>/)
    expect(first.text.indexOf('note 44')).toBeLessThan(first.text.indexOf('note 43'))
    expect(idsIn(first.text)).toHaveLength(20)
    expect(first.text).toContain('<a rel="next" href="/mail/?page=2">Older')
    const third = await call('/mail/?page=3')
    expect(idsIn(third.text)).toHaveLength(5)
    expect(third.text).toContain('41–45 of 45')
    expect(third.text).toContain('note 0<')
    expect(third.text).not.toContain('rel="next"')
    const proxied = await call('http://mail.tor-net/?page=2')
    expect(proxied.status).toBe(200)
    expect(proxied.text).toContain('21–40 of 45')
    expect(proxied.text).toContain('href="/m/') // links stay on mail.tor-net
    expect(resolver.calls).toBe(0) // mail.tor-net is the gateway's own host: never looked up
  })

  it('searches by sender and by subject, case-insensitively, with paging kept in the links', async () => {
    for (let i = 0; i < 30; i++) await me.receive({ from: i < 25 ? 'dave@tor-net' : 'erin@bit', to: ['alice@tor-net'], subject: i === 7 ? 'Invoice March' : `hello ${i}`, text: '' })
    const bySender = await call('/mail/?q=ERIN')
    expect(bySender.text).toContain('5 messages matching “ERIN”')
    expect(idsIn(bySender.text)).toHaveLength(5)
    const bySubject = await call('/mail/?q=invoice')
    expect(idsIn(bySubject.text)).toHaveLength(1)
    expect(bySubject.text).toContain('Invoice March')
    const paged = await call('/mail/?q=dave')
    expect(paged.text).toContain('href="/mail/?q=dave&amp;page=2"')
    expect((await call('/mail/?q=nobody')).text).toContain('No message matches.')
  })

  it('shows every folder, and refuses unknown folders and paths with a 404 page', async () => {
    for (const f of ['sent', 'drafts', 'trash']) expect((await call(`/mail/f/${f}`)).status).toBe(200)
    for (const path of ['/mail/f/spam', '/mail/m/xyz', '/mail/m/12/a/x', '/mail/nope', '/mail/m/ff']) {
      const r = await call(path)
      expect(r.status).toBe(404)
      expect(r.headers['x-tornet-error']).toBe(MAIL_WEB_ERRORS.notFound)
      expect(r.text).not.toMatch(/\n\s+at /) // never a stack trace
    }
    expect((await call('/mail')).headers.location).toBe('/mail/')
  })
})

describe('reading', () => {
  beforeEach(async () => { await start() })

  it('escapes plain text and marks the message read', async () => {
    const s = await me.receive({ from: 'mallory@tor-net', to: ['alice@tor-net'], subject: '<b>hi</b>', text: '<script>alert(1)</script> & "quotes"' })
    const r = await call(`/mail/m/${s.id}`)
    expect(r.status).toBe(200)
    expect(r.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;')
    expect(r.text).not.toContain('<script>alert')
    expect(r.text).toContain('<h1>&lt;b&gt;hi&lt;/b&gt;</h1>')
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'nonce-/)
    expect(r.headers['x-frame-options']).toBe('DENY')
    expect((await me.counts()).inbox.unread).toBe(0)
  })

  it('shows HTML mail only in a sandboxed frame whose reply blocks scripts and every remote load', async () => {
    const html = '<p>Hi <img src="http://tracker.example/p.gif"><script>parent.alert(1)</script></p>'
    const s = await me.receive({ from: 'shop@bit', to: ['alice@tor-net'], subject: 'offer', text: 'plain offer', html })
    const page = (await call(`/mail/m/${s.id}`)).text
    const frame = page.match(/<iframe[^>]*>/)?.[0] ?? ''
    expect(frame).toContain('sandbox=""')
    expect(frame).not.toContain('allow-')
    expect(frame).toContain(`src="/mail/m/${s.id}/html"`)
    expect(page).not.toContain('tracker.example') // the HTML never enters the page itself
    const part = await call(`/mail/m/${s.id}/html`)
    expect(part.status).toBe(200)
    const csp = String(part.headers['content-security-policy'])
    expect(csp.split(/;\s*/)).toEqual(expect.arrayContaining(['sandbox', "default-src 'none'", 'img-src data:', "frame-ancestors 'self'"]))
    expect(csp).not.toMatch(/allow-scripts|script-src|http:|https:|\*/)
    expect(part.headers['x-content-type-options']).toBe('nosniff')
    expect(part.text).toContain('tracker.example/p.gif') // the message as sent; the CSP keeps it from loading
    const plain = await me.receive({ from: 'x@bit', to: ['alice@tor-net'], subject: 'text only', text: 't' })
    expect((await call(`/mail/m/${plain.id}/html`)).status).toBe(404)
  })

  it('serves attachments byte-exact as downloads, and the whole message as .eml', async () => {
    const bytes = randomBytes(300_000)
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    const s = await me.receive({
      from: 'bob@tor-net', to: ['alice@tor-net'], subject: 'files', text: 'see attached',
      attachments: [{ filename: 'data.bin', contentType: 'application/octet-stream', content: bytes }, { filename: 'résumé 1.svg', contentType: 'image/svg+xml', content: svg }]
    })
    const page = (await call(`/mail/m/${s.id}`)).text
    expect(page).toContain(`href="/mail/m/${s.id}/a/0"`)
    expect(page).toContain('résumé 1.svg')
    const a0 = await call(`/mail/m/${s.id}/a/0`)
    expect(a0.status).toBe(200)
    expect(a0.body.equals(bytes)).toBe(true)
    expect(a0.headers['content-disposition']).toBe('attachment; filename="data.bin"; filename*=UTF-8\'\'data.bin')
    const a1 = await call(`http://mail.tor-net/m/${s.id}/a/1`)
    expect(a1.body.equals(svg)).toBe(true)
    expect(a1.headers['content-disposition']).toBe('attachment; filename="r_sum_ 1.svg"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9%201.svg')
    expect(String(a1.headers['content-security-policy'])).toContain('sandbox')
    expect((await call(`/mail/m/${s.id}/a/2`)).status).toBe(404)
    const raw = await call(`/mail/m/${s.id}/raw`)
    expect(raw.body.equals((await me.raw(s.id))!)).toBe(true)
  })
})

describe('compose and send', () => {
  beforeEach(async () => { await start() })

  it('sends with attachments from the form; sent shows pending, then delivered after the recipient checks', async () => {
    const bytes = randomBytes(2 * 1024 * 1024)
    const r = await postForm('/mail/send', { to: 'Bob@tor-net', cc: '', subject: 'report', body: 'hello bob\r\nline two' },
      { files: [{ name: 'attachments', filename: 'report.bin', bytes }, { name: 'attachments', filename: '', bytes: Buffer.alloc(0) }] })
    expect(r.status).toBe(303)
    expect(r.headers.location).toBe('/mail/f/sent?done=sent')
    const sent = await call('/mail/f/sent?done=sent')
    expect(sent.text).toContain('<span class="badge pending">pending</span>')
    expect(sent.text).toContain('To: bob@tor-net')
    expect(sent.text).toContain('It shows “delivered” once')
    await bob.check()
    expect((await call('/mail/f/sent')).text).toContain('<span class="badge delivered">delivered</span>')
    const got = (await bob.list('inbox')).messages[0]!
    expect(got).toMatchObject({ from: 'alice@tor-net', subject: 'report', attachments: 1 })
    const view = await bob.read(got.id)
    expect(view?.text?.trim()).toBe('hello bob\nline two')
    expect((await bob.attachment(got.id, 0))?.content.equals(bytes)).toBe(true)
  })

  it('keeps what was typed and says why when a recipient is unknown or malformed', async () => {
    for (const [to, code] of [['nobody@tor-net', 'MAIL_NO_MAILBOX'], ['not an address!', 'MAIL_BAD_ADDRESS'], ['  ', MAIL_WEB_ERRORS.noRecipient]] as const) {
      const r = await postForm('/mail/send', { to, subject: 'draft <1>', body: 'my text' })
      expect(r.status).toBe(400)
      expect(r.text).toContain(`<code>${code}</code>`)
      expect(r.text).toContain('value="draft &lt;1&gt;"')
      expect(r.text).toContain('>my text</textarea>')
    }
    expect((await me.counts()).sent.total).toBe(0)
  })

  it('answers a message over the limit with a 413 page, declared or streamed', async () => {
    await gateway.close()
    await start({ maxMessageBytes: 64 * 1024 })
    const big = randomBytes(100 * 1024)
    for (const chunked of [false, true]) {
      const r = await postForm('/mail/send', { to: 'bob@tor-net', subject: 's', body: 'b' }, { files: [{ name: 'attachments', filename: 'big.bin', bytes: big }], chunked })
      expect(r.status).toBe(413)
      expect(r.headers['x-tornet-error']).toBe(MAIL_WEB_ERRORS.tooLarge)
      expect(r.text).toContain('Message too large')
    }
    expect(me.sends).toHaveLength(0)
    const small = await postForm('/mail/send', { to: 'bob@tor-net', subject: 's', body: 'b' }, { files: [{ name: 'attachments', filename: 'ok.bin', bytes: randomBytes(10_000) }] })
    expect(small.status).toBe(303)
  })

  it('receives only so many forms at once (each is held in memory): the next gets a 503 page', async () => {
    await gateway.close()
    await start({ maxConcurrentSends: 1 })
    const { body, type } = await multipart({ to: 'bob@tor-net', subject: 'slow', body: 'b' }, [{ name: 'attachments', filename: 'a.bin', bytes: randomBytes(50_000) }])
    // A first upload that sends half its body, then waits.
    const slow = request({ host: '127.0.0.1', port, path: '/mail/send', method: 'POST', agent: false,
      headers: { host: `127.0.0.1:${port}`, origin, 'content-type': type, 'content-length': String(body.length) } })
    const first = new Promise<number>((resolve, reject) => { slow.on('response', r => { r.resume(); resolve(r.statusCode ?? 0) }); slow.on('error', reject) })
    slow.write(body.subarray(0, 20_000))
    await new Promise(resolve => setTimeout(resolve, 200))
    const second = await postForm('/mail/send', { to: 'bob@tor-net', subject: 'second', body: 'b' })
    expect(second.status).toBe(503)
    expect(second.headers['x-tornet-error']).toBe(MAIL_WEB_ERRORS.busy)
    slow.end(body.subarray(20_000))
    expect(await first).toBe(303)
    expect((await postForm('/mail/send', { to: 'bob@tor-net', subject: 'third', body: 'b' })).status).toBe(303)
  })

  it('replies in the thread, to all, and forwards with the attachments', async () => {
    const bytes = randomBytes(5000)
    const s = await me.receive({ from: 'bob@tor-net', to: ['alice@tor-net', 'carol@bit'], cc: ['dave@tor-net'], subject: 'plans', text: 'line 1\nline 2', attachments: [{ filename: 'map.png', contentType: 'image/png', content: bytes }] })
    const original = (await me.read(s.id))!
    const reply = (await call(`/mail/compose?reply=${s.id}`)).text
    expect(reply).toContain('name="to" value="bob@tor-net"')
    expect(reply).toContain('name="cc" value=""')
    expect(reply).toContain('value="Re: plans"')
    expect(reply).toContain('&gt; line 1\n&gt; line 2')
    expect(reply).toContain(`name="in-reply-to" value="${original.messageId.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`)
    const all = (await call(`/mail/compose?reply=${s.id}&all=1`)).text
    expect(all).toContain('name="cc" value="carol@bit, dave@tor-net"')
    const r = await postForm('/mail/send', { to: 'bob@tor-net', subject: 'Re: plans', body: 'ok', 'in-reply-to': original.messageId, references: original.messageId })
    expect(r.status).toBe(303)
    const sentRaw = (await me.raw((await me.list('sent')).messages[0]!.id))!
    expect((await parseRaw(sentRaw)).inReplyTo).toBe(original.messageId)
    const fwd = (await call(`/mail/compose?forward=${s.id}`)).text
    expect(fwd).toContain('value="Fwd: plans"')
    expect(fwd).toContain('Forwarded with 1 attachment: map.png')
    expect(await postForm('/mail/send', { to: 'bob@tor-net', subject: 'Fwd: plans', body: 'fyi', forward: s.id })).toMatchObject({ status: 303 })
    await bob.check()
    const forwarded = (await bob.list('inbox', { search: 'Fwd' })).messages[0]!
    expect((await bob.attachment(forwarded.id, 0))?.content.equals(bytes)).toBe(true)
  })

  it('saves a draft (no recipient needed), opens it again, and sends it: the draft is gone', async () => {
    const saved = await postForm('/mail/send', { action: 'draft', to: '', subject: 'half done', body: 'to be continued' })
    expect(saved.status).toBe(303)
    expect(saved.headers.location).toBe('/mail/f/drafts?done=draft')
    const drafts = await call('/mail/f/drafts?done=draft')
    expect(drafts.text).toContain('Draft saved.')
    const id = idsIn(drafts.text)[0]!
    expect((await call(`/mail/m/${id}`)).text).toContain(`href="/mail/compose?draft=${id}"`)
    const form = (await call(`/mail/compose?draft=${id}`)).text
    expect(form).toContain('value="half done"')
    expect(form).toContain('>to be continued</textarea>')
    expect(form).toContain(`name="draft" value="${id}"`)
    const resaved = await postForm('/mail/send', { action: 'draft', draft: id, to: 'bob@tor-net', subject: 'done now', body: 'finished' })
    expect(resaved.status).toBe(303)
    const page = await me.list('drafts')
    expect(page.messages.map(m => m.subject)).toEqual(['done now'])
    const sent = await postForm('/mail/send', { action: 'send', draft: page.messages[0]!.id, to: 'bob@tor-net', subject: 'done now', body: 'finished' })
    expect(sent.status).toBe(303)
    expect((await me.counts()).drafts.total).toBe(0)
    expect((await me.counts()).trash.total).toBe(0)
    expect((await me.list('sent')).messages.map(m => m.subject)).toEqual(['done now'])
  })

  it('completes addresses from contacts and names as JSON', async () => {
    await me.addContact({ address: 'dave@bit', name: 'Dave Brown' })
    expect(JSON.parse((await call('/mail/complete?q=b')).text)).toEqual({ addresses: ['dave@bit', 'bob@tor-net'] })
    expect(JSON.parse((await call('http://mail.tor-net/complete?q=al')).text)).toEqual({ addresses: ['alice@tor-net'] })
    const compose = await call('/mail/compose?to=bob%40tor-net')
    expect(compose.text).toContain('name="to" value="bob@tor-net"')
    expect(compose.text).toContain('data-complete="/mail/complete"')
    expect(compose.headers['content-security-policy']).toContain("connect-src 'self'")
  })
})

describe('changing mail', () => {
  beforeEach(async () => { await start() })

  it('deletes to the trash, then for good; marks unread; adds and removes contacts', async () => {
    const s = await me.receive({ from: 'bob@tor-net', to: ['alice@tor-net'], subject: 'x', text: 'y' })
    await call(`/mail/m/${s.id}`) // read
    expect(await postUrlencoded(`/mail/m/${s.id}/unread`, {})).toMatchObject({ status: 303 })
    expect((await me.counts()).inbox.unread).toBe(1)
    const del = await postUrlencoded(`/mail/m/${s.id}/delete`, {})
    expect(del.headers.location).toBe('/mail/?done=deleted')
    expect((await me.counts()).trash.total).toBe(1)
    const gone = await postUrlencoded(`/mail/m/${s.id}/delete`, {})
    expect(gone.headers.location).toBe('/mail/f/trash?done=gone')
    expect((await me.counts()).trash.total).toBe(0)
    expect((await postUrlencoded(`/mail/m/${s.id}/delete`, {})).status).toBe(404)
    await postUrlencoded('/mail/contacts/add', { address: 'Zed@tor-net', name: 'Zed' })
    expect((await call('/mail/contacts')).text).toContain('zed@tor-net')
    await postUrlencoded('/mail/contacts/remove', { address: 'zed@tor-net' })
    expect(await me.contacts()).toEqual([])
  })

  it('checks for new mail on request', async () => {
    await bob.send({ to: ['alice@tor-net'], subject: 'ping', text: 'p' })
    expect((await postUrlencoded('/mail/check', {})).headers.location).toBe('/mail/?done=checked')
    expect((await call('/mail/')).text).toContain('ping')
  })
})

describe('forms are refused unless they come from the webmail with its token', () => {
  beforeEach(async () => { await start() })

  it('refuses a missing or foreign Origin, and a missing or wrong token, sending nothing', async () => {
    // [path, Origin (undefined: the right one, null: none), token (undefined: the right one), expected code]
    const cases: Array<[string, string | null | undefined, string | undefined, string]> = [
      ['/mail/send', null, undefined, MAIL_WEB_ERRORS.forbiddenOrigin],
      ['/mail/send', 'http://evil.tor-net', undefined, MAIL_WEB_ERRORS.forbiddenOrigin],
      ['/mail/send', 'http://mail.tor-net', undefined, MAIL_WEB_ERRORS.forbiddenOrigin], // another origin than the one asked
      ['http://mail.tor-net/send', `http://127.0.0.1:${port}`, undefined, MAIL_WEB_ERRORS.forbiddenOrigin],
      ['/mail/send', undefined, 'wrong', MAIL_WEB_ERRORS.badToken],
      ['http://mail.tor-net/send', undefined, '', MAIL_WEB_ERRORS.badToken]
    ]
    for (const [path, o, token, code] of cases) {
      const r = await postForm(path, { to: 'bob@tor-net', subject: 's', body: 'b' }, { origin: o, ...(token === undefined ? {} : { token }) })
      expect(r.status, `${path} from ${String(o)}`).toBe(403)
      expect(r.headers['x-tornet-error']).toBe(code)
    }
    const del = await postUrlencoded('/mail/check', {}, { origin: 'http://evil.bit' })
    expect(del.headers['x-tornet-error']).toBe(MAIL_WEB_ERRORS.forbiddenOrigin)
    expect(me.sends).toHaveLength(0)
    const ok = await postForm('http://mail.tor-net/send', { to: 'bob@tor-net', subject: 's', body: 'b' })
    expect(ok.status).toBe(303)
    expect(ok.headers.location).toBe('/f/sent?done=sent')
  })

  it('refuses its pages to other sites’ fetches and embeds with 403, but opens from a link', async () => {
    for (const path of ['/mail/', 'http://mail.tor-net/', 'http://mail.tor-net/f/inbox']) {
      for (const headers of [{ origin: 'http://evil.tor-net' }, { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }]) {
        const r = await call(path, { headers })
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(403)
        expect(r.headers['x-tornet-error']).toBe(MAIL_WEB_ERRORS.forbiddenOrigin)
        expect(r.headers['access-control-allow-origin']).toBeUndefined()
      }
    }
    const link = await call('http://mail.tor-net/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } })
    expect(link.status).toBe(200)
    expect((await call('/mail/', { headers: { origin } })).status).toBe(200)
  })

  it('answers wrong methods with 405 and an Allow header', async () => {
    const r = await call('/mail/send')
    expect(r.status).toBe(405)
    expect(r.headers.allow).toBe('POST')
    const p = await postUrlencoded('/mail/f/inbox', {})
    expect(p.status).toBe(405)
    expect(p.headers.allow).toBe('GET, HEAD')
  })

  it('sends a name whose record is a mailbox to the compose page on mail.tor-net', async () => {
    const r = await call('http://box.tor-net/')
    expect(r.status).toBe(302)
    expect(r.headers.location).toBe('http://mail.tor-net/compose?to=box%40tor-net')
  })
})
