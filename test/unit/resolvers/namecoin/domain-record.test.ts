import { describe, expect, it } from 'vitest'
import {
  DomainValueError, isDnsName, isValidDomainName, mergeAbsent, parseDomainJson, parseDomainObject
} from '../../../../src/resolvers/namecoin/domain-record.js'

const parse = (value: unknown) => parseDomainObject(value as Record<string, unknown>, 'd/test')

describe('parseDomainJson', () => {
  it('accepts a JSON object in any valid encoding, and an empty value as {}', () => {
    expect(parseDomainJson('{"ip":"192.0.2.1"}')).toEqual({ ip: '192.0.2.1' })
    expect(parseDomainJson(' {\n "ip" : [ "192.0.2.1" ] }\n')).toEqual({ ip: ['192.0.2.1'] })
    expect(parseDomainJson('{"ip":"\\u0031\\u0039\\u0032.0.2.1"}')).toEqual({ ip: '192.0.2.1' })
    expect(parseDomainJson('')).toEqual({})
  })

  it('rejects bad JSON: trailing commas, single quotes, comments', () => {
    for (const bad of ['{"ip":"192.0.2.1",}', "{'ip':'192.0.2.1'}", '{"ip":"192.0.2.1"} // c', '{"ip":']) {
      expect(() => parseDomainJson(bad)).toThrow(DomainValueError)
    }
  })

  it('rejects JSON that is not an object', () => {
    for (const bad of ['[]', '"192.0.2.1"', '42', 'null', 'true']) {
      expect(() => parseDomainJson(bad)).toThrow(/not an object/)
    }
  })

  it('refuses oversized values', () => {
    expect(() => parseDomainJson(`{"txt":"${'x'.repeat(70_000)}"}`)).toThrow(/exceeds/)
  })
})

describe('names', () => {
  it('validates d/ names per ifa-0001 Keys', () => {
    for (const ok of ['example', 'a', '123four', 'xn--bcher-kva', 'a-b-c', 'x'.repeat(63)]) expect(isValidDomainName(ok)).toBe(true)
    for (const bad of ['', '123', 'Example', '-a', 'a-', 'a--b', 'a_b', 'x'.repeat(64), 'a.b']) expect(isValidDomainName(bad)).toBe(false)
  })

  it('validates DNS names: relative, @-relative, fully qualified', () => {
    for (const ok of ['example.com.', 'foo.bar', 'foo.@', '@', '_sip._tcp', 'a']) expect(isDnsName(ok)).toBe(true)
    for (const bad of ['ex$ample.com.', '', '.', 'a..b', '@.foo', 'foo.@.', `${'a'.repeat(64)}.com`]) expect(isDnsName(bad)).toBe(false)
  })
})

describe('parseDomainObject', () => {
  it('reads ip in string and array form, refusing leading zeros and numeric forms', () => {
    expect(parse({ ip: '192.0.2.1' }).items.ip).toEqual(['192.0.2.1'])
    expect(parse({ ip: ['192.0.2.1', '192.0.2.2'] }).items.ip).toEqual(['192.0.2.1', '192.0.2.2'])
    expect(parse({ ip: [] }).items.ip).toEqual([])
    for (const bad of [['192.000.002.001'], ['192.0.2.001'], ['3221225985'], [3221225985], ['256.0.0.1']]) {
      const p = parse({ ip: bad })
      expect(p.items.ip).toEqual([])
      expect(p.warnings).toHaveLength(1)
    }
    const obj = parse({ ip: {} })
    expect(obj.items.ip).toBeUndefined()
    expect(obj.present.has('ip')).toBe(true)
  })

  it('keeps the valid parts of a partly invalid item (spec: {"ip": ["site", "192.0.2.1"]})', () => {
    const a = parse({ ip: ['site', '192.0.2.1'] })
    const b = parse({ ip: ['192.0.2.1', 'site'] })
    expect(a.items.ip).toEqual(['192.0.2.1'])
    expect(b.items.ip).toEqual(['192.0.2.1'])
    expect(a.warnings[0]).toMatch(/"ip" element "site" ignored/)
  })

  it('reads ip6 per RFC 4291 text forms', () => {
    expect(parse({ ip6: ['2001::beef', '::beef:192.0.2.1'] }).items.ip6).toEqual(['2001::beef', '::beef:192.0.2.1'])
    expect(parse({ ip6: '2001::bxxf' }).items.ip6).toEqual([])
    expect(parse({ ip6: ['::00000:beef'] }).items.ip6).toEqual([])
    expect(parse({ ip6: ['fe80::1%eth0'] }).items.ip6).toEqual([])
  })

  it('reads alias and translate as single DNS names', () => {
    expect(parse({ alias: 'example.com.' }).items.alias).toBe('example.com.')
    expect(parse({ translate: 'other.bit.' }).items.translate).toBe('other.bit.')
    for (const bad of ['ex$ample.com.', ['a.example.com.', 'b.example.com.'], 42]) {
      const p = parse({ alias: bad, translate: bad })
      expect(p.items.alias).toBeUndefined()
      expect(p.items.translate).toBeUndefined()
      expect(p.warnings).toHaveLength(2)
    }
  })

  it('reads ns, and lets the deprecated "dns" win over it', () => {
    expect(parse({ ns: 'ns1.example.com.' }).items.ns).toEqual(['ns1.example.com.'])
    expect(parse({ ns: ['a.example.'], dns: ['b.example.'] }).items.ns).toEqual(['b.example.'])
    expect(parse({ ns: 'ns1.example.com. ns2.example.com.' }).items.ns).toEqual([])
    expect(parse({ ns: ['192.0.2.1'] }).items.ns).toEqual([])
  })

  it('reads map: objects, string shorthand for ip, "*" and "" keys; refuses bad forms', () => {
    const p = parse({ map: { www: { ip: '192.0.2.1' }, ftp: '192.0.2.2', '*': { ip: '192.0.2.3' }, '': { ip: '192.0.2.4' } } })
    expect([...p.items.map?.keys() ?? []]).toEqual(['www', 'ftp', '*'])
    expect(p.items.map?.get('ftp')).toEqual({ ip: ['192.0.2.2'] })
    expect(p.mapEmpty).toEqual({ ip: '192.0.2.4' })
    for (const bad of [[], '192.0.2.1']) {
      const q = parse({ map: bad })
      expect(q.items.map).toBeUndefined()
      expect(q.warnings).toHaveLength(1)
    }
    const keys = parse({ map: { $: '192.0.2.1', 'a.b': '192.0.2.1', 'www*': '192.0.2.1', ok: '192.0.2.1' } })
    expect([...keys.items.map?.keys() ?? []]).toEqual(['ok'])
    expect(keys.warnings).toHaveLength(3)
  })

  it('reads import in its three forms', () => {
    expect(parse({ import: 'dd/other' }).imports).toEqual([{ name: 'dd/other', selector: '' }])
    expect(parse({ import: ['dd/alpha', 'dd/beta'] }).imports).toEqual([{ name: 'dd/alpha', selector: '' }, { name: 'dd/beta', selector: '' }])
    expect(parse({ import: [['d/other', 'a.b'], ['dd/x', '', 'ignored']] }).imports).toEqual([{ name: 'd/other', selector: 'a.b' }, { name: 'dd/x', selector: '' }])
    const bad = parse({ import: [[], [42], ['d/x', 'a..b'], '', 'd/' + 'x'.repeat(300), 'd/ok'] })
    expect(bad.imports).toEqual([{ name: 'd/ok', selector: '' }])
    expect(bad.warnings).toHaveLength(5)
  })

  it('reads tor, i2p (string, array, legacy object) and freenet', () => {
    const onion = 'a'.repeat(56) + '.onion'
    const p = parse({ tor: onion, i2p: { destination: 'x', b32: 'abcdef.b32.i2p' }, freenet: 'USK@abc,def/site/1' })
    expect(p.items.tor).toEqual([onion])
    expect(p.items.i2p).toEqual(['abcdef.b32.i2p'])
    expect(p.items.freenet).toBe('USK@abc,def/site/1')
    const q = parse({ tor: ['not-an-onion.com'], i2p: 42, freenet: 7 })
    expect(q.items.tor).toEqual([])
    expect(q.items.i2p).toBeUndefined()
    expect(q.items.freenet).toBeUndefined()
    expect(q.warnings).toHaveLength(3)
  })

  it('reads the tornet item', () => {
    expect(parse({ tornet: 'mysite.tor-net' }).items.tornet).toBe('mysite.tor-net')
    expect(parse({ tornet: 'has space' }).items.tornet).toBeUndefined()
    expect(parse({ tornet: ['x'] }).warnings).toHaveLength(1)
  })

  it('treats null as absent but present for precedence', () => {
    const p = parse({ ip: null, alias: null })
    expect(p.items).toEqual({})
    expect(p.present.has('ip')).toBe(true)
    expect(p.warnings).toEqual([])
  })

  it('ignores item types it does not use without warnings', () => {
    const p = parse({ ds: [[12345, 8, 1, 'EfatjsUqKYSrqv18O1FlA3hcIHI=']], txt: 'hello', info: { r: 'me' }, ip: '192.0.2.1' })
    expect(p.warnings).toEqual([])
    expect(p.items).toEqual({ ip: ['192.0.2.1'] })
  })
})

describe('mergeAbsent', () => {
  it('fills only the items the target does not specify, null and invalid included', () => {
    const target = parse({ ip: null, alias: 'bad$name' })
    mergeAbsent(target, parse({ ip: '192.0.2.1', alias: 'ok.example.', ip6: '::1' }))
    expect(target.items).toEqual({ ip6: ['::1'] })
  })
})
