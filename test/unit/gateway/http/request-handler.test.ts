import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { destinationOf } from '../../../../src/gateway/http/request-handler.js'
import type { ResolveTarget } from '../../../../src/gateway/ports.js'
import { FAKE_REFERENCE, FakeResolver, FakeSiteContent } from '../../../helpers/fake-site-content.js'
import { proxyGet } from '../clients.js'

/** FakeResolver with a cache the gateway can read without waiting. */
class CachingFakeResolver extends FakeResolver {
  readonly cached = new Map<string, ResolveTarget>()
  cachedCalls = 0

  resolveCached (host: string): ResolveTarget | undefined {
    this.cachedCalls++
    return this.cached.get(host)
  }
}

function fakeRequest (url: string, host?: string): IncomingMessage {
  return { url, headers: host === undefined ? {} : { host }, socket: {} as Socket } as unknown as IncomingMessage
}

describe('the request handler', () => {
  let gateway: Gateway
  let resolver: CachingFakeResolver

  beforeAll(async () => {
    resolver = new CachingFakeResolver()
    gateway = await createGateway({ port: 0, resolver, content: new FakeSiteContent() })
  })

  afterAll(async () => {
    await gateway.close()
  })

  it('takes a target the resolver has cached without calling resolve()', async () => {
    resolver.cached.set('cached.tor-net', { kind: 'content', reference: FAKE_REFERENCE })
    const before = resolver.calls
    const r = await proxyGet(gateway.address.port, 'http://cached.tor-net/style.css')
    expect(r.status).toBe(200)
    expect(r.headers['cache-control']).toBe('public, max-age=60') // a name, not the content address
    expect(resolver.calls).toBe(before)
    expect(resolver.cachedCalls).toBeGreaterThan(0)
  })

  it('calls resolve() when the cache has nothing, and still maps its errors to pages', async () => {
    const before = resolver.calls
    expect((await proxyGet(gateway.address.port, 'http://site.tor-net/style.css')).status).toBe(200)
    expect((await proxyGet(gateway.address.port, 'http://nope.tor-net/')).status).toBe(404)
    expect(resolver.calls).toBe(before + 2)
  })
})

describe('destinationOf', () => {
  it('gives the same answer for a URL seen before, and a fresh object each time', () => {
    const url = `http://${FAKE_REFERENCE}.tor-net/a/./b/../c?x=1`
    const first = destinationOf(fakeRequest(url))
    const second = destinationOf(fakeRequest(url))
    expect(first).toEqual({ host: `${FAKE_REFERENCE}.tor-net`, port: 80, via: 'http-proxy', pathname: '/a/c', search: '?x=1' })
    expect(second).toEqual(first)
    expect(second).not.toBe(first)
    const origin = destinationOf(fakeRequest('/p?q', 'Site.Tor-Net:8080'))
    expect(origin).toEqual({ host: 'site.tor-net', port: 8080, via: 'direct', pathname: '/p', search: '?q' })
    expect(destinationOf(fakeRequest('/p?q', 'other.tor-net')).host).toBe('other.tor-net')
    expect(destinationOf(fakeRequest('/p?q')).host).toBe('')
  })

  it('refuses a bad target every time, not only the first', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => destinationOf(fakeRequest('https://site.tor-net/'))).toThrow(expect.objectContaining({ code: 'GATEWAY_NO_TLS' }))
      expect(() => destinationOf(fakeRequest('//x'))).toThrow(expect.objectContaining({ code: 'GATEWAY_BAD_REQUEST' }))
      expect(() => destinationOf(fakeRequest('/', 'bad host!'))).toThrow(expect.objectContaining({ code: 'GATEWAY_BAD_REQUEST' }))
    }
  })
})

describe('a proxy request for the gateway itself', () => {
  it('reaches its own pages on the port it was given by the system (port 0)', async () => {
    const gateway = await createGateway({ port: 0, resolver: new FakeResolver(), content: new FakeSiteContent() })
    try {
      const r = await proxyGet(gateway.address.port, `http://127.0.0.1:${gateway.address.port}/proxy.pac`)
      expect(r.status).toBe(200)
      expect(r.body.toString()).toContain('FindProxyForURL')
    } finally {
      await gateway.close()
    }
  })
})
