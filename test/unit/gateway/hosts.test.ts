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
})
