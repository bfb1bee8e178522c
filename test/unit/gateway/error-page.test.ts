import { describe, expect, it } from 'vitest'
import { RESOLVE_ERRORS } from '../../../src/resolvers/types.js'
import { TornetError } from '../../../src/node/errors.js'
import { ContentErrorCode, GATEWAY_ERRORS } from '../../../src/gateway/errors.js'
import { describeError, rawErrorResponse, renderErrorPage } from '../../../src/gateway/error-page.js'

const err = (code: string, message = 'what failed'): TornetError => new TornetError(code, message)

describe('error → HTTP status', () => {
  const cases: Array<[string, number]> = [
    [RESOLVE_ERRORS.notFound, 404], [RESOLVE_ERRORS.expired, 410], [RESOLVE_ERRORS.invalidName, 400],
    [RESOLVE_ERRORS.invalidRecord, 502], [RESOLVE_ERRORS.unavailable, 502], [RESOLVE_ERRORS.timeout, 504],
    [RESOLVE_ERRORS.notTornet, 403],
    [ContentErrorCode.notFound, 404], [ContentErrorCode.unreachable, 502], [ContentErrorCode.timeout, 504], [ContentErrorCode.corrupt, 502],
    [GATEWAY_ERRORS.badRequest, 400], [GATEWAY_ERRORS.headerTooLarge, 431], [GATEWAY_ERRORS.notTornet, 403],
    [GATEWAY_ERRORS.clearnetRefused, 403], [GATEWAY_ERRORS.noTls, 501], [GATEWAY_ERRORS.unsupportedNetwork, 501],
    [GATEWAY_ERRORS.noApp, 501], [GATEWAY_ERRORS.methodNotAllowed, 405], [GATEWAY_ERRORS.notFound, 404],
    [GATEWAY_ERRORS.rangeNotSatisfiable, 416], [GATEWAY_ERRORS.timeout, 504], [GATEWAY_ERRORS.upstreamFailed, 502],
    ['HPE_HEADER_OVERFLOW', 431], ['HPE_INVALID_METHOD', 400], ['ECONNREFUSED', 502], ['ETIMEDOUT', 504]
  ]
  for (const [code, status] of cases) {
    it(`${code} → ${status}`, () => {
      const page = renderErrorPage(err(code))
      expect(page.status).toBe(status)
      expect(page.code).toBe(code)
      expect(page.headers['x-tornet-error']).toBe(code)
    })
  }

  it('gives unknown errors a generic 500 page without their message or stack', () => {
    const e = new Error('secret internal detail')
    const page = renderErrorPage(e)
    expect(page.status).toBe(500)
    expect(page.code).toBe('GATEWAY_INTERNAL')
    expect(page.body).not.toContain('secret internal detail')
    expect(page.body).not.toContain('at ')
    expect(renderErrorPage('a string').status).toBe(500)
    expect(renderErrorPage(undefined).status).toBe(500)
  })
})

describe('error pages', () => {
  it('are complete HTML saying what failed, with the host and message escaped', () => {
    const page = renderErrorPage(err(RESOLVE_ERRORS.notFound, 'No record for <b>x</b>.'), { host: '<script>.bit', gateway: '127.0.0.1:1234' })
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(Number(page.headers['content-length'])).toBe(Buffer.byteLength(page.body))
    expect(page.body).toMatch(/^<!DOCTYPE html>/)
    expect(page.body).toContain('Name not found')
    expect(page.body).toContain('No record for &lt;b&gt;x&lt;/b&gt;.')
    expect(page.body).toContain('&lt;script&gt;.bit')
    expect(page.body).not.toContain('<script>')
  })

  it('point at this gateway’s own PAC address', () => {
    const page = renderErrorPage(err(GATEWAY_ERRORS.notTornet), { gateway: '127.0.0.1:4321' })
    expect(page.body).toContain('http://127.0.0.1:4321/proxy.pac')
  })

  it('can be written raw, as a whole HTTP/1.1 response that closes the connection', () => {
    const raw = rawErrorResponse(err(GATEWAY_ERRORS.noTls))
    expect(raw).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/)
    expect(raw).toContain('\r\nconnection: close\r\n')
    const [head, body] = raw.split('\r\n\r\n')
    expect(Number(/content-length: (\d+)/.exec(head!)![1])).toBe(Buffer.byteLength(body!))
  })
})

describe('error descriptions', () => {
  it('names the failed Namecoin proof on a 502 page', () => {
    const r = renderErrorPage(err('NAMECOIN_PROOF_AUXPOW', 'the merged-mining proof of block 37174 is invalid'))
    expect(r.status).toBe(502)
    expect(r.code).toBe('NAMECOIN_PROOF_AUXPOW')
    expect(r.body).toContain('Namecoin answer failed its proof')
    expect(r.body).toContain('merged-mining proof of block 37174')
  })

  it('headers still syncing: a 503 page with the progress, saying to reload later', () => {
    const r = renderErrorPage(err('NAMECOIN_HEADERS_SYNCING', 'Namecoin block headers are still being verified: block 412,300 of 812,345, 5,210 headers/s'))
    expect(r.status).toBe(503)
    expect(r.body).toContain('Namecoin headers still syncing')
    expect(r.body).toContain('block 412,300 of 812,345')
    expect(r.body).toContain('Reload in a while')
  })

  it('describes every error with a title and advice', () => {
    const d = describeError(err(ContentErrorCode.unreachable))
    expect(d.title.length).toBeGreaterThan(0)
    expect(d.advice.length).toBeGreaterThan(0)
  })
})
