import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { DestinationParser, type Destination } from '../../../../src/gateway/http/destination-parser.js'
import { TunnelRegistry } from '../../../../src/gateway/http/tunnel-context.js'
import { FAKE_REFERENCE } from '../../../helpers/fake-site-content.js'

function fakeRequest (url: string, host?: string, extra: Record<string, string> = {}): IncomingMessage {
  return { url, headers: { ...(host === undefined ? {} : { host }), ...extra }, socket: {} as Socket } as unknown as IncomingMessage
}

const basic = (credentials: string): Record<string, string> =>
  ({ 'proxy-authorization': `Basic ${Buffer.from(credentials, 'latin1').toString('base64')}` })

describe('destinationOf', () => {
  const parser = new DestinationParser(new TunnelRegistry())
  const destinationOf = (req: IncomingMessage): Destination => parser.destinationOf(req)

  it('gives the same answer for a URL seen before, and a fresh object each time', () => {
    const url = `http://${FAKE_REFERENCE}.tor-net/a/./b/../c?x=1`
    const first = destinationOf(fakeRequest(url))
    const second = destinationOf(fakeRequest(url))
    expect(first).toEqual({ host: `${FAKE_REFERENCE}.tor-net`, port: 80, via: 'http-proxy', pathname: '/a/c', search: '?x=1', isolation: '' })
    expect(second).toEqual(first)
    expect(second).not.toBe(first)
    const origin = destinationOf(fakeRequest('/p?q', 'Site.Tor-Net:8080'))
    expect(origin).toEqual({ host: 'site.tor-net', port: 8080, via: 'direct', pathname: '/p', search: '?q', isolation: '' })
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

  it('takes a proxy request’s isolation from Proxy-Authorization, per request, and ignores it on plain requests', () => {
    const url = 'http://site.tor-net/'
    expect(destinationOf(fakeRequest(url, undefined, basic('alice:pw'))).isolation).toBe('alice')
    expect(destinationOf(fakeRequest(url, undefined, basic('bob:'))).isolation).toBe('bob') // the same URL, remembered, keeps no tag
    expect(destinationOf(fakeRequest(url)).isolation).toBe('')
    expect(destinationOf(fakeRequest('/p', 'site.tor-net', basic('alice:pw'))).isolation).toBe('')
  })

  it('takes a tunnelled request’s isolation from its tunnel, whatever headers the request carries', () => {
    const tunnels = new TunnelRegistry()
    const socket = {} as Socket
    tunnels.set(socket, { via: 'socks', host: 'site.tor-net', port: 80, isolation: 'tab-7' })
    const tunnelled = new DestinationParser(tunnels)
    const req = { url: '/x', headers: { host: 'other.tor-net', ...basic('eve:x') }, socket } as unknown as IncomingMessage
    expect(tunnelled.destinationOf(req)).toMatchObject({ host: 'site.tor-net', via: 'socks', isolation: 'tab-7' })
  })
})
