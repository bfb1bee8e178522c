import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway, type GatewayLimits } from '../../../../src/gateway/index.js'
import type { ByteRange, ContentStat, DirectoryEntry, SiteContent } from '../../../../src/gateway/ports.js'
import { FAKE_REFERENCE, FAKE_REFERENCE_HOST, FakeResolver, FakeSiteContent } from '../../../helpers/fake-site-content.js'
import { proxyGet, type Reply } from '../clients.js'

/** Counts what the gateway asks the content layer, and can cut a file short once. */
class CountingContent implements SiteContent {
  stats = 0
  reads = 0
  readonly shortOnce = new Set<string>()

  constructor (private readonly inner: SiteContent) {}

  async stat (reference: string, path: string, signal?: AbortSignal): Promise<ContentStat> {
    this.stats++
    return await this.inner.stat(reference, path, signal)
  }

  list (reference: string, path: string, signal?: AbortSignal): AsyncIterable<DirectoryEntry> {
    return this.inner.list(reference, path, signal)
  }

  async * read (reference: string, path: string, range: ByteRange | undefined, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    this.reads++
    if (this.shortOnce.delete(path)) {
      for await (const chunk of this.inner.read(reference, path, range, signal)) {
        yield chunk.subarray(0, chunk.length - 1) // one byte short: the gateway must not keep this
        return
      }
    }
    yield * this.inner.read(reference, path, range, signal)
  }
}

const OTHER_REFERENCE = 'q'.repeat(52) + '.' + 'r'.repeat(52)

let fake: FakeSiteContent
let files: Map<string, Buffer>
let resolver: FakeResolver

async function start (limits: Partial<GatewayLimits> = {}): Promise<{ gateway: Gateway, content: CountingContent }> {
  const content = new CountingContent(fake)
  const gateway = await createGateway({ port: 0, resolver, content, limits })
  return { gateway, content }
}

function sameAnswer (a: Reply, b: Reply): void {
  expect(b.status).toBe(a.status)
  expect(b.body.equals(a.body)).toBe(true)
  const { date: _a, ...aHeaders } = a.headers
  const { date: _b, ...bHeaders } = b.headers
  expect(bHeaders).toEqual(aHeaders)
}

beforeAll(() => {
  fake = new FakeSiteContent()
  files = fake.files
  files.set('small.css', Buffer.from('p { margin: 0 }\n'))
})

describe('the gateway keeps small files it has served whole', () => {
  let gateway: Gateway
  let content: CountingContent
  let port: number

  beforeEach(async () => {
    resolver = new FakeResolver()
    ;({ gateway, content } = await start())
    port = gateway.address.port
    return async () => { await gateway.close() }
  })

  it('answers a page served before without asking the content layer, byte for byte as before', async () => {
    const first = await proxyGet(port, `http://${FAKE_REFERENCE_HOST}/`)
    expect(first.status).toBe(200)
    expect(first.body.equals(files.get('index.html')!)).toBe(true)
    const asked = { stats: content.stats, reads: content.reads }
    const again = await proxyGet(port, `http://${FAKE_REFERENCE_HOST}/`)
    sameAnswer(first, again)
    expect({ stats: content.stats, reads: content.reads }).toEqual(asked)
  })

  it('shares an entry between a name and the content address, each with its own cache policy', async () => {
    const byName = await proxyGet(port, 'http://site.tor-net/style.css')
    const reads = content.reads
    const byAddress = await proxyGet(port, `http://${FAKE_REFERENCE_HOST}/style.css`)
    expect(content.reads).toBe(reads)
    expect(byAddress.body.equals(byName.body)).toBe(true)
    expect(byName.headers['cache-control']).toBe('public, max-age=60')
    expect(byAddress.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(byAddress.headers.etag).toBe(byName.headers.etag)
  })

  it('answers If-None-Match, Range, If-Range, HEAD and a range past the end from the cache as it does uncached', async () => {
    const url = 'http://site.tor-net/small.css'
    const uncached = {
      range: await proxyGet(port, url, { range: 'bytes=2-5' }),
      head: await proxyGet(port, url, {}, 'HEAD'),
      past: await proxyGet(port, url, { range: 'bytes=900-' })
    }
    const full = await proxyGet(port, url) // the first whole GET: now it is kept
    const reads = content.reads
    const etag = full.headers.etag!
    const cached = {
      range: await proxyGet(port, url, { range: 'bytes=2-5' }),
      head: await proxyGet(port, url, {}, 'HEAD'),
      past: await proxyGet(port, url, { range: 'bytes=900-' })
    }
    sameAnswer(uncached.range, cached.range)
    expect(cached.range.status).toBe(206)
    expect(cached.range.body.toString()).toBe('{ ma')
    sameAnswer(uncached.head, cached.head)
    expect(cached.head.body.length).toBe(0)
    expect(cached.past.status).toBe(416)
    expect(cached.past.headers['content-range']).toBe(uncached.past.headers['content-range'])
    expect(cached.past.headers['x-tornet-error']).toBe('GATEWAY_RANGE_NOT_SATISFIABLE')
    const notModified = await proxyGet(port, url, { 'if-none-match': etag })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.etag).toBe(etag)
    const otherVersion = await proxyGet(port, url, { range: 'bytes=0-1', 'if-range': '"old"' })
    expect(otherVersion.status).toBe(200)
    expect(otherVersion.body.equals(full.body)).toBe(true)
    expect(content.reads).toBe(reads)
  })

  it('keeps only whole GETs: HEAD and ranges do not fill the cache', async () => {
    const url = 'http://site.tor-net/small.css'
    await proxyGet(port, url, {}, 'HEAD')
    await proxyGet(port, url, { range: 'bytes=0-3' })
    const reads = content.reads
    await proxyGet(port, url)
    expect(content.reads).toBe(reads + 1)
  })

  it('does not keep a file the content layer delivered short', async () => {
    content.shortOnce.add('small.css')
    await expect(proxyGet(port, 'http://site.tor-net/small.css')).rejects.toThrow()
    const reads = content.reads
    const r = await proxyGet(port, 'http://site.tor-net/small.css')
    expect(r.status).toBe(200)
    expect(r.body.equals(files.get('small.css')!)).toBe(true)
    expect(content.reads).toBe(reads + 1)
  })

  it('streams large files every time', async () => {
    await proxyGet(port, 'http://site.tor-net/media/clip.mp4')
    const reads = content.reads
    const r = await proxyGet(port, 'http://site.tor-net/media/clip.mp4')
    expect(r.body.equals(files.get('media/clip.mp4')!)).toBe(true)
    expect(content.reads).toBe(reads + 1)
  })

  it('follows a name to its new content: entries belong to references, not names', async () => {
    const old = await proxyGet(port, 'http://site.tor-net/style.css')
    expect(old.status).toBe(200)
    resolver.records.set('site.tor-net', { kind: 'content', reference: OTHER_REFERENCE })
    const moved = await proxyGet(port, 'http://site.tor-net/style.css')
    expect(moved.status).toBe(502) // the fake has no provider for the other reference
  })

  it('keeps a name record\'s base path apart from the same pathname on the site itself', async () => {
    const viaName = await proxyGet(port, 'http://docs.tor-net/readme.txt')
    expect(viaName.body.toString()).toBe('Read me.\n')
    const direct = await proxyGet(port, `http://${FAKE_REFERENCE_HOST}/readme.txt`)
    expect(direct.status).toBe(404)
  })
})

describe('with the file cache turned off', () => {
  let gateway: Gateway
  let content: CountingContent

  beforeAll(async () => {
    resolver = new FakeResolver(FAKE_REFERENCE)
    ;({ gateway, content } = await start({ fileCacheBytes: 0 }))
  })

  afterAll(async () => {
    await gateway.close()
  })

  it('reads the file again for every request', async () => {
    const port = gateway.address.port
    await proxyGet(port, 'http://site.tor-net/small.css')
    const reads = content.reads
    await proxyGet(port, 'http://site.tor-net/small.css')
    expect(content.reads).toBe(reads + 1)
  })
})
