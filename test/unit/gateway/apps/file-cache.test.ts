import { describe, expect, it } from 'vitest'
import { FileCache, type FileCacheLimits } from '../../../../src/gateway/apps/file-cache.js'

const CONTROL = { immutable: 'public, max-age=31536000, immutable', name: 'public, max-age=60' }
const REF = 'a'.repeat(52) + '.' + 'b'.repeat(52)
const OTHER = 'c'.repeat(52) + '.' + 'd'.repeat(52)

function cache (limits: Partial<FileCacheLimits> = {}): FileCache {
  return new FileCache({ maxBytes: 1 << 20, maxFileBytes: 64 * 1024, maxEntries: 100, ...limits }, CONTROL)
}

function pairs (flat: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!
  return out
}

describe('FileCache', () => {
  it('keeps a file whole, with the headers of its 200 answer for a content address and for a name', () => {
    const c = cache()
    c.store(REF, undefined, '/index.html', [Buffer.from('<h1>'), Buffer.from('hi</h1>')], '"e1"', 'text/html; charset=utf-8')
    const file = c.get(REF, undefined, '/index.html')!
    expect(file.body.toString()).toBe('<h1>hi</h1>')
    expect(pairs(file.immutableHeaders)).toEqual({
      etag: '"e1"',
      'cache-control': CONTROL.immutable,
      'accept-ranges': 'bytes',
      'content-type': 'text/html; charset=utf-8',
      'content-length': '11',
      'x-content-type-options': 'nosniff'
    })
    expect(pairs(file.nameHeaders)['cache-control']).toBe(CONTROL.name)
    expect(c.size).toBe(1)
  })

  it('copies the bytes, so a source that reuses its buffer cannot change a cached page', () => {
    const c = cache()
    const source = Buffer.from('original')
    c.store(REF, undefined, '/a', [source.subarray(0, 4), source.subarray(4)], '"e"', 'text/plain')
    source.fill(0x78)
    expect(c.get(REF, undefined, '/a')!.body.toString()).toBe('original')
  })

  it('tells apart references, pathnames and the base path of a name record', () => {
    const c = cache()
    c.store(REF, undefined, '/x/y', [Buffer.from('plain')], '"1"', 'text/plain')
    c.store(REF, '/x', '/y', [Buffer.from('based')], '"2"', 'text/plain')
    c.store(OTHER, undefined, '/x/y', [Buffer.from('other')], '"3"', 'text/plain')
    expect(c.get(REF, undefined, '/x/y')!.body.toString()).toBe('plain')
    expect(c.get(REF, '/x', '/y')!.body.toString()).toBe('based')
    expect(c.get(OTHER, undefined, '/x/y')!.body.toString()).toBe('other')
    expect(c.get(REF, '/x/', '/y')).toBeUndefined()
    expect(c.get(REF, undefined, '/x/y/')).toBeUndefined()
    expect(c.get(OTHER, '/x', '/y')).toBeUndefined()
  })

  it('does not keep a file larger than maxFileBytes', () => {
    const c = cache({ maxFileBytes: 10 })
    expect(c.admits(10)).toBe(true)
    expect(c.admits(11)).toBe(false)
    expect(c.store(REF, undefined, '/big', [Buffer.alloc(11)], '"b"', 'text/plain')).toBeUndefined()
    expect(c.get(REF, undefined, '/big')).toBeUndefined()
    expect(c.size).toBe(0)
  })

  it('keeps nothing when turned off', () => {
    const c = cache({ maxBytes: 0 })
    expect(c.admits(0)).toBe(false)
    c.store(REF, undefined, '/empty', [], '"e"', 'text/plain')
    expect(c.get(REF, undefined, '/empty')).toBeUndefined()
  })

  it('stays within maxEntries and maxBytes, evicting the oldest entry not used since', () => {
    const c = cache({ maxEntries: 3 })
    for (const p of ['/1', '/2', '/3']) c.store(REF, undefined, p, [Buffer.from(p)], '"e"', 'text/plain')
    // A full turn of the clock clears every flag; then the oldest goes.
    c.store(REF, undefined, '/4', [Buffer.from('4')], '"e"', 'text/plain')
    expect(c.size).toBe(3)
    expect(c.get(REF, undefined, '/1')).toBeUndefined()
    // '/2' is used again, so '/3' is the one to go next.
    expect(c.get(REF, undefined, '/2')).toBeDefined()
    c.store(REF, undefined, '/5', [Buffer.from('5')], '"e"', 'text/plain')
    expect(c.get(REF, undefined, '/2')).toBeDefined()
    expect(c.get(REF, undefined, '/3')).toBeUndefined()
    expect(c.get(REF, undefined, '/4')).toBeDefined()
    expect(c.get(REF, undefined, '/5')).toBeDefined()

    const bytes = cache({ maxBytes: 4096, maxFileBytes: 2048 })
    for (let i = 0; i < 20; i++) bytes.store(REF, undefined, `/f${i}`, [Buffer.alloc(1000)], '"e"', 'application/octet-stream')
    expect(bytes.bytes).toBeLessThanOrEqual(4096)
    expect(bytes.size).toBeGreaterThan(0)
    expect(bytes.get(REF, undefined, '/f19')).toBeDefined()
    expect(bytes.get(REF, undefined, '/f0')).toBeUndefined()
  })

  it('replaces an entry stored again under the same key, counting its bytes once', () => {
    const c = cache()
    c.store(REF, undefined, '/a', [Buffer.alloc(100)], '"1"', 'text/plain')
    const before = c.bytes
    c.store(REF, undefined, '/a', [Buffer.alloc(100)], '"2"', 'text/plain')
    expect(c.bytes).toBe(before)
    expect(c.size).toBe(1)
    expect(c.get(REF, undefined, '/a')!.etag).toBe('"2"')
    c.clear()
    expect(c.size).toBe(0)
    expect(c.bytes).toBe(0)
  })
})
