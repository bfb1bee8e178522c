import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { formatReference, FsErrorCode, isReferenceHost, parseReference } from '../../../../src/node/services/content/index.js'
import { isTornetError } from '../../../../src/node/errors.js'

function codeOf (f: () => unknown): string | undefined {
  try { f() } catch (err) { return isTornetError(err) ? err.code : 'untyped' }
  return undefined
}

const ref = { id: Buffer.alloc(32, 0x11), key: Buffer.alloc(32, 0xee) }

describe('reference ↔ DNS labels', () => {
  it('formats as two lowercase base32 labels of 56 characters (golden)', () => {
    const s = formatReference(ref)
    expect(s).toMatch(/^[a-z2-7]{56}\.[a-z2-7]{56}$/)
    // Version byte 1 then 0x11...: fixed by the format; a change here breaks every published link.
    // Derived independently (Python base64.b32encode + hashlib) from the documented layout.
    expect(s).toBe('aeirceirceirceirceirceirceirceirceirceirceirceirceird3xo.53xo53xo53xo53xo53xo53xo53xo53xo53xo53xo53xo53xotsy2xau4')
    expect(`http://${s}.tor-net/`.length).toBeLessThan(253)
  })

  it('round trips random references, with or without the .tor-net suffix, in any case', () => {
    for (let i = 0; i < 200; i++) {
      const r = { id: randomBytes(32), key: randomBytes(32) }
      const s = formatReference(r)
      for (const host of [s, `${s}.tor-net`, `${s}.tor-net.`, s.toUpperCase(), `${s}.TOR-NET`]) {
        const back = parseReference(host)
        expect(back.id.equals(r.id) && back.key.equals(r.key)).toBe(true)
        expect(isReferenceHost(host)).toBe(true)
      }
      for (const label of s.split('.')) expect(label.length).toBeLessThanOrEqual(63)
    }
  })

  it('rejects junk with stable codes', () => {
    const s = formatReference(ref)
    const [a, b] = s.split('.')
    expect(codeOf(() => parseReference(''))).toBe(FsErrorCode.REF_MALFORMED)
    expect(codeOf(() => parseReference('example.tor-net'))).toBe(FsErrorCode.REF_MALFORMED)
    expect(codeOf(() => parseReference(a + b))).toBe(FsErrorCode.REF_MALFORMED)
    expect(codeOf(() => parseReference(`${a}.${b}.${b}`))).toBe(FsErrorCode.REF_MALFORMED)
    expect(codeOf(() => parseReference(`${a}.${b.slice(1)}`))).toBe(FsErrorCode.REF_MALFORMED)
    expect(codeOf(() => parseReference(`${a}.${b.slice(1)}1`))).toBe(FsErrorCode.REF_MALFORMED) // '1' is not base32
    expect(codeOf(() => parseReference(`${a}.${b.slice(1)}é`))).toBe(FsErrorCode.REF_MALFORMED)
    // One character changed: caught by the checksum.
    const typo = `${a.slice(0, 10)}${a[10] === 'q' ? 'r' : 'q'}${a.slice(11)}.${b}`
    expect(codeOf(() => parseReference(typo))).toBe(FsErrorCode.REF_CHECKSUM)
    // Version 2 (first character 'a' encodes the top bits of 0x01; 'b' would be 0x09..).
    expect(codeOf(() => parseReference(`b${a.slice(1)}.${b}`))).toBe(FsErrorCode.REF_VERSION)
    expect(isReferenceHost('www.example.tor-net')).toBe(false)
    expect(isReferenceHost(typo)).toBe(false)
  })

  it('refuses to format ids or keys of the wrong size', () => {
    expect(() => formatReference({ id: Buffer.alloc(31), key: Buffer.alloc(32) })).toThrow(RangeError)
  })
})
