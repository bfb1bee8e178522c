import { describe, expect, it } from 'vitest'
import { MAX_ISOLATION_BYTES, isolationFromBytes, isolationFromProxyAuthorization } from '../../../../src/gateway/http/isolation.js'

const basic = (credentials: Buffer | string): string =>
  `Basic ${(typeof credentials === 'string' ? Buffer.from(credentials, 'latin1') : credentials).toString('base64')}`

describe('isolationFromProxyAuthorization', () => {
  it('is the user name of Basic credentials, the password never', () => {
    expect(isolationFromProxyAuthorization(basic('tornet-hops-3:secret'))).toBe('tornet-hops-3')
    expect(isolationFromProxyAuthorization(basic('a:b:c'))).toBe('a') // the first colon splits
    expect(isolationFromProxyAuthorization(basic(':pw'))).toBe('')
    expect(isolationFromProxyAuthorization(`  bAsIc   ${Buffer.from('u:p').toString('base64')} `)).toBe('u')
  })

  it('is empty without the header or with a scheme we do not use', () => {
    expect(isolationFromProxyAuthorization(undefined)).toBe('')
    expect(isolationFromProxyAuthorization('Bearer abc.def')).toBe('')
    expect(isolationFromProxyAuthorization('Basicx abc')).toBe('')
  })

  it('keeps non-ASCII bytes one to one, so different names never share a tag', () => {
    const a = isolationFromProxyAuthorization(basic(Buffer.from([0xc3, 0xa9, 0x3a])))
    const b = isolationFromProxyAuthorization(basic(Buffer.from([0xc3, 0xa8, 0x3a])))
    expect(a).not.toBe(b)
    expect(Buffer.from(a, 'latin1')).toEqual(Buffer.from([0xc3, 0xa9]))
  })

  it('refuses what it cannot read rather than silently dropping the tag', () => {
    const bad = expect.objectContaining({ code: 'GATEWAY_BAD_REQUEST' })
    expect(() => isolationFromProxyAuthorization('Basic')).toThrow(bad)
    expect(() => isolationFromProxyAuthorization('Basic !!!')).toThrow(bad)
    expect(() => isolationFromProxyAuthorization(basic('no-colon'))).toThrow(bad)
    expect(() => isolationFromProxyAuthorization([basic('a:b'), basic('c:d')])).toThrow(bad)
  })

  it('bounds the user name at MAX_ISOLATION_BYTES', () => {
    const longest = 'x'.repeat(MAX_ISOLATION_BYTES)
    expect(isolationFromProxyAuthorization(basic(`${longest}:p`))).toBe(longest)
    expect(() => isolationFromProxyAuthorization(basic(`${longest}x:p`))).toThrow(expect.objectContaining({ code: 'GATEWAY_BAD_REQUEST' }))
  })
})

describe('isolationFromBytes', () => {
  it('maps bytes one to one and bounds the length', () => {
    expect(isolationFromBytes(Buffer.from('alice'))).toBe('alice')
    expect(isolationFromBytes(new Uint8Array(0))).toBe('')
    expect(isolationFromBytes(new Uint8Array(400).fill(0x41)).length).toBe(MAX_ISOLATION_BYTES)
  })
})
