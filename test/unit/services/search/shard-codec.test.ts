import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  decodeDocShard, decodeIndexPointer, decodeManifest, decodeTermShard, encodeDocShard, encodeIndexPointer, encodeManifest, encodeTermShard,
  shardOf, type DocShard, type Manifest, type TermShard
} from '../../../../src/node/services/search/shard-codec.js'
import { WireError } from '../../../../src/node/wire/codec.js'

const fixture = (name: string): Buffer => Buffer.from(readFileSync(new URL(`../../../fixtures/search/${name}`, import.meta.url), 'utf8').trim(), 'hex')
const fill = (b: number): Buffer => Buffer.alloc(32, b)

export const TERM_SHARD: TermShard = {
  prefix: 3,
  terms: new Map([
    ['tornet', [{ doc: 0, weight: 900 }, { doc: 2, weight: 40 }]],
    ['déjà', [{ doc: 1, weight: 1 }]]
  ])
}
export const DOC_SHARD: DocShard = {
  first: 16,
  docs: [
    { ref: { id: fill(1), key: fill(2) }, host: 'docs.tor-net', path: 'guide/intro.html', title: 'Intro', snippet: 'How Tornet works…', popularity: 7, tags: ['guide', 'p2p'] },
    { ref: { id: fill(3), key: fill(4) }, host: 'x.tor-net', path: '', title: '', snippet: '', popularity: 0, tags: [] }
  ]
}
export const MANIFEST: Manifest = {
  created: 1_700_000_000_000,
  documents: 3,
  termBits: 1,
  docsPerShard: 2,
  termShards: [{ id: fill(5), key: fill(6), length: 16, slices: [fill(15)] }, { id: fill(7), key: fill(8), length: 65537, slices: [fill(16), fill(17)] }],
  docShards: [{ id: fill(9), key: fill(10), length: 8, slices: [fill(18)] }, { id: fill(11), key: fill(12), length: 65536, slices: [fill(19)] }]
}

describe('search shard codec', () => {
  it('encodes a term shard to the golden bytes and back', () => {
    const bytes = encodeTermShard(TERM_SHARD)
    expect(bytes.toString('hex')).toBe(fixture('term-shard-v1.hex').toString('hex'))
    const back = decodeTermShard(bytes, 3)
    expect(back.prefix).toBe(3)
    expect([...back.terms.entries()]).toEqual([...TERM_SHARD.terms.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
  })

  it('encodes a document shard to the golden bytes and back', () => {
    const bytes = encodeDocShard(DOC_SHARD)
    expect(bytes.toString('hex')).toBe(fixture('doc-shard-v1.hex').toString('hex'))
    expect(decodeDocShard(bytes)).toEqual(DOC_SHARD)
  })

  it('encodes a manifest and an index pointer to the golden bytes and back', () => {
    const bytes = encodeManifest(MANIFEST)
    expect(bytes.toString('hex')).toBe(fixture('manifest-v1.hex').toString('hex'))
    expect(decodeManifest(bytes)).toEqual(MANIFEST)
    const pointer = { manifest: { id: fill(13), key: fill(14) }, created: 5, documents: 3 }
    const p = encodeIndexPointer(pointer)
    expect(p.toString('hex')).toBe(fixture('pointer-v1.hex').toString('hex'))
    expect(decodeIndexPointer(p)).toEqual(pointer)
  })

  it('refuses every truncation, trailing bytes, a bad magic or version', () => {
    for (const [bytes, decode] of [
      [encodeTermShard(TERM_SHARD), (b: Buffer) => decodeTermShard(b, 3)],
      [encodeDocShard(DOC_SHARD), decodeDocShard],
      [encodeManifest(MANIFEST), decodeManifest],
      [encodeIndexPointer({ manifest: { id: fill(1), key: fill(2) }, created: 1, documents: 1 }), decodeIndexPointer]
    ] as Array<[Buffer, (b: Buffer) => unknown]>) {
      for (let n = 0; n < bytes.length; n++) expect(() => decode(bytes.subarray(0, n))).toThrow(WireError)
      expect(() => decode(Buffer.concat([bytes, Buffer.of(0)]))).toThrow(WireError)
      const magic = Buffer.from(bytes); magic[0] ^= 1
      expect(() => decode(magic)).toThrow(WireError)
      const version = Buffer.from(bytes); version[4] = 9
      expect(() => decode(version)).toThrow(WireError)
    }
  })

  it('refuses postings past the document count, terms out of order, absurd counts', () => {
    expect(() => decodeTermShard(encodeTermShard(TERM_SHARD), 2)).toThrow(WireError)
    const huge = encodeTermShard(TERM_SHARD)
    huge.writeUInt32LE(0xffffffff, 7)
    expect(() => decodeTermShard(huge, 3)).toThrow(WireError)
    const m = encodeManifest(MANIFEST)
    m[17] = 13 // term bits above the limit
    expect(() => decodeManifest(m)).toThrow(WireError)
    const zero = encodeManifest(MANIFEST)
    zero.writeUInt32LE(0, 24 + 64) // the first shard's length
    expect(() => decodeManifest(zero)).toThrow(WireError)
  })

  it('random bytes never throw anything but WireError', () => {
    let seed = 1
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed }
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(rnd() % 200)
      for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff
      if (b.length > 4) b.write(['TSRT', 'TSRD', 'TSRM', 'TSRP'][i % 4], 0, 'latin1')
      if (b.length > 5) b[4] = 1
      for (const decode of [(x: Buffer) => decodeTermShard(x, 100), decodeDocShard, decodeManifest, decodeIndexPointer]) {
        try { decode(b) } catch (err) { expect(err).toBeInstanceOf(WireError) }
      }
    }
  })

  it('maps a term to the same shard for a given bit count', () => {
    expect(shardOf('tornet', 0)).toBe(0)
    const s = shardOf('tornet', 12)
    expect(s).toBeGreaterThanOrEqual(0)
    expect(s).toBeLessThan(4096)
    expect(shardOf('tornet', 4)).toBe(s >> 8)
  })
})
