import { describe, expect, it } from 'vitest'
import { TorNetResolver, type NameTarget } from '../../../src/resolvers/tor-net-resolver.js'
import { ResolverChain, normaliseHost } from '../../../src/resolvers/resolver-chain.js'
import { keyHost } from '../../../src/node/services/tunnels/hidden-address.js'

const REF = 'a'.repeat(56) + '.' + 'b'.repeat(47)

function makeResolver (names: Record<string, NameTarget>, clock = { t: 0 }) {
  const calls: string[] = []
  const r = new TorNetResolver({
    lookupName: async (name) => { calls.push(name); return names[name] },
    isReferenceHost: (host) => host === `${REF}.tor-net`,
    cacheTtlMs: 1000,
    negativeTtlMs: 100,
    now: () => clock.t
  })
  return { r, calls, clock }
}

async function code (p: Promise<unknown>): Promise<string | undefined> {
  try { await p; return undefined } catch (err) { return (err as { code?: string }).code }
}

describe('TorNetResolver', () => {
  it('resolves references directly without a lookup', async () => {
    const { r, calls } = makeResolver({})
    expect(await r.resolve(`${REF}.tor-net`)).toEqual({ kind: 'content', reference: REF })
    expect(calls).toEqual([])
  })

  it('resolves names, sub-domains as folders, and the gateway host', async () => {
    const { r } = makeResolver({ welcome: { kind: 'content', reference: REF } })
    expect(await r.resolve('welcome.tor-net')).toEqual({ kind: 'content', reference: REF })
    expect(await r.resolve('blog.welcome.tor-net')).toEqual({ kind: 'content', reference: REF, path: '/blog/' })
    expect(await r.resolve('a.b.welcome.tor-net')).toEqual({ kind: 'content', reference: REF, path: '/b/a/' })
    expect(await r.resolve('tornet.tor-net')).toEqual({ kind: 'gateway' })
  })

  it('passes mailbox and hidden-service targets through and refuses their sub-domains', async () => {
    const { r } = makeResolver({ box: { kind: 'mailbox', publicKey: 'ab' } })
    expect(await r.resolve('box.tor-net')).toEqual({ kind: 'mailbox', publicKey: 'ab' })
    expect(await code(r.resolve('x.box.tor-net'))).toBe('RESOLVE_NOT_FOUND')
  })

  it('resolves a hidden service\'s own key host without a lookup, and refuses a mistyped one', async () => {
    const { r, calls } = makeResolver({})
    const key = Buffer.alloc(32, 7)
    const host = keyHost(key)
    expect(await r.resolve(host)).toEqual({ kind: 'hidden-service', publicKey: key.toString('hex') })
    expect(r.resolveCached(host)).toEqual({ kind: 'hidden-service', publicKey: key.toString('hex') })
    const typo = (host[0] === 'a' ? 'b' : 'a') + host.slice(1)
    expect(await code(r.resolve(typo))).toBe('RESOLVE_INVALID_NAME')
    expect(calls).toEqual([])
  })

  it('keeps mail.tor-net for the gateway\'s webmail, whoever registers the name "mail"', async () => {
    const { r, calls } = makeResolver({ mail: { kind: 'content', reference: REF } })
    expect(await r.resolve('mail.tor-net')).toEqual({ kind: 'gateway' })
    expect(calls).toEqual([])
  })

  it('caches found names and, for less time, missing ones', async () => {
    const { r, calls, clock } = makeResolver({ welcome: { kind: 'content', reference: REF } })
    await r.resolve('welcome.tor-net')
    await r.resolve('welcome.tor-net')
    expect(calls).toEqual(['welcome'])
    expect(await code(r.resolve('nobody.tor-net'))).toBe('RESOLVE_NOT_FOUND')
    expect(await code(r.resolve('nobody.tor-net'))).toBe('RESOLVE_NOT_FOUND')
    expect(calls).toEqual(['welcome', 'nobody'])
    clock.t += 150
    expect(await code(r.resolve('nobody.tor-net'))).toBe('RESOLVE_NOT_FOUND')
    expect(calls).toEqual(['welcome', 'nobody', 'nobody'])
    clock.t += 2000
    await r.resolve('welcome.tor-net')
    expect(calls.filter(c => c === 'welcome')).toHaveLength(2)
  })

  it('refuses malformed names and reports a failing backend as unavailable', async () => {
    const { r } = makeResolver({})
    expect(await code(r.resolve('bad_name.tor-net'))).toBe('RESOLVE_INVALID_NAME')
    expect(await code(r.resolve('-x.tor-net'))).toBe('RESOLVE_INVALID_NAME')
    expect(await code(r.resolve('.tor-net'))).toBe('RESOLVE_INVALID_NAME')
    const broken = new TorNetResolver({ lookupName: async () => { throw new Error('no peers') }, isReferenceHost: () => false })
    expect(await code(broken.resolve('x.tor-net'))).toBe('RESOLVE_UNAVAILABLE')
  })
})

describe('ResolverChain', () => {
  it('normalises hosts', () => {
    expect(normaliseHost('Welcome.TOR-NET.:80')).toBe('welcome.tor-net')
    expect(normaliseHost('[::1]:80')).toBe('[::1]:80')
  })

  it('dispatches by suffix and refuses other hosts', async () => {
    const { r } = makeResolver({ welcome: { kind: 'content', reference: REF } })
    const chain = new ResolverChain({ torNet: r })
    expect(await chain.resolve('WELCOME.tor-net')).toEqual({ kind: 'content', reference: REF })
    expect(await code(chain.resolve('example.com'))).toBe('RESOLVE_NOT_TORNET')
    expect(await code(chain.resolve('example.bit'))).toBe('RESOLVE_UNAVAILABLE')
    const bit = { resolve: async () => ({ kind: 'clearnet' as const, host: 'example.bit', addresses: ['192.0.2.1'] }) }
    expect(await new ResolverChain({ torNet: r, bit }).resolve('example.bit')).toEqual({ kind: 'clearnet', host: 'example.bit', addresses: ['192.0.2.1'] })
  })
})

describe('TorNetResolver.resolveCached', () => {
  it('knows nothing before a host is resolved, then answers for references and the gateway host without parsing again', async () => {
    let checks = 0
    const r = new TorNetResolver({
      lookupName: async () => undefined,
      isReferenceHost: (host) => { checks++; return host === `${REF}.tor-net` }
    })
    expect(r.resolveCached(`${REF}.tor-net`)).toBeUndefined()
    const first = await r.resolve(`${REF}.tor-net`)
    expect(r.resolveCached(`${REF}.tor-net`)).toBe(first)
    expect(await r.resolve(`${REF}.tor-net`)).toBe(first)
    expect(checks).toBe(1)
    expect(Object.isFrozen(first)).toBe(true)
    await r.resolve('tornet.tor-net')
    expect(r.resolveCached('tornet.tor-net')).toEqual({ kind: 'gateway' })
  })

  it('answers for a name only while its cache entry lives, and follows a changed record', async () => {
    const names: Record<string, NameTarget> = { welcome: { kind: 'content', reference: REF } }
    const { r, calls, clock } = makeResolver(names)
    await r.resolve('blog.welcome.tor-net')
    expect(r.resolveCached('blog.welcome.tor-net')).toEqual({ kind: 'content', reference: REF, path: '/blog/' })
    expect(r.resolveCached('welcome.tor-net')).toBeUndefined() // another host: not resolved yet
    clock.t += 1500 // past cacheTtlMs
    expect(r.resolveCached('blog.welcome.tor-net')).toBeUndefined()
    names.welcome = { kind: 'content', reference: 'c'.repeat(56) }
    expect(await r.resolve('blog.welcome.tor-net')).toEqual({ kind: 'content', reference: 'c'.repeat(56), path: '/blog/' })
    expect(r.resolveCached('blog.welcome.tor-net')).toEqual({ kind: 'content', reference: 'c'.repeat(56), path: '/blog/' })
    expect(calls).toEqual(['welcome', 'welcome'])
  })

  it('never caches failures', async () => {
    const { r } = makeResolver({})
    expect(await code(r.resolve('nobody.tor-net'))).toBe('RESOLVE_NOT_FOUND')
    expect(r.resolveCached('nobody.tor-net')).toBeUndefined()
    expect(await code(r.resolve('bad_name.tor-net'))).toBe('RESOLVE_INVALID_NAME')
    expect(r.resolveCached('bad_name.tor-net')).toBeUndefined()
  })

  it('stays within maxCacheEntries hosts', async () => {
    const r = new TorNetResolver({
      lookupName: async (name) => ({ kind: 'content', reference: name }),
      isReferenceHost: () => false,
      maxCacheEntries: 3
    })
    for (const n of ['a', 'b', 'c', 'd']) await r.resolve(`${n}.tor-net`)
    expect(r.resolveCached('a.tor-net')).toBeUndefined()
    expect(r.resolveCached('d.tor-net')).toEqual({ kind: 'content', reference: 'd' })
  })
})

describe('ResolverChain.resolveCached', () => {
  it('asks the scheme of the suffix, and nothing for other hosts', async () => {
    const { r } = makeResolver({ welcome: { kind: 'content', reference: REF } })
    const bitTarget = { kind: 'content' as const, reference: REF }
    const bit = { resolve: async () => bitTarget, resolveCached: (host: string) => host === 'cached.bit' ? bitTarget : undefined }
    const chain = new ResolverChain({ torNet: r, bit })
    expect(chain.resolveCached('welcome.tor-net')).toBeUndefined()
    await chain.resolve('Welcome.TOR-NET')
    expect(chain.resolveCached('welcome.tor-net')).toEqual({ kind: 'content', reference: REF })
    expect(chain.resolveCached('cached.bit')).toBe(bitTarget)
    expect(chain.resolveCached('other.bit')).toBeUndefined()
    expect(chain.resolveCached('example.com')).toBeUndefined()
    expect(new ResolverChain({ torNet: r }).resolveCached('cached.bit')).toBeUndefined()
  })
})
