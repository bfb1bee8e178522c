import { describe, expect, it } from 'vitest'
import { readEndpoint, writeEndpoint } from '../../../src/node/store/endpoint-codec.js'
import { Reader, Writer, tryDecode } from '../../../src/node/wire/codec.js'
import type { Endpoint } from '../../../src/node/types.js'

function enc (e: Endpoint): Buffer { const w = new Writer(); writeEndpoint(w, e); return w.finish() }
function dec (b: Uint8Array): Endpoint { const r = new Reader(b, 'endpoint'); const e = readEndpoint(r); r.end(); return e }

describe('endpoint codec', () => {
  it('stores IPv4 as family, 4 bytes, port', () => {
    const b = enc({ address: '192.168.1.20', port: 9150 })
    expect(b.toString('hex')).toBe('04' + 'c0a80114' + 'be23')
    expect(dec(b)).toEqual({ address: '192.168.1.20', port: 9150 })
  })

  it('stores IPv6 as 16 bytes and returns canonical text', () => {
    const cases: Array<[string, string]> = [
      ['::1', '::1'],
      ['::', '::'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['fe80::1%eth0', 'fe80::1%eth0'],
      ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221']
    ]
    for (const [input, canonical] of cases) {
      const b = enc({ address: input, port: 1 })
      expect(b[0]).toBe(6)
      expect(dec(b)).toEqual({ address: canonical, port: 1 })
    }
    expect(enc({ address: '::ffff:10.0.0.1', port: 1 }).subarray(1, 17).toString('hex')).toBe('00000000000000000000ffff0a000001')
  })

  it('refuses to write a non-address or a bad port', () => {
    expect(() => enc({ address: 'example.org', port: 1 })).toThrow(RangeError)
    expect(() => enc({ address: '1.2.3.4', port: 0 })).toThrow(RangeError)
    expect(() => enc({ address: '1.2.3.4', port: 65536 })).toThrow(RangeError)
  })

  it('rejects unknown families, port 0, truncation and trailing bytes', () => {
    const good = enc({ address: '2001:db8::1%x', port: 7 })
    for (let n = 0; n < good.length; n++) expect(tryDecode(dec, good.subarray(0, n))).toBeUndefined()
    expect(tryDecode(dec, Buffer.concat([good, Buffer.from([1])]))).toBeUndefined()
    expect(tryDecode(dec, Buffer.from('05c0a80114be23', 'hex'))).toBeUndefined()
    expect(tryDecode(dec, Buffer.from('04c0a801140000', 'hex'))).toBeUndefined()
  })
})
