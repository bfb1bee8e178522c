import { describe, expect, it } from 'vitest'
import { SOCKS_ERRORS } from '../../../../src/gateway/errors.js'
import { SocksHandshake, replyFor, socks4Reply, socks5Reply, type SocksEvent } from '../../../../src/gateway/socks/handshake.js'
import { SOCKS5_REPLY } from '../../../../src/gateway/socks/constants.js'

const bytes = (...parts: Array<number[] | string | Uint8Array>): Uint8Array =>
  Buffer.concat(parts.map(p => typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))

const port = (n: number): number[] => [n >> 8, n & 0xff]
const domainRequest = (name: string, p = 80, cmd = 1): Uint8Array => bytes([5, cmd, 0, 3, name.length], name, port(p))

function run (...chunks: Uint8Array[]): SocksEvent[] {
  const hs = new SocksHandshake()
  return chunks.flatMap(c => hs.push(c))
}

function byteByByte (data: Uint8Array): SocksEvent[] {
  const hs = new SocksHandshake()
  const out: SocksEvent[] = []
  for (const b of data) out.push(...hs.push(Uint8Array.of(b)))
  return out
}

function last (events: SocksEvent[]): SocksEvent {
  const e = events[events.length - 1]
  if (e === undefined) throw new Error('no events')
  return e
}

function expectFail (events: SocksEvent[], code: string, reply?: Uint8Array): void {
  const e = last(events)
  expect(e.type).toBe('fail')
  if (e.type !== 'fail') return
  expect(e.code).toBe(code)
  if (reply === undefined) expect(e.reply).toBeUndefined()
  else expect(Buffer.from(e.reply!)).toEqual(Buffer.from(reply))
}

const GREETING = bytes([5, 1, 0])

describe('SOCKS5 handshake', () => {
  it('chooses no-auth, then yields the CONNECT request with a host name', () => {
    const events = run(GREETING, domainRequest('Site.Tor-Net.', 8080))
    expect(events[0]).toEqual({ type: 'write', bytes: Uint8Array.of(5, 0) })
    expect(last(events)).toEqual({
      type: 'request',
      request: { version: 5, host: 'site.tor-net', port: 8080, addressType: 'domain', isolation: '' },
      rest: new Uint8Array(0)
    })
  })

  it('gives the same result when bytes arrive one at a time', () => {
    const all = bytes(GREETING, domainRequest('site.bit'), 'GET /')
    const events = byteByByte(all)
    expect(events.map(e => e.type)).toEqual(['write', 'request'])
    const req = last(events)
    expect(req.type === 'request' && req.request.host).toBe('site.bit')
    // Bytes after the request, sent one at a time, are the HTTP layer's; the machine stops at the request.
  })

  it('keeps bytes sent after the request in one packet (optimistic data)', () => {
    const events = run(bytes(GREETING, domainRequest('site.bit'), 'GET / HTTP/1.1\r\n'))
    const req = last(events)
    expect(req.type).toBe('request')
    if (req.type === 'request') expect(Buffer.from(req.rest).toString()).toBe('GET / HTTP/1.1\r\n')
  })

  it('decodes IPv4 and IPv6 destinations', () => {
    const v4 = last(run(GREETING, bytes([5, 1, 0, 1, 127, 0, 0, 1], port(80))))
    expect(v4.type === 'request' && v4.request).toEqual({ version: 5, host: '127.0.0.1', port: 80, addressType: 'ipv4', isolation: '' })
    const v6 = last(run(GREETING, bytes([5, 1, 0, 4], [...new Array(15).fill(0), 1], port(443))))
    expect(v6.type === 'request' && v6.request).toEqual({ version: 5, host: '0:0:0:0:0:0:0:1', port: 443, addressType: 'ipv6', isolation: '' })
  })

  it('accepts any username/password and keeps the username as the isolation tag (as Tor does)', () => {
    const events = run(bytes([5, 1, 2]), bytes([1, 4], 'user', [4], 'pass'), domainRequest('site.tor-net'))
    expect(events.slice(0, 2)).toEqual([
      { type: 'write', bytes: Uint8Array.of(5, 2) },
      { type: 'write', bytes: Uint8Array.of(1, 0) }
    ])
    const req = last(events)
    expect(req.type === 'request' && req.request.isolation).toBe('user')
  })

  it('keeps the username when everything arrives byte by byte, and the password is never the tag', () => {
    const events = byteByByte(bytes([5, 2, 0, 2], [1, 13], 'tornet-hops-3', [6], 'secret', domainRequest('site.tor-net')))
    const req = last(events)
    expect(req.type === 'request' && req.request.isolation).toBe('tornet-hops-3')
  })

  it('keeps every byte of a 255-byte username, one to one (no two names share a tag)', () => {
    const name = Buffer.from(Array.from({ length: 255 }, (_, i) => (i % 254) + 1))
    const req = last(run(bytes([5, 1, 2]), bytes([1, 255], name, [0]), domainRequest('site.tor-net')))
    expect(req.type === 'request' && Buffer.from(req.request.isolation, 'latin1')).toEqual(name)
    const other = Buffer.from(name)
    other[254] = 0xff
    const req2 = last(run(bytes([5, 1, 2]), bytes([1, 255], other, [0]), domainRequest('site.tor-net')))
    expect(req2.type === 'request' && req2.request.isolation).not.toBe(req.type === 'request' && req.request.isolation)
  })

  it('accepts an empty password', () => {
    const events = run(bytes([5, 1, 2]), bytes([1, 1], 'u', [0]), domainRequest('site.tor-net'))
    const req = last(events)
    expect(req.type === 'request' && req.request.isolation).toBe('u')
  })

  it('chooses username/password when both are offered, so the username is not lost (IsolateSOCKSAuth)', () => {
    expect(run(bytes([5, 2, 0, 2]))).toEqual([{ type: 'write', bytes: Uint8Array.of(5, 2) }])
    expect(run(bytes([5, 2, 2, 0]))).toEqual([{ type: 'write', bytes: Uint8Array.of(5, 2) }])
  })

  it('chooses no-auth when username/password is not offered', () => {
    expect(run(bytes([5, 2, 1, 0]))).toEqual([{ type: 'write', bytes: Uint8Array.of(5, 0) }])
  })

  it('refuses a greeting with no methods', () => {
    expectFail(run(bytes([5, 0])), SOCKS_ERRORS.malformed, Uint8Array.of(5, 0xff))
  })

  it('refuses when only unsupported methods are offered', () => {
    expectFail(run(bytes([5, 2, 1, 3])), SOCKS_ERRORS.noAcceptableMethod, Uint8Array.of(5, 0xff))
  })

  it('waits for a greeting that is not complete yet', () => {
    expect(run(bytes([5, 3, 0]))).toEqual([])
    expect(run(bytes([5]))).toEqual([])
  })

  it('rejects a malformed username/password message', () => {
    const failed = Uint8Array.of(1, 1)
    expectFail(run(bytes([5, 1, 2]), bytes([2, 1], 'u', [1], 'p')), SOCKS_ERRORS.badAuth, failed)
  })

  it('takes blank credentials as no isolation (a client that offers username/password with none set)', () => {
    const events = run(bytes([5, 2, 0, 2]), bytes([1, 0, 0]), domainRequest('site.tor-net'))
    expect(events.slice(0, 2)).toEqual([{ type: 'write', bytes: Uint8Array.of(5, 2) }, { type: 'write', bytes: Uint8Array.of(1, 0) }])
    const req = last(events)
    expect(req.type === 'request' && req.request.isolation).toBe('')
  })

  it('rejects a request with the wrong version or a non-zero reserved byte', () => {
    const general = socks5Reply(SOCKS5_REPLY.generalFailure)
    expectFail(run(GREETING, bytes([4, 1, 0, 3, 1], 'a', port(80))), SOCKS_ERRORS.malformed, general)
    expectFail(run(GREETING, bytes([5, 1, 9, 3, 1], 'a', port(80))), SOCKS_ERRORS.malformed, general)
  })

  it('rejects BIND and UDP ASSOCIATE with "command not supported"', () => {
    const reply = socks5Reply(SOCKS5_REPLY.commandNotSupported)
    expectFail(run(GREETING, domainRequest('site.tor-net', 80, 2)), SOCKS_ERRORS.commandNotSupported, reply)
    expectFail(run(GREETING, domainRequest('site.tor-net', 80, 3)), SOCKS_ERRORS.commandNotSupported, reply)
  })

  it('rejects an unknown address type with "address type not supported"', () => {
    expectFail(run(GREETING, bytes([5, 1, 0, 2, 1, 2, 3, 4], port(80))),
      SOCKS_ERRORS.addressTypeNotSupported, socks5Reply(SOCKS5_REPLY.addressTypeNotSupported))
  })

  it('rejects an empty domain and port 0', () => {
    const general = socks5Reply(SOCKS5_REPLY.generalFailure)
    expectFail(run(GREETING, bytes([5, 1, 0, 3, 0], port(80))), SOCKS_ERRORS.malformed, general)
    expectFail(run(GREETING, domainRequest('site.tor-net', 0)), SOCKS_ERRORS.malformed, general)
  })

  it('rejects domains that are no host names (spaces, NUL, non-ASCII, bad labels)', () => {
    const reply = socks5Reply(SOCKS5_REPLY.hostUnreachable)
    for (const name of ['a b.tor-net', 'a\u0000.bit', 'caf\u00e9.bit', '-bad.tor-net', 'a..b', '.']) {
      expectFail(run(GREETING, domainRequest(name)), SOCKS_ERRORS.badHost, reply)
    }
  })

  it('waits for a request that is not complete yet', () => {
    const full = domainRequest('site.tor-net')
    expect(run(GREETING, full.subarray(0, full.length - 1)).map(e => e.type)).toEqual(['write'])
  })

  it('produces nothing once finished', () => {
    const hs = new SocksHandshake()
    hs.push(GREETING)
    hs.push(domainRequest('site.tor-net'))
    expect(hs.finished).toBe(true)
    expect(hs.push(bytes('more'))).toEqual([])
  })
})

describe('SOCKS4 and SOCKS4a handshake', () => {
  const rejected = socks4Reply(false)

  it('yields a SOCKS4 request for an IPv4 address', () => {
    const events = run(bytes([4, 1], port(80), [10, 0, 0, 1], 'me', [0]))
    expect(events).toEqual([{ type: 'request', request: { version: 4, host: '10.0.0.1', port: 80, addressType: 'ipv4', isolation: 'me' }, rest: new Uint8Array(0) }])
  })

  it('yields a SOCKS4a request with the host name, byte by byte too', () => {
    const data = bytes([4, 1], port(80), [0, 0, 0, 9], 'me', [0], 'Site.BIT', [0], 'GET')
    for (const events of [run(data), byteByByte(data)]) {
      const req = last(events)
      expect(req.type === 'request' && req.request).toEqual({ version: 4, host: 'site.bit', port: 80, addressType: 'domain', isolation: 'me' })
    }
    const req = last(run(data))
    expect(req.type === 'request' && Buffer.from(req.rest).toString()).toBe('GET')
  })

  it('gives an empty user id as no isolation', () => {
    const req = last(run(bytes([4, 1], port(80), [10, 0, 0, 1], [0])))
    expect(req.type === 'request' && req.request.isolation).toBe('')
  })

  it('rejects BIND', () => {
    expectFail(run(bytes([4, 2], port(80), [10, 0, 0, 1], [0])), SOCKS_ERRORS.commandNotSupported, rejected)
  })

  it('rejects an over-long user id or host name without waiting for more', () => {
    expectFail(run(bytes([4, 1], port(80), [10, 0, 0, 1], 'u'.repeat(300))), SOCKS_ERRORS.malformed, rejected)
    expectFail(run(bytes([4, 1], port(80), [0, 0, 0, 1], [0], 'h'.repeat(300))), SOCKS_ERRORS.malformed, rejected)
  })

  it('rejects an empty 4a host, a bad host, address 0.0.0.0 and port 0', () => {
    expectFail(run(bytes([4, 1], port(80), [0, 0, 0, 1], [0, 0])), SOCKS_ERRORS.malformed, rejected)
    expectFail(run(bytes([4, 1], port(80), [0, 0, 0, 1], [0], 'a b', [0])), SOCKS_ERRORS.badHost, rejected)
    expectFail(run(bytes([4, 1], port(80), [0, 0, 0, 0], [0])), SOCKS_ERRORS.malformed, rejected)
    expectFail(run(bytes([4, 1], port(0), [10, 0, 0, 1], [0])), SOCKS_ERRORS.malformed, rejected)
  })

  it('waits for the NUL that ends the user id', () => {
    expect(run(bytes([4, 1], port(80), [10, 0, 0, 1], 'user'))).toEqual([])
  })
})

describe('SOCKS replies', () => {
  it('encodes SOCKS5 replies with a zero IPv4 bound address', () => {
    expect(Buffer.from(socks5Reply(SOCKS5_REPLY.notAllowed))).toEqual(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]))
  })

  it('maps any failure to "rejected" for SOCKS4 clients', () => {
    expect(Buffer.from(replyFor(4, SOCKS5_REPLY.succeeded))).toEqual(Buffer.from([0, 0x5a, 0, 0, 0, 0, 0, 0]))
    expect(Buffer.from(replyFor(4, SOCKS5_REPLY.notAllowed))).toEqual(Buffer.from([0, 0x5b, 0, 0, 0, 0, 0, 0]))
    expect(replyFor(5, SOCKS5_REPLY.hostUnreachable)[1]).toBe(4)
  })

  it('fails without a reply when the first byte is no SOCKS version', () => {
    expectFail(run(bytes('GET')), SOCKS_ERRORS.malformed)
  })
})
