/**
 * The dashboard end to end: a real gateway (node:http behind the mixed
 * port) with the dashboard installed over a fake node, driven with undici's
 * fetch and FormData, and raw requests for bodies no client would send.
 */
import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FormData, fetch } from 'undici'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installDashboard, type Dashboard } from '../../../../src/gateway/apps/dashboard/index.js'
import { DASHBOARD_ERRORS } from '../../../../src/gateway/apps/dashboard/errors.js'
import { createFakeNetwork, pseudoRandomBytes } from '../../../helpers/fake-site-content.js'
import { httpRequest, proxyGet } from '../clients.js'
import { fakePort, type FakePort } from './fake-port.js'

let gateway: Gateway
let port: FakePort
let dashboard: Dashboard
let base: string

async function start (opts: { names?: boolean, maxUploadBytes?: number } = {}): Promise<void> {
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  port = fakePort({ names: opts.names })
  dashboard = installDashboard(gateway.local, port, { maxUploadBytes: opts.maxUploadBytes })
  base = `http://127.0.0.1:${gateway.address.port}`
}

beforeEach(async () => { await start({ names: true }) })
afterEach(async () => { await gateway.close() })

function file (bytes: Uint8Array, name: string): File {
  return new File([new Uint8Array(bytes)], name, { type: 'application/octet-stream' })
}

/** Bytes that contain CRLFs and dashes, like a boundary's start. */
function awkward (length: number, seed: number): Buffer {
  const b = Buffer.from(pseudoRandomBytes(Math.ceil(length / 4) * 4, seed).subarray(0, length))
  for (let i = 0; i + 4 < length; i += 997) b.write('\r\n--', i, 'latin1')
  return b
}

async function post (form: FormData, headers: Record<string, string> = { origin: base }): Promise<Response> {
  return await fetch(`${base}/publish`, { method: 'POST', body: form, headers, redirect: 'manual' }) as unknown as Response
}

function tokenForm (token = dashboard.token): FormData {
  const form = new FormData()
  form.append('csrf', token)
  return form
}

/** A hand-made request, for bodies fetch would never send. */
function rawPost (path: string, headers: Record<string, string>, body: Buffer | Buffer[]): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gateway.address.port, path, method: 'POST', headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    for (const b of Array.isArray(body) ? body : [body]) req.write(b)
    req.end()
  })
}

describe('dashboard page and status', () => {
  it('serves the page at / with every panel, and through the proxy at tornet.tor-net', async () => {
    const res = await fetch(`${base}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    const html = await res.text()
    for (const id of ['node', 'peers', 'storage', 'traffic', 'published', 'publish', 'setup']) expect(html).toContain(`id="${id}"`)
    expect(html).toContain(`value="${dashboard.token}"`)
    expect(html).toContain(`http://127.0.0.1:${gateway.address.port}/proxy.pac`)
    const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1]!
    expect(html).toContain(`<script nonce="${nonce}">`)

    const viaProxy = await proxyGet(gateway.address.port, 'http://tornet.tor-net/')
    expect(viaProxy.status).toBe(200)
    expect(viaProxy.body.toString()).toContain('id="publish"')
  })

  it('refuses the page and /api/status to other sites’ fetches and embeds with 403, but opens from a link', async () => {
    const cases: Array<Record<string, string>> = [
      { origin: 'http://evil.tor-net' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }
    ]
    for (const path of ['/', '/api/status']) {
      for (const headers of cases) {
        const res = await fetch(`${base}${path}`, { headers })
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403)
        expect(res.headers.get('x-tornet-error')).toBe(DASHBOARD_ERRORS.forbiddenOrigin)
        expect(res.headers.get('access-control-allow-origin')).toBeNull()
        expect(await res.text()).not.toContain(dashboard.token)
      }
    }
    const viaProxy = await proxyGet(gateway.address.port, 'http://tornet.tor-net/api/status', { origin: 'http://evil.tor-net' })
    expect(viaProxy.status).toBe(403)
    // (fetch() would put its own Sec-Fetch-Mode: cors over a navigation's)
    const link = await httpRequest(gateway.address.port, '/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })
    expect(link.status).toBe(200)
    const own = await fetch(`${base}/api/status`, { headers: { origin: base, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' } })
    expect(own.status).toBe(200)
  })

  it('answers /api/status with everything as JSON', async () => {
    const res = await fetch(`${base}/api/status`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const json = await res.json() as Record<string, unknown>
    expect(Object.keys(json).sort()).toEqual(['errors', 'names', 'peers', 'published', 'sections', 'status', 'storage', 'traffic'])
    expect(json.status).toEqual(port.statusValue)
    expect(json.peers).toEqual(port.peersValue)
    expect(json.storage).toEqual(port.storageValue)
    expect(json.traffic).toEqual(port.trafficValue)
    expect(json.published).toEqual(port.publishedValue)
    expect(json.errors).toEqual({})
    expect(JSON.stringify(json)).not.toContain(dashboard.token)
  })

  it('reports a failing reading in errors and keeps the rest', async () => {
    port.peers = () => { throw Object.assign(new Error('gone'), { code: 'NODE_STOPPED' }) }
    const json = await (await fetch(`${base}/api/status`)).json() as Record<string, unknown>
    expect(json.peers).toBeNull()
    expect(json.errors).toEqual({ peers: 'NODE_STOPPED' })
    expect(json.status).toEqual(port.statusValue)
    const html = await (await fetch(`${base}/`)).text()
    expect(html).toContain('NODE_STOPPED')
  })

  it('shows registered sections, and a notice for one that fails', async () => {
    dashboard.registerSection({ id: 'mail', title: 'Mail', render: async () => '<p>2 unread</p>' })
    dashboard.registerSection({ id: 'radio', title: 'Radio', render: async () => { throw Object.assign(new Error('x'), { code: 'RADIO_DOWN' }) } })
    const html = await (await fetch(`${base}/`)).text()
    expect(html).toContain('<section class="card" id="mail"><h2>Mail</h2>\n<p>2 unread</p>')
    expect(html).toContain('id="radio"')
    expect(html).toContain('<code>RADIO_DOWN</code>')
    expect(() => dashboard.registerSection({ id: 'peers', title: 'x', render: async () => '' })).toThrow(expect.objectContaining({ code: DASHBOARD_ERRORS.invalidSection }))
    expect(dashboard.unregisterSection('mail')).toBe(true)
    expect(await (await fetch(`${base}/`)).text()).not.toContain('2 unread')
  })
})

describe('POST /publish', () => {
  it('streams a folder and files to the node byte-exact, then redirects to the new URL', async () => {
    const index = awkward(300_000, 1)
    const css = awkward(5_000, 2)
    const single = awkward(70_001, 3)
    const form = tokenForm()
    form.append('title', 'My <site>')
    form.append('name', 'mysite')
    form.append('folder', file(index, 'site/index.html'))
    form.append('folder', file(css, 'site/css/main.css'))
    form.append('folder', file(new Uint8Array(0), 'site/empty.txt'))
    form.append('files', file(single, 'notes "v2".bin'))
    const res = await post(form)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/?published=ref1.x')

    expect(port.uploads).toHaveLength(1)
    const upload = port.uploads[0]!
    expect(upload.title).toBe('My <site>')
    expect(upload.files.map(f => f.path)).toEqual(['index.html', 'css/main.css', 'empty.txt', 'notes "v2".bin'])
    expect(upload.files[0]!.bytes.equals(index)).toBe(true)
    expect(upload.files[1]!.bytes.equals(css)).toBe(true)
    expect(upload.files[2]!.bytes.length).toBe(0)
    expect(upload.files[3]!.bytes.equals(single)).toBe(true)

    await Promise.all(dashboard.names.list().map(j => j.done))
    expect(port.registered).toEqual([{ name: 'mysite', reference: 'ref1.x' }])

    const page = await (await fetch(`${base}/?published=ref1.x`)).text()
    expect(page).toContain('<a href="http://ref1.x.tor-net/">http://ref1.x.tor-net/</a>')
    expect(page).toContain('My &lt;site&gt;')
    expect(page).toContain('http://mysite.tor-net/')
  })

  it('uses the page’s folder-paths for browsers that send only a folder file’s own name', async () => {
    const form = tokenForm()
    form.append('folder-paths', 'site/index.html\nsite/img/logo.png')
    form.append('folder', file(Buffer.from('<h1>hi</h1>'), 'index.html'))
    form.append('folder', file(Buffer.from('PNG'), 'logo.png'))
    form.append('files', file(new Uint8Array(0), '')) // the other input, left empty
    expect((await post(form)).status).toBe(303)
    expect(port.uploads[0]!.files.map(f => f.path)).toEqual(['index.html', 'img/logo.png'])
    expect(port.uploads[0]!.title).toBe('site')
  })

  it('accepts the token in a header, from scripts', async () => {
    const form = new FormData()
    form.append('files', file(Buffer.from('x'), 'x.txt'))
    expect((await post(form, { origin: base, 'x-tornet-csrf': dashboard.token })).status).toBe(303)
    expect(port.uploads[0]!.files.map(f => f.path)).toEqual(['x.txt'])
  })

  it('refuses a missing or wrong token, and foreign or missing origins, with 403', async () => {
    const cases: Array<[FormData, Record<string, string>, string]> = [
      [new FormData(), { origin: base }, DASHBOARD_ERRORS.badToken],
      [tokenForm('wrong'), { origin: base }, DASHBOARD_ERRORS.badToken],
      [tokenForm(), { origin: 'http://evil.example' }, DASHBOARD_ERRORS.forbiddenOrigin],
      [tokenForm(), { origin: 'null' }, DASHBOARD_ERRORS.forbiddenOrigin],
      [tokenForm(), { referer: 'http://evil.example/x' }, DASHBOARD_ERRORS.forbiddenOrigin],
      [tokenForm(), {}, DASHBOARD_ERRORS.forbiddenOrigin]
    ]
    for (const [form, headers, code] of cases) {
      form.append('files', file(awkward(200_000, 9), 'a.bin'))
      const res = await post(form, headers)
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(res.headers.get('x-tornet-error')).toBe(code)
      expect(await res.text()).toContain('<h1>Refused')
    }
    expect(port.uploads).toHaveLength(0)
    // Referer alone, from the dashboard itself, is enough
    const ok = tokenForm()
    ok.append('files', file(Buffer.from('y'), 'y.txt'))
    expect((await post(ok, { referer: `${base}/` })).status).toBe(303)
  })

  it('accepts a publish through the proxy from the tornet.tor-net page', async () => {
    const boundary = 'b0und'
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${dashboard.token}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="p.txt"\r\n\r\nproxied\r\n--${boundary}--\r\n`)
    const res = await rawPost('http://tornet.tor-net/publish', {
      host: 'tornet.tor-net', origin: 'http://tornet.tor-net', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length)
    }, body)
    expect(res.status).toBe(303)
    expect(port.uploads[0]!.files[0]!.bytes.toString()).toBe('proxied')
  })

  it('answers a malformed body with a 400 page', async () => {
    const headers = { origin: base, 'content-type': 'multipart/form-data; boundary=zzz' }
    const noBoundary = await rawPost('/publish', headers, Buffer.from('this is not multipart at all'))
    expect(noBoundary.status).toBe(400)
    expect(noBoundary.headers['x-tornet-error']).toBe(DASHBOARD_ERRORS.malformed)
    expect(noBoundary.body).toContain('Malformed upload')

    const missing = await rawPost('/publish', { origin: base, 'content-type': 'multipart/form-data' }, Buffer.from('x'))
    expect(missing.status).toBe(400)
    expect(missing.headers['x-tornet-error']).toBe(DASHBOARD_ERRORS.notMultipart)

    const truncated = await rawPost('/publish', headers,
      Buffer.from(`--zzz\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${dashboard.token}\r\n--zzz\r\nContent-Disposition: form-data; name="files"; filename="t.txt"\r\n\r\npartial`))
    expect(truncated.status).toBe(400)
    expect(truncated.headers['x-tornet-error']).toBe(DASHBOARD_ERRORS.truncated)
    expect(port.uploads.every(u => u.files.length === 0)).toBe(true) // the port never saw a whole file

    const dup = tokenForm()
    dup.append('files', file(Buffer.from('1'), 'same.txt'))
    dup.append('files', file(Buffer.from('2'), 'same.txt'))
    const res = await post(dup)
    expect(res.status).toBe(400)
    expect(res.headers.get('x-tornet-error')).toBe(DASHBOARD_ERRORS.duplicatePath)

    const none = tokenForm()
    none.append('files', file(new Uint8Array(0), ''))
    expect((await post(none)).headers.get('x-tornet-error')).toBe(DASHBOARD_ERRORS.noFiles)
  })

  it('refuses an upload over the size limit with 413, declared or streamed', async () => {
    await gateway.close()
    await start({ maxUploadBytes: 50_000 })
    const form = tokenForm()
    form.append('files', file(awkward(60_000, 4), 'big.bin'))
    const declared = await post(form)
    expect(declared.status).toBe(413)
    expect(declared.headers.get('x-tornet-error')).toBe(DASHBOARD_ERRORS.tooLarge)

    // chunked, no Content-Length: found out while streaming
    const head = Buffer.from(`--q\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${dashboard.token}\r\n--q\r\nContent-Disposition: form-data; name="files"; filename="s.bin"\r\n\r\n`)
    const streamed = await rawPost('/publish', { origin: base, 'content-type': 'multipart/form-data; boundary=q', 'transfer-encoding': 'chunked' },
      [head, ...Array.from({ length: 8 }, () => Buffer.alloc(10_000, 0x61)), Buffer.from('\r\n--q--')])
    expect(streamed.status).toBe(413)
    expect(streamed.headers['x-tornet-error']).toBe(DASHBOARD_ERRORS.tooLarge)
    expect(port.uploads).toHaveLength(0)
  })

  it('turns a failure of the node into a 502 page', async () => {
    port.publishError = Object.assign(new Error('store is full'), { code: 'STORE_FULL' })
    const form = tokenForm()
    form.append('files', file(Buffer.from('z'), 'z.txt'))
    const res = await post(form)
    expect(res.status).toBe(502)
    expect(res.headers.get('x-tornet-error')).toBe(DASHBOARD_ERRORS.publishFailed)
    const html = await res.text()
    expect(html).toContain('store is full')
    expect(html).toContain('STORE_FULL')
  })

  it('allows POST only', async () => {
    const res = await fetch(`${base}/publish`)
    expect(res.status).toBe(405)
  })
})
