import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { isCrossSiteRead, isSameGatewayOrigin, newCsrfToken, tokensEqual } from '../../../../src/gateway/apps/dashboard/csrf.js'

function req (headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage
}

describe('isCrossSiteRead', () => {
  const direct = { host: '127.0.0.1', port: 9150 }

  it('flags another site’s fetch, image or frame by Origin or by Fetch Metadata', () => {
    const cases: Array<Record<string, string>> = [
      { origin: 'http://evil.tor-net' }, // a CORS fetch() from a .tor-net page
      { origin: 'null' },
      { origin: 'http://evil.tor-net', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, // <img src>, no Origin
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' },
      { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' } // another port of 127.0.0.1
    ]
    for (const headers of cases) expect(isCrossSiteRead(req(headers), direct), JSON.stringify(headers)).toBe(true)
  })

  it('lets the user open the page: typed, a link from another site, or the page’s own requests', () => {
    const cases: Array<Record<string, string>> = [
      {}, // curl, or a browser that sends neither
      { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      { origin: 'http://127.0.0.1:9150', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }
    ]
    for (const headers of cases) expect(isCrossSiteRead(req(headers), direct), JSON.stringify(headers)).toBe(false)
  })
})

describe('isSameGatewayOrigin', () => {
  const direct = { host: '127.0.0.1', port: 9150 }

  it('accepts the gateway’s own origin, by Origin or else Referer', () => {
    expect(isSameGatewayOrigin(req({ origin: 'http://127.0.0.1:9150' }), direct)).toBe(true)
    expect(isSameGatewayOrigin(req({ referer: 'http://127.0.0.1:9150/?published=x' }), direct)).toBe(true)
    expect(isSameGatewayOrigin(req({ origin: 'http://localhost:9150' }), { host: 'localhost', port: 9150 })).toBe(true)
    expect(isSameGatewayOrigin(req({ origin: 'http://tornet.tor-net' }), { host: 'tornet.tor-net', port: 80 })).toBe(true)
    expect(isSameGatewayOrigin(req({ origin: 'http://[::1]:9150' }), { host: '::1', port: 9150 })).toBe(true)
  })

  it('refuses other sites, other ports, https, null and missing origins', () => {
    const cases: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { origin: 'http://127.0.0.1:8080' },
      { origin: 'http://localhost:9150' }, // another name: another origin
      { origin: 'https://127.0.0.1:9150' },
      { origin: 'null' },
      { origin: 'not a url' },
      { referer: 'http://evil.example/page' },
      { origin: 'http://evil.example', referer: 'http://127.0.0.1:9150/' }, // Origin wins
      {}
    ]
    for (const headers of cases) {
      expect(isSameGatewayOrigin(req(headers), direct), JSON.stringify(headers)).toBe(false)
    }
  })

  it('refuses a request addressed to a name that is not the gateway’s (DNS rebinding)', () => {
    expect(isSameGatewayOrigin(req({ origin: 'http://evil.example:9150' }), { host: 'evil.example', port: 9150 })).toBe(false)
  })
})

describe('tokens', () => {
  it('are random and compared exactly', () => {
    const a = newCsrfToken()
    expect(a).not.toBe(newCsrfToken())
    expect(a.length).toBeGreaterThanOrEqual(40)
    expect(tokensEqual(a, a)).toBe(true)
    expect(tokensEqual(a, `${a}x`)).toBe(false)
    expect(tokensEqual(a, a.slice(0, -1) + (a.endsWith('A') ? 'B' : 'A'))).toBe(false)
    expect(tokensEqual(a, undefined)).toBe(false)
    expect(tokensEqual(a, '')).toBe(false)
  })
})
