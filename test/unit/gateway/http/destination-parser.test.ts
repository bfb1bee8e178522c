import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { DestinationParser, type Destination } from '../../../../src/gateway/http/destination-parser.js'
import { TunnelRegistry } from '../../../../src/gateway/http/tunnel-context.js'
import { FAKE_REFERENCE } from '../../../helpers/fake-site-content.js'

function fakeRequest (url: string, host?: string): IncomingMessage {
  return { url, headers: host === undefined ? {} : { host }, socket: {} as Socket } as unknown as IncomingMessage
}

describe('destinationOf', () => {
  const parser = new DestinationParser(new TunnelRegistry())
  const destinationOf = (req: IncomingMessage): Destination => parser.destinationOf(req)

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
