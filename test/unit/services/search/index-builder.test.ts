import { describe, expect, it } from 'vitest'
import { buildShards, type IndexedDocument } from '../../../../src/node/services/search/index-builder.js'
import { rankPostings } from '../../../../src/node/services/search/ranking.js'
import { decodeDocShard, decodeTermShard, shardOf } from '../../../../src/node/services/search/shard-codec.js'

const doc = (n: number, title: string, text: string, popularity = 0, tags: IndexedDocument['tags'] = []): IndexedDocument =>
  ({ ref: { id: Buffer.alloc(32, n), key: Buffer.alloc(32, n) }, host: `h${n}.tor-net`, path: `p${n}.html`, title, text, popularity, tags })

function query (built: ReturnType<typeof buildShards>, words: string[]): string[] {
  const shards = built.termShards.map(s => decodeTermShard(s, built.documents))
  const docs = built.docShards.flatMap(s => decodeDocShard(s).docs)
  const lists = words.map(w => shards[shardOf(w, built.termBits)].terms.get(w))
  return rankPostings(lists, 10).top.map(r => docs[r.doc].host)
}

describe('index builder', () => {
  it('ranks title matches and rarer terms first, and popular documents before equal ones', () => {
    const built = buildShards([
      doc(1, 'Gardening', 'roses and tulips in the garden, roses again'),
      doc(2, 'Roses', 'a page about flowers'),
      doc(3, 'Other', 'nothing here about flowers'),
      doc(4, 'Twin', 'identical text', 0),
      doc(5, 'Twin', 'identical text', 50)
    ], { docsPerShard: 2 })
    expect(built.documents).toBe(5)
    expect(built.docShards.length).toBe(3)
    expect(query(built, ['roses'])[0]).toBe('h2.tor-net')
    expect(query(built, ['identical'])).toEqual(['h5.tor-net', 'h4.tor-net'])
    expect(query(built, ['flowers', 'roses'])[0]).toBe('h2.tor-net')
  })

  it('indexes tag words on tagged documents', () => {
    const built = buildShards([doc(1, 'A', 'text'), doc(2, 'B', 'text', 0, [{ word: 'jazz', weight: 3 }])])
    expect(query(built, ['jazz'])).toEqual(['h2.tor-net'])
    expect(decodeDocShard(built.docShards[0]).docs.find(d => d.host === 'h2.tor-net')?.tags).toEqual(['jazz'])
  })

  it('keeps shards small: more prefix bits for more postings', () => {
    const docs = Array.from({ length: 2000 }, (_, i) => doc(i % 250, `doc ${i}`, `word${i} common${i % 97} shared${i % 13} text`))
    const built = buildShards(docs, { targetShardBytes: 4096 })
    expect(built.termBits).toBeGreaterThan(2)
    const average = built.termShards.reduce((s, x) => s + x.length, 0) / built.termShards.length
    expect(average).toBeLessThan(8192)
  })

  it('an empty index is valid', () => {
    const built = buildShards([])
    expect(built.documents).toBe(0)
    expect(built.termShards.length).toBe(1)
    expect(built.docShards.length).toBe(0)
  })
})
