import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
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

describe('the request dispatcher', () => {
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
