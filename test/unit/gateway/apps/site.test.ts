import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { BIG_FILE_SIZE, FAKE_REFERENCE_HOST, createFakeNetwork, type FakeSiteContent } from '../../../helpers/fake-site-content.js'
import { httpRequest, proxyGet, sha256 } from '../clients.js'

let gateway: Gateway
let content: FakeSiteContent
let files: Map<string, Buffer>
let port: number

beforeAll(async () => {
  const net = createFakeNetwork()
  content = net.content
  files = net.files
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  port = gateway.address.port
})

afterAll(async () => {
  await gateway.close()
})

describe('site files', () => {
  it('serves index.html for the root, with its type, an ETag and a short max-age for a name', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/')
    expect(r.status).toBe(200)
    expect(r.body.equals(files.get('index.html')!)).toBe(true)
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(r.headers.etag).toMatch(/^"[0-9a-f]{64}"$/)
    expect(r.headers['cache-control']).toBe('public, max-age=60')
    expect(r.headers['accept-ranges']).toBe('bytes')
  })

  it('marks content addresses immutable', async () => {
    const r = await proxyGet(port, `http://${FAKE_REFERENCE_HOST}/style.css`)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('streams a 5 MiB file byte-exact, through a name and through .bit', async () => {
    for (const url of ['http://site.tor-net/media/big.bin', 'http://site.bit/media/big.bin']) {
      const r = await proxyGet(port, url)
      expect(r.status).toBe(200)
      expect(r.headers['content-length']).toBe(String(BIG_FILE_SIZE))
      expect(r.headers['content-type']).toBe('application/octet-stream')
      expect(sha256(r.body)).toBe(sha256(files.get('media/big.bin')!))
    }
  })

  it('answers a Range request with 206 and exactly those bytes', async () => {
    const big = files.get('media/big.bin')!
    const r = await proxyGet(port, 'http://site.tor-net/media/big.bin', { range: 'bytes=100-199' })
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 100-199/${BIG_FILE_SIZE}`)
    expect(r.body.equals(big.subarray(100, 200))).toBe(true)
    const tail = await proxyGet(port, 'http://site.tor-net/media/big.bin', { range: 'bytes=-70000' })
    expect(tail.status).toBe(206)
    expect(tail.body.equals(big.subarray(big.length - 70000))).toBe(true)
    const across = await proxyGet(port, 'http://site.tor-net/media/big.bin', { range: 'bytes=65530-131080' })
    expect(across.body.equals(big.subarray(65530, 131081))).toBe(true)
  })

  it('answers 416 with the size for a range past the end', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/style.css', { range: 'bytes=5000-' })
    expect(r.status).toBe(416)
    expect(r.headers['content-range']).toBe(`bytes */${files.get('style.css')!.length}`)
  })

  it('sends the whole file when If-Range names another version', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/style.css', { range: 'bytes=0-3', 'if-range': '"old"' })
    expect(r.status).toBe(200)
    expect(r.body.equals(files.get('style.css')!)).toBe(true)
  })

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await proxyGet(port, 'http://site.tor-net/style.css')
    const again = await proxyGet(port, 'http://site.tor-net/style.css', { 'if-none-match': first.headers.etag! })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
    expect(again.headers.etag).toBe(first.headers.etag)
  })

  it('answers HEAD with the headers of GET and no body', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/media/big.bin', {}, 'HEAD')
    expect(r.status).toBe(200)
    expect(r.headers['content-length']).toBe(String(BIG_FILE_SIZE))
    expect(r.body.length).toBe(0)
  })

  it('serves an empty file and a file without extension', async () => {
    const empty = await proxyGet(port, 'http://site.tor-net/empty.txt')
    expect(empty.status).toBe(200)
    expect(empty.headers['content-length']).toBe('0')
    const noext = await proxyGet(port, 'http://site.tor-net/noext')
    expect(noext.headers['content-type']).toBe('application/octet-stream')
  })

  it('gives video a media type, and lets it seek', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/media/clip.mp4', { range: 'bytes=1000-' })
    expect(r.status).toBe(206)
    expect(r.headers['content-type']).toBe('video/mp4')
    expect(r.body.equals(files.get('media/clip.mp4')!.subarray(1000))).toBe(true)
  })

  it('refuses methods other than GET and HEAD with 405 and Allow', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/style.css', {}, 'POST')
    expect(r.status).toBe(405)
    expect(r.headers.allow).toBe('GET, HEAD')
  })

  it('does not leave reads running', () => {
    expect(content.activeReads).toBe(0)
  })
})

describe('site directories', () => {
  it('redirects a directory without its slash', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/docs?x=1')
    expect(r.status).toBe(301)
    expect(r.headers.location).toBe('/docs/?x=1')
  })

  // Issue 12, item 13a: "//docs/" in Location is a protocol-relative URL: the browser goes to http://docs/.
  it('never redirects to a protocol-relative URL (leading slashes collapse)', async () => {
    const cases: Array<[string, string]> = [
      ['http://site.tor-net/.//docs', '/docs/'],
      ['http://site.tor-net/.///docs/sub?x=1', '/docs/sub/?x=1'],
      ['http://site.tor-net/..//docs', '/docs/'],
      ['http://site.tor-net/%2e//docs', '/docs/']
    ]
    for (const [url, location] of cases) {
      const r = await proxyGet(port, url)
      expect(r.status, url).toBe(301)
      expect(r.headers.location, url).toBe(location)
    }
    const direct = await httpRequest(port, '/.//docs', { host: 'site.tor-net' })
    expect(direct.status).toBe(301)
    expect(direct.headers.location).toBe('/docs/')
  })

  it('lists a directory without index.html, names escaped', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/docs/')
    expect(r.status).toBe(200)
    const html = r.body.toString()
    expect(html).toContain('readme.txt')
    expect(html).toContain('sub/')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.txt')
    expect(html).not.toContain('<img')
    expect(html).toContain('ünïcödé &amp; more.txt')
    expect(r.headers.etag).toBeDefined()
  })

  it('serves names with unicode and escaped characters from their percent-encoded URL', async () => {
    const r = await proxyGet(port, `http://site.tor-net/docs/${encodeURIComponent('ünïcödé & more.txt')}`)
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('unicode\n')
  })

  it('follows the path of a name record', async () => {
    const r = await proxyGet(port, 'http://docs.tor-net/readme.txt')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('Read me.\n')
  })

  it('answers 404 for a file used as a directory', async () => {
    const r = await proxyGet(port, 'http://site.tor-net/style.css/')
    expect(r.status).toBe(404)
  })
})

describe('site errors are pages with the right status', () => {
  const cases: Array<[string, number, string]> = [
    ['http://nope.tor-net/', 404, 'RESOLVE_NOT_FOUND'],
    ['http://expired.bit/', 410, 'RESOLVE_EXPIRED'],
    ['http://slow.tor-net/', 504, 'RESOLVE_TIMEOUT'],
    ['http://down.tor-net/', 502, 'RESOLVE_UNAVAILABLE'],
    ['http://site.tor-net/missing.html', 404, 'CONTENT_NOT_FOUND'],
    ['http://site.tor-net/unreachable.txt', 502, 'CONTENT_UNREACHABLE'],
    ['http://site.tor-net/timeout.txt', 504, 'CONTENT_TIMEOUT'],
    ['http://onion.bit/', 501, 'GATEWAY_UNSUPPORTED_NETWORK'],
    ['http://local.bit/', 403, 'GATEWAY_CLEARNET_REFUSED'],
    ['http://box.tor-net/', 501, 'GATEWAY_NO_APP'],
    ['http://mail.tor-net/', 501, 'GATEWAY_NO_APP'], // kept by the gateway for its webmail, not installed here
    ['http://example.com/', 403, 'GATEWAY_NOT_TORNET'],
    ['http://site.tor-net/a%2Fb', 400, 'GATEWAY_BAD_REQUEST']
  ]
  for (const [url, status, code] of cases) {
    it(`${url} → ${status} ${code}`, async () => {
      const r = await proxyGet(port, url)
      expect(r.status).toBe(status)
      expect(r.headers['x-tornet-error']).toBe(code)
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(r.body.toString()).toMatch(/<h1>.+<\/h1>/)
    })
  }

  it('tells the user to open a Tor address in Tor Browser', async () => {
    const r = await proxyGet(port, 'http://onion.bit/')
    expect(r.body.toString()).toContain('Tor Browser')
    expect(r.body.toString()).toContain('abcdefghijklmnop.onion')
  })

  it('cuts the connection when content fails after the response started', async () => {
    await expect(proxyGet(port, 'http://site.tor-net/broken/half.bin')).rejects.toThrow()
    const after = await proxyGet(port, 'http://site.tor-net/style.css')
    expect(after.status).toBe(200)
  })
})
