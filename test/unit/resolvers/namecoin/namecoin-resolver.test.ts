import { describe, expect, it } from 'vitest'
import { TornetError, isTornetError } from '../../../../src/node/errors.js'
import { NamecoinResolver } from '../../../../src/resolvers/namecoin/namecoin-resolver.js'
import type { NameRecord, NameSource } from '../../../../src/resolvers/namecoin/name-source.js'
import { RESOLVE_ERRORS, type Resolver, type ResolveTarget } from '../../../../src/resolvers/types.js'

/** An in-memory backend: name → JSON value (objects are stringified), counting every lookup. */
class MemorySource implements NameSource {
  calls: string[] = []
  constructor (readonly values: Record<string, unknown>, readonly expired = new Set<string>()) {}
  async nameShow (name: string): Promise<NameRecord | undefined> {
    this.calls.push(name)
    if (!Object.hasOwn(this.values, name)) return undefined
    const v = this.values[name]
    return { value: typeof v === 'string' ? v : JSON.stringify(v), height: 700_000, expiresIn: this.expired.has(name) ? -5 : 1000 }
  }
}

const REF = 'a'.repeat(56) + '.' + 'b'.repeat(56) // the shape of a content reference: two labels of 56 base32 characters
const ONION = 'c'.repeat(56) + '.onion'

function resolver (values: Record<string, unknown>, extra: Partial<ConstructorParameters<typeof NamecoinResolver>[0]> = {}): { r: NamecoinResolver, source: MemorySource } {
  const source = extra.source as MemorySource | undefined ?? new MemorySource(values)
  return { r: new NamecoinResolver({ ...extra, source }), source }
}

async function code (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (err) { return isTornetError(err) ? err.code : `not a TornetError: ${String(err)}` }
  return undefined
}

async function failure (p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try { await p } catch (err) { if (isTornetError(err)) return { code: err.code, message: err.message } }
  throw new Error('expected a TornetError')
}

describe('NamecoinResolver: hosts and records', () => {
  it('resolves ip and ip6 to a clearnet target', async () => {
    const { r } = resolver({ 'd/example': { ip: ['192.0.2.1'], ip6: '2001:db8::1' } })
    expect(await r.resolve('example.bit')).toEqual({ kind: 'clearnet', host: 'example.bit', addresses: ['192.0.2.1', '2001:db8::1'] })
  })

  it('accepts upper case and a trailing dot in the host', async () => {
    const { r } = resolver({ 'd/example': { ip: '192.0.2.1' } })
    expect(await r.resolve('Example.BIT.')).toMatchObject({ kind: 'clearnet', host: 'example.bit' })
  })

  it('refuses malformed hosts and hosts outside .bit', async () => {
    const { r } = resolver({})
    for (const bad of ['bit', '.bit', '123.bit', 'a--b.bit', 'under_score.bit', 'bad$.example.bit', `${'x'.repeat(64)}.bit`, 'a..example.bit']) {
      expect(await code(r.resolve(bad)), bad).toBe(RESOLVE_ERRORS.invalidName)
    }
    expect(await code(r.resolve('example.com'))).toBe(RESOLVE_ERRORS.notTornet)
  })

  it('reports a name that is not registered', async () => {
    const { r } = resolver({})
    const f = await failure(r.resolve('nothing.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.notFound)
    expect(f.message).toContain('d/nothing')
  })

  it('reports an expired name (expiresIn ≤ 0)', async () => {
    const source = new MemorySource({ 'd/old': { ip: '192.0.2.1' } }, new Set(['d/old']))
    const { r } = resolver({}, { source })
    expect(await code(r.resolve('old.bit'))).toBe(RESOLVE_ERRORS.expired)
  })

  it('reports bad JSON and non-object values as invalid records', async () => {
    const { r } = resolver({ 'd/trailing': '{"ip":"192.0.2.1",}', 'd/quotes': "{'ip':'192.0.2.1'}", 'd/array': '["192.0.2.1"]' })
    for (const host of ['trailing.bit', 'quotes.bit', 'array.bit']) {
      const f = await failure(r.resolve(host))
      expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
      expect(f.message).toMatch(/JSON/)
    }
  })

  it('uses the valid parts of a partly invalid record and reports what it ignored', async () => {
    const { r } = resolver({ 'd/partial': { ip: ['site', '192.0.2.1'], alias: 42, map: [] } })
    const res = await r.resolveDetailed('partial.bit')
    expect(res.target).toEqual({ kind: 'clearnet', host: 'partial.bit', addresses: ['192.0.2.1'] })
    expect(res.warnings).toHaveLength(3)
    expect(res.record).toMatchObject({ name: 'd/partial', height: 700_000 })
  })

  it('refuses a record with nothing usable, saying what was ignored', async () => {
    const { r } = resolver({ 'd/empty': {}, 'd/junk': { ip: ['nope'] } })
    expect(await code(r.resolve('empty.bit'))).toBe(RESOLVE_ERRORS.invalidRecord)
    const f = await failure(r.resolve('junk.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(f.message).toContain('nope')
  })
})

describe('NamecoinResolver: map', () => {
  const values = {
    'd/example': {
      ip: '192.0.2.1',
      map: {
        www: { ip: '192.0.2.2', map: { deep: '192.0.2.3' } },
        '*': { ip: '192.0.2.9' },
        mail: '192.0.2.25'
      }
    },
    'd/nowild': { ip: '192.0.2.1', map: { www: '192.0.2.2' } }
  }

  it('walks subdomains label by label', async () => {
    const { r } = resolver(values)
    expect(await r.resolve('www.example.bit')).toMatchObject({ addresses: ['192.0.2.2'] })
    expect(await r.resolve('deep.www.example.bit')).toMatchObject({ addresses: ['192.0.2.3'], host: 'deep.www.example.bit' })
    expect(await r.resolve('mail.example.bit')).toMatchObject({ addresses: ['192.0.2.25'] })
  })

  it('falls back to "*" for any label without its own entry, at any depth', async () => {
    const { r } = resolver(values)
    expect(await r.resolve('anything.example.bit')).toMatchObject({ addresses: ['192.0.2.9'] })
    expect(await r.resolve('a.b.example.bit')).toMatchObject({ addresses: ['192.0.2.9'] })
  })

  it('gives not-found for a label with no entry and no "*"', async () => {
    const { r } = resolver(values)
    const f = await failure(r.resolve('ftp.nowild.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.notFound)
    expect(f.message).toContain('"ftp"')
    expect(await code(r.resolve('other.www.example.bit'))).toBe(RESOLVE_ERRORS.notFound)
  })

  it('merges map "" into its parent, the parent\'s own items taking precedence', async () => {
    const { r } = resolver({
      'd/spec1': { map: { ip: '192.0.2.2', '': { ip: '192.0.2.1' } } }, // the spec's odd example: "ip" is a map key there
      'd/spec2': { map: { '': { ip: '192.0.2.1' } } },
      'd/spec3': { ip: '192.0.2.2', map: { '': { ip: '192.0.2.1', ip6: '2001:db8::5' } } }
    })
    expect(await r.resolve('spec2.bit')).toMatchObject({ addresses: ['192.0.2.1'] })
    expect(await r.resolve('spec3.bit')).toMatchObject({ addresses: ['192.0.2.2', '2001:db8::5'] })
    expect(await r.resolve('ip.spec1.bit')).toMatchObject({ addresses: ['192.0.2.2'] })
  })
})

describe('NamecoinResolver: import', () => {
  it('imports items, the importing object taking precedence (null included)', async () => {
    const { r } = resolver({
      'd/site': { import: 'dd/common', ip: '192.0.2.1' },
      'd/nullip': { import: [['dd/common']], ip: null, tor: ONION },
      'dd/common': { ip: '192.0.2.99', ip6: '2001:db8::99' }
    })
    expect(await r.resolve('site.bit')).toMatchObject({ addresses: ['192.0.2.1', '2001:db8::99'] })
    expect(await r.resolve('nullip.bit')).toMatchObject({ addresses: ['2001:db8::99'] })
  })

  it('imports in order: the first import wins over the second', async () => {
    const { r } = resolver({
      'd/two': { import: ['dd/a', 'dd/b'] },
      'dd/a': { ip: '192.0.2.1' },
      'dd/b': { ip: '192.0.2.2', ip6: '2001:db8::2' }
    })
    expect(await r.resolve('two.bit')).toMatchObject({ addresses: ['192.0.2.1', '2001:db8::2'] })
  })

  it('applies a subdomain selector, with "*" standing in for a missing label', async () => {
    const { r } = resolver({
      'd/sel': { import: [['d/other', 'a.b']] },
      'd/star': { import: [['d/other', 'zzz']] },
      'd/other': { map: { b: { map: { a: { ip: '192.0.2.7' } } }, '*': { ip: '192.0.2.8' } } }
    })
    expect(await r.resolve('sel.bit')).toMatchObject({ addresses: ['192.0.2.7'] })
    expect(await r.resolve('star.bit')).toMatchObject({ addresses: ['192.0.2.8'] })
  })

  it('imports recursively (degree four at least)', async () => {
    const { r } = resolver({
      'd/chain': { import: 'dd/1' },
      'dd/1': { import: 'dd/2' },
      'dd/2': { import: 'dd/3' },
      'dd/3': { import: 'dd/4' },
      'dd/4': { ip: '192.0.2.4' }
    })
    expect(await r.resolve('chain.bit')).toMatchObject({ addresses: ['192.0.2.4'] })
  })

  it('skips failing imports (missing, expired, bad JSON) and keeps going', async () => {
    const source = new MemorySource({
      'd/resilient': { import: ['dd/missing', 'dd/expired', 'dd/bad', 'dd/good'] },
      'dd/expired': { ip: '192.0.2.66' },
      'dd/bad': '{"ip": ',
      'dd/good': { ip: '192.0.2.1' }
    }, new Set(['dd/expired']))
    const { r } = resolver({}, { source })
    const res = await r.resolveDetailed('resilient.bit')
    expect(res.target).toMatchObject({ addresses: ['192.0.2.1'] })
    expect(res.warnings.join('\n')).toMatch(/dd\/missing.*does not exist/)
    expect(res.warnings.join('\n')).toMatch(/dd\/expired.*expired/)
    expect(res.warnings.join('\n')).toMatch(/dd\/bad.*JSON/)
  })

  it('does not mistake a backend failure during an import for a failed import', async () => {
    const source: NameSource = {
      nameShow: async (name) => {
        if (name === 'dd/down') throw new TornetError(RESOLVE_ERRORS.unavailable, 'backend down')
        return { value: JSON.stringify({ import: 'dd/down', ip: '192.0.2.1' }), height: 1 }
      }
    }
    const r = new NamecoinResolver({ source })
    expect(await code(r.resolve('example.bit'))).toBe(RESOLVE_ERRORS.unavailable)
  })

  it('detects an import loop: a clear error when nothing else is left', async () => {
    const { r } = resolver({
      'd/loop': { import: 'dd/a' },
      'dd/a': { import: 'dd/b' },
      'dd/b': { import: 'd/loop' }
    })
    const f = await failure(r.resolve('loop.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(f.message).toContain('import loop d/loop → dd/a → dd/b → d/loop')
  })

  it('detects an import loop and still uses the rest of the record', async () => {
    const { r } = resolver({
      'd/selfish': { import: 'd/selfish', ip: '192.0.2.1' }
    })
    const res = await r.resolveDetailed('selfish.bit')
    expect(res.target).toMatchObject({ addresses: ['192.0.2.1'] })
    expect(res.warnings.join()).toMatch(/import loop/)
  })

  it('lets a subdomain import a sibling of the same name without calling it a loop', async () => {
    const { r } = resolver({ 'd/sib': { map: { www: { ip: '192.0.2.5' }, web: { import: [['d/sib', 'www']] } } } })
    expect(await r.resolve('web.sib.bit')).toMatchObject({ addresses: ['192.0.2.5'] })
  })

  it('bounds fan-out: each import of a wide tree is counted', async () => {
    const values: Record<string, unknown> = { 'd/wide': { import: Array.from({ length: 30 }, (_, i) => `dd/w${i}`) } }
    for (let i = 0; i < 30; i++) values[`dd/w${i}`] = i === 29 ? { ip: '192.0.2.29' } : {}
    const { r, source } = resolver(values)
    const f = await failure(r.resolve('wide.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(f.message).toMatch(/more than 16 imports/)
    expect(source.calls.length).toBeLessThanOrEqual(17)
  })
})

describe('NamecoinResolver: alias, translate, ns', () => {
  it('follows an alias inside .bit, relative names included', async () => {
    const { r } = resolver({
      'd/example': { ip: '192.0.2.1', map: { www: { alias: '@' }, blog: { alias: 'www' }, ext: { alias: 'site.other.bit.' } } },
      'd/other': { map: { site: { ip: '192.0.2.50' } } }
    })
    expect(await r.resolve('www.example.bit')).toEqual({ kind: 'clearnet', host: 'www.example.bit', addresses: ['192.0.2.1'] })
    expect(await r.resolve('blog.example.bit')).toMatchObject({ addresses: ['192.0.2.1'] })
    const res = await r.resolveDetailed('ext.example.bit')
    expect(res.target).toMatchObject({ addresses: ['192.0.2.50'] })
    expect(res.hosts).toEqual(['ext.example.bit', 'site.other.bit'])
  })

  it('lets alias suppress ip/ip6 at the same level', async () => {
    const { r } = resolver({ 'd/a': { alias: 'b.bit.', ip: '192.0.2.1' }, 'd/b': { ip: '192.0.2.2' } })
    expect(await r.resolve('a.bit')).toMatchObject({ addresses: ['192.0.2.2'] })
  })

  it('detects alias loops', async () => {
    const { r } = resolver({ 'd/ping': { alias: 'pong.bit.' }, 'd/pong': { alias: 'ping.bit.' }, 'd/me': { map: { x: { alias: 'x.@' } } } })
    const f = await failure(r.resolve('ping.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(f.message).toContain('alias loop ping.bit → pong.bit → ping.bit')
    expect(await code(r.resolve('x.me.bit'))).toBe(RESOLVE_ERRORS.invalidRecord)
  })

  it('bounds alias chains', async () => {
    const values: Record<string, unknown> = {}
    for (let i = 0; i < 20; i++) values[`d/n${i}`] = { alias: `n${i + 1}.bit.` }
    const { r } = resolver(values)
    const f = await failure(r.resolve('n0.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(f.message).toMatch(/more than 8 aliases/)
  })

  it('maps aliases outside .bit: DNS names, onion, i2p, .tor-net', async () => {
    const torNet: Resolver = { resolve: async (host) => ({ kind: 'content', reference: `ref-of-${host}` }) }
    const { r } = resolver({
      'd/cn': { alias: 'www.example.com.' },
      'd/on': { alias: ONION + '.' },
      'd/ip': { alias: 'site.i2p.' },
      'd/tn': { alias: 'mysite.tor-net.' }
    }, { torNetResolver: torNet })
    expect(await r.resolve('cn.bit')).toEqual({ kind: 'clearnet', host: 'www.example.com', addresses: [] })
    expect(await r.resolve('on.bit')).toMatchObject({ kind: 'unsupported', network: 'tor', address: ONION })
    expect(await r.resolve('ip.bit')).toMatchObject({ kind: 'unsupported', network: 'i2p' })
    expect(await r.resolve('tn.bit')).toEqual({ kind: 'content', reference: 'ref-of-mysite.tor-net' })
  })

  it('never yields the gateway\'s own pages, by a tornet item or an alias (issue 12, item 3)', async () => {
    const { TorNetResolver } = await import('../../../../src/resolvers/tor-net-resolver.js')
    const torNet = new TorNetResolver({ lookupName: async () => undefined, isReferenceHost: () => false })
    const { r } = resolver({
      'd/evil': { tornet: 'tornet.tor-net' },
      'd/evilpath': { tornet: 'tornet.tor-net/api/status' },
      'd/bare': { tornet: 'tornet' },
      'd/aliased': { alias: 'tornet.tor-net.' },
      'd/sub': { map: { www: { alias: 'tornet.tor-net.' } } },
      'd/hop': { alias: 'aliased.bit.' }
    }, { torNetResolver: torNet })
    for (const host of ['evil.bit', 'evilpath.bit', 'bare.bit', 'aliased.bit', 'www.sub.bit', 'hop.bit']) {
      expect(await code(r.resolve(host)), host).toBe(RESOLVE_ERRORS.invalidRecord)
    }
  })

  it('translates every name below, but not the name itself', async () => {
    const { r } = resolver({
      'd/old': { translate: 'new.bit.', ip: '192.0.2.1', map: { www: '192.0.2.66' } },
      'd/new': { map: { www: { ip: '192.0.2.2' }, a: { map: { b: '192.0.2.3' } } } }
    })
    expect(await r.resolve('www.old.bit')).toMatchObject({ addresses: ['192.0.2.2'] })
    expect(await r.resolve('b.a.old.bit')).toMatchObject({ addresses: ['192.0.2.3'] })
    expect(await code(r.resolve('old.bit'))).toBe(RESOLVE_ERRORS.invalidRecord)
  })

  it('reports a delegation to DNS nameservers as unsupported, keeping glue and non-DNS items', async () => {
    const { r } = resolver({
      'd/deleg': {
        ns: ['ns1', 'ns2.example.com.'],
        ip: '192.0.2.1',
        map: { ns1: { ip: '192.0.2.53' }, www: { ip: '192.0.2.80' }, onion: { tor: ONION } }
      }
    })
    const top = await r.resolve('deleg.bit')
    expect(top).toMatchObject({ kind: 'unsupported', network: 'dns', address: 'ns1.deleg.bit ns2.example.com' })
    expect(await r.resolve('www.deleg.bit')).toMatchObject({ kind: 'unsupported', network: 'dns' })
    expect(await r.resolve('unlisted.deleg.bit')).toMatchObject({ kind: 'unsupported', network: 'dns' })
    expect(await r.resolve('ns1.deleg.bit')).toMatchObject({ kind: 'clearnet', addresses: ['192.0.2.53'] })
    expect(await r.resolve('onion.deleg.bit')).toMatchObject({ kind: 'unsupported', network: 'tor' })
  })
})

describe('NamecoinResolver: tornet, tor, i2p', () => {
  it('returns content for a tornet reference, with or without .tor-net and a path', async () => {
    const { r } = resolver({
      'd/a': { tornet: REF },
      'd/b': { tornet: `${REF}.tor-net`, ip: '192.0.2.1' },
      'd/c': { tornet: `${REF}.tor-net/blog/index.html` },
      'd/d': { map: { docs: { tornet: REF } }, ip: '192.0.2.1' }
    })
    const want: ResolveTarget = { kind: 'content', reference: REF }
    expect(await r.resolve('a.bit')).toEqual(want)
    expect(await r.resolve('b.bit')).toEqual(want)
    expect(await r.resolve('c.bit')).toEqual({ ...want, path: '/blog/index.html' })
    expect(await r.resolve('docs.d.bit')).toEqual(want)
    expect(await r.resolve('d.bit')).toMatchObject({ kind: 'clearnet' })
  })

  it('resolves a tornet name through the injected .tor-net resolver', async () => {
    const asked: string[] = []
    const torNet: Resolver = { resolve: async (host) => { asked.push(host); return { kind: 'content', reference: REF } } }
    const { r } = resolver({ 'd/named': { tornet: 'mysite.tor-net/docs' } }, { torNetResolver: torNet })
    expect(await r.resolve('named.bit')).toEqual({ kind: 'content', reference: REF, path: '/docs' })
    expect(asked).toEqual(['mysite.tor-net'])
  })

  it('refuses a tornet name when no .tor-net resolver is configured', async () => {
    const { r } = resolver({ 'd/named': { tornet: 'mysite.tor-net' } })
    const f = await failure(r.resolve('named.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(f.message).toContain('mysite.tor-net')
  })

  it('uses an injected reference test', async () => {
    const { r } = resolver({ 'd/short': { tornet: 'v1-abc.tor-net' } }, { isTornetReference: (h) => h.startsWith('v1-') })
    expect(await r.resolve('short.bit')).toEqual({ kind: 'content', reference: 'v1-abc' })
  })

  it('explains a tor-only or i2p-only record', async () => {
    const { r } = resolver({ 'd/hidden': { tor: ONION }, 'd/garlic': { i2p: 'example.i2p' }, 'd/fn': { freenet: 'USK@abc/site/1' } })
    const t = await r.resolve('hidden.bit')
    expect(t).toMatchObject({ kind: 'unsupported', network: 'tor', address: ONION })
    expect(t.kind === 'unsupported' && t.message).toMatch(/Tor Browser/)
    expect(await r.resolve('garlic.bit')).toMatchObject({ kind: 'unsupported', network: 'i2p', address: 'example.i2p' })
    expect(await r.resolve('fn.bit')).toMatchObject({ kind: 'unsupported', network: 'freenet' })
  })
})

describe('NamecoinResolver: cache', () => {
  it('answers a repeated lookup from the cache, and again from the backend after the TTL', async () => {
    let now = 1_000_000
    const source = new MemorySource({ 'd/example': { ip: '192.0.2.1' } })
    const r = new NamecoinResolver({ source, cacheTtlMs: 60_000, now: () => now })
    await r.resolve('example.bit')
    await r.resolve('www.example.bit').catch(() => {})
    await r.resolve('example.bit')
    expect(source.calls).toEqual(['d/example'])
    now += 60_001
    await r.resolve('example.bit')
    expect(source.calls).toEqual(['d/example', 'd/example'])
  })

  it('remembers missing names for the negative TTL only', async () => {
    let now = 0
    const source = new MemorySource({})
    const r = new NamecoinResolver({ source, cacheTtlMs: 600_000, negativeCacheTtlMs: 5_000, now: () => now })
    await r.resolve('ghost.bit').catch(() => {})
    await r.resolve('ghost.bit').catch(() => {})
    expect(source.calls).toHaveLength(1)
    now += 5_001
    await r.resolve('ghost.bit').catch(() => {})
    expect(source.calls).toHaveLength(2)
  })

  it('shares one backend request among concurrent lookups', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>(resolve => { release = resolve })
    const calls: string[] = []
    const source: NameSource = { nameShow: async (name) => { calls.push(name); await gate; return { value: '{"ip":"192.0.2.1"}', height: 1 } } }
    const r = new NamecoinResolver({ source })
    const all = Promise.all([r.resolve('example.bit'), r.resolve('www.example.bit').catch(() => 'nx'), r.resolve('example.bit')])
    await new Promise(resolve => setImmediate(resolve))
    release()
    const [a, b, c] = await all
    expect(calls).toEqual(['d/example'])
    expect(a).toEqual(c)
    expect(b).toBe('nx')
  })

  it('does not cache backend failures', async () => {
    let fail = true
    const calls: string[] = []
    const source: NameSource = {
      nameShow: async (name) => {
        calls.push(name)
        if (fail) throw new TornetError(RESOLVE_ERRORS.unavailable, 'down')
        return { value: '{"ip":"192.0.2.1"}', height: 1 }
      }
    }
    const r = new NamecoinResolver({ source })
    expect(await code(r.resolve('example.bit'))).toBe(RESOLVE_ERRORS.unavailable)
    fail = false
    expect(await r.resolve('example.bit')).toMatchObject({ kind: 'clearnet' })
    expect(calls).toHaveLength(2)
  })

  it('stops waiting when the caller aborts', async () => {
    const source: NameSource = { nameShow: async () => await new Promise(() => {}) }
    const r = new NamecoinResolver({ source })
    const controller = new AbortController()
    const p = r.resolve('example.bit', { signal: controller.signal })
    controller.abort(new Error('user left'))
    await expect(p).rejects.toThrow('user left')
  })
})
