import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { buildShards, type IndexedDocument } from '../../../../src/node/services/search/index-builder.js'
import { SearchEngine } from '../../../../src/node/services/search/query.js'
import { type ShardRef, encodeIndexPointer, encodeManifest } from '../../../../src/node/services/search/shard-codec.js'

/** An in-memory "network": chunks by id, and each builder's pointer. */
function world (): { chunks: Map<string, Buffer>, pointers: Map<string, Buffer>, put: (b: Buffer) => ShardRef, engine: (trusted: Buffer[]) => SearchEngine } {
  const chunks = new Map<string, Buffer>()
  const pointers = new Map<string, Buffer>()
  const put = (b: Buffer): ShardRef => { const id = sha256(b); chunks.set(id.toString('hex'), b); return { id, key: sha256(id), length: b.length, slices: Array.from({ length: Math.ceil(b.length / 65536) }, () => sha256(b)) } }
  const engine = (trusted: Buffer[]): SearchEngine => new SearchEngine({
    getChunk: async (ref) => {
      const b = chunks.get(ref.id.toString('hex'))
      if (b === undefined) throw new Error('no such chunk')
      return b
    },
    getPointer: async (builder) => pointers.get(builder.toString('hex')),
    trusted: () => trusted
  })
  return { chunks, pointers, put, engine }
}

const doc = (n: number, title: string, text: string): IndexedDocument =>
  ({ ref: { id: Buffer.alloc(32, n + 1), key: Buffer.alloc(32, n + 1) }, host: `site${n}.tor-net`, path: n % 2 === 0 ? 'index.html' : `p${n}.html`, title, text, popularity: n, tags: [] })

function publish (w: ReturnType<typeof world>, builder: Buffer, docs: IndexedDocument[]): void {
  const built = buildShards(docs, { docsPerShard: 2 })
  const termShards = built.termShards.map(w.put)
  const docShards = built.docShards.map(w.put)
  const manifest = w.put(encodeManifest({ created: 1, documents: built.documents, termBits: built.termBits, docsPerShard: 2, termShards, docShards }))
  w.pointers.set(builder.toString('hex'), encodeIndexPointer({ manifest, created: 1, documents: built.documents }))
}

const A = Buffer.alloc(32, 0xa)
const B = Buffer.alloc(32, 0xb)

describe('SearchEngine', () => {
  it('answers from a builder index: titles, addresses (index.html as its directory), totals, paging', async () => {
    const w = world()
    publish(w, A, [doc(0, 'Apples', 'red apples'), doc(1, 'Pears', 'green pears and apples'), doc(2, 'Plums', 'purple plums')])
    const e = w.engine([A])
    const r = await e.search('apples')
    expect(r.total).toBe(2)
    expect(r.hits.map(h => h.title)).toEqual(['Apples', 'Pears'])
    expect(r.hits[0].url).toBe('http://site0.tor-net/')
    expect(r.hits[1].url).toBe('http://site1.tor-net/p1.html')
    expect(r.fetchedBytes).toBeGreaterThan(0)
    const again = await e.search('apples', { offset: 1, limit: 1 })
    expect(again.hits.map(h => h.title)).toEqual(['Pears'])
    expect(again.fetchedBytes).toBe(0) // everything cached
    expect((await e.search('')).hits).toEqual([])
  })

  it('a malformed shard is SEARCH_SHARD_MALFORMED naming the builder', async () => {
    const w = world()
    publish(w, A, [doc(0, 'Apples', 'red apples')])
    for (const [k, v] of w.chunks) if (v.subarray(0, 4).toString() === 'TSRT') w.chunks.set(k, v.subarray(0, v.length - 1))
    await expect(w.engine([A]).search('apples')).rejects.toMatchObject({ code: 'SEARCH_SHARD_MALFORMED', message: expect.stringContaining(A.toString('hex')) })
    w.pointers.set(A.toString('hex'), Buffer.from('junk'))
    await expect(w.engine([A]).search('apples')).rejects.toMatchObject({ code: 'SEARCH_SHARD_MALFORMED' })
  })

  it('with two builders, one broken: results from the other, the failure reported', async () => {
    const w = world()
    publish(w, A, [doc(0, 'Apples', 'red apples')])
    publish(w, B, [doc(4, 'More apples', 'apples apples')])
    const manifestOfB = w.pointers.get(B.toString('hex'))!.subarray(5, 37).toString('hex')
    w.chunks.set(manifestOfB, Buffer.from('TSRM\x01'))
    const r = await w.engine([A, B]).search('apples')
    expect(r.hits.map(h => h.title)).toEqual(['Apples'])
    expect(r.failures).toEqual([{ builder: B.toString('hex'), code: 'SEARCH_SHARD_MALFORMED', message: expect.stringContaining(B.toString('hex')) }])
  })

  it('no builder, or no index: SEARCH_NO_INDEX', async () => {
    const w = world()
    await expect(w.engine([]).search('apples')).rejects.toMatchObject({ code: 'SEARCH_NO_INDEX' })
    await expect(w.engine([A]).search('apples')).rejects.toMatchObject({ code: 'SEARCH_NO_INDEX' })
  })
})

describe('SearchEngine pointer refresh', () => {
  it('answers from the index in hand once its pointer is stale, and picks up the newer index in the background', async () => {
    const w = world()
    publish(w, A, [doc(0, 'Apples', 'red apples')])
    let now = 0
    const e = new SearchEngine({
      getChunk: async (ref) => w.chunks.get(ref.id.toString('hex'))!,
      getPointer: async (b) => w.pointers.get(b.toString('hex')),
      trusted: () => [A],
      now: () => now,
      pointerTtlMs: 1000
    })
    expect((await e.search('apples')).hits.map(h => h.title)).toEqual(['Apples'])
    publish(w, A, [doc(0, 'Green apples', 'green apples')])
    now = 5000
    expect((await e.search('apples')).hits.map(h => h.title)).toEqual(['Apples']) // stale, answered at once
    await new Promise(resolve => setTimeout(resolve, 10))
    expect((await e.search('apples')).hits.map(h => h.title)).toEqual(['Green apples'])
  })
})
