import { describe, expect, it } from 'vitest'
import { isLoopbackHost, isPublicAddress, isTornetHost, normalizeHost, parseAuthority } from '../../../src/gateway/hosts.js'

describe('normalizeHost', () => {
  it('lowercases and strips a trailing dot and IPv6 brackets', () => {
    expect(normalizeHost('Site.Tor-Net.')).toBe('site.tor-net')
    expect(normalizeHost('[::1]')).toBe('::1')
    expect(normalizeHost('127.0.0.1')).toBe('127.0.0.1')
  })

  it('rejects what is no host name', () => {
    for (const bad of ['', 'a b', 'a..b', '-a.bit', 'a-.bit', 'x'.repeat(64) + '.bit', '[nope]', 'é.bit', 'a/b']) {
      expect(normalizeHost(bad)).toBeUndefined()
    }
  })
})

describe('parseAuthority', () => {
  it('reads host, host:port and [v6]:port', () => {
    expect(parseAuthority('site.tor-net')).toEqual({ host: 'site.tor-net' })
    expect(parseAuthority('SITE.bit:8080')).toEqual({ host: 'site.bit', port: 8080 })
    expect(parseAuthority('[::1]:9150')).toEqual({ host: '::1', port: 9150 })
    expect(parseAuthority('[::1]')).toEqual({ host: '::1' })
  })

  it('rejects bad ports, bare IPv6 and junk', () => {
    for (const bad of ['a.bit:0', 'a.bit:65536', 'a.bit:x', 'a.bit:', '::1', '[::1]x', '[::1', ':80', 'a b:80']) {
      expect(parseAuthority(bad)).toBeUndefined()
    }
  })
})

describe('host classes', () => {
  it('knows Tornet hosts by suffix, not bare suffixes', () => {
    expect(isTornetHost('site.tor-net')).toBe(true)
    expect(isTornetHost('a.b.bit')).toBe(true)
    expect(isTornetHost('tor-net')).toBe(false)
    expect(isTornetHost('.bit')).toBe(false)
    expect(isTornetHost('example.com')).toBe(false)
    expect(isTornetHost('bitcoin.org')).toBe(false)
  })

  it('knows loopback names', () => {
    for (const h of ['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '::1']) expect(isLoopbackHost(h)).toBe(true)
    for (const h of ['10.0.0.1', 'example.com', '::2']) expect(isLoopbackHost(h)).toBe(false)
  })

  it('treats loopback, private, link-local and mapped addresses as non-public', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.1.1', '0.0.0.0', '100.64.0.1',
      '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1']) {
      expect(isPublicAddress(ip), ip).toBe(false)
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '2001:4860:4860::8888']) expect(isPublicAddress(ip), ip).toBe(true)
    expect(isPublicAddress('example.com')).toBe(false)
  })

  // Issue 12, item 9: IPv6 forms that carry (or lead to) an IPv4 address or a local network.
  it.each([
    ['::127.0.0.1', 'IPv4-compatible ::/96, loopback inside'],
    ['::8.8.8.8', 'IPv4-compatible ::/96, even with a public IPv4 (deprecated, never routed)'],
    ['::a00:1', 'IPv4-compatible ::/96 in hex (10.0.0.1)'],
    ['::ffff:0:a00:1', 'IPv4-translated ::ffff:0:0:0/96 (10.0.0.1)'],
    ['64:ff9b::7f00:1', 'NAT64 64:ff9b::/96 (127.0.0.1)'],
    ['64:ff9b::808:808', 'NAT64 64:ff9b::/96 (8.8.8.8): the local translator decides where it goes'],
    ['64:ff9b:1::c0a8:101', 'local-use NAT64 64:ff9b:1::/48'],
    ['64:ff9b:1:ffff::1', 'local-use NAT64 64:ff9b:1::/48, end of range'],
    ['2002:7f00:1::1', '6to4 2002::/16 with 127.0.0.1 inside'],
    ['2002:a00:1::', '6to4 with 10.0.0.1 inside'],
    ['2002:c0a8:101::1', '6to4 with 192.168.1.1 inside'],
    ['2002:a9fe:a9fe::1', '6to4 with 169.254.169.254 inside'],
    ['2002:6440:1::1', '6to4 with 100.64.0.1 inside'],
    ['2002::1', '6to4 with 0.0.0.0 inside'],
    ['2001::1', 'Teredo 2001::/32'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo, a real-looking address'],
    ['fec0::1', 'site-local fec0::/10'],
    ['feff:ffff::1', 'site-local fec0::/10, end of range'],
    ['fe80::1%eth0', 'link-local with a zone']
  ])('refuses %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false)
  })

  it.each([
    ['2002:808:808::1', '6to4 with the public 8.8.8.8 inside'],
    ['2001:db8::1', 'not Teredo (2001:db8::/32 is outside 2001::/32)'],
    ['2001:1::1', 'just past Teredo'],
    ['64:ff9b:2::1', 'just past local-use NAT64'],
    ['2003::1', 'just past 6to4'],
    ['::1:0:0:1', 'just past IPv4-compatible'],
    ['2606:4700::1111', 'an ordinary global address']
  ])('accepts %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(true)
  })
})
