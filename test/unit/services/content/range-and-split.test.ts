import { describe, expect, it } from 'vitest'
import { decryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { isTornetError } from '../../../../src/node/errors.js'
import type { ChunkSource } from '../../../../src/node/services/content/chunk-fetcher.js'
import { FsErrorCode, MemoryLocationIndex, openReference, publish } from '../../../../src/node/services/content/index.js'
import { openBlob } from '../../../../src/node/services/content/blob-access.js'
import { collect, fileOf, MemoryChunks, prng } from './memory-chunks.js'
import { chunkCryptoForFile } from '../../../helpers/chunk-crypto.js'

const crypto = chunkCryptoForFile()

// Tiny parts and headers so chains and boundaries are many and cheap.
const limits = { partBytes: 1000, packBytes: 4000, smallFileMax: 500, partsPerHeader: 3 }

async function codeOf (f: () => Promise<unknown>): Promise<string | undefined> {
  try { await f() } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

describe('range reads', () => {
  it('match the source for ranges on, across and inside part boundaries, through a header chain', async () => {
    const content = await collect(prng(3, 20_500)()) // 21 parts → 7 chained headers
    const store = new MemoryChunks()
    const fs = await openReference(await publish([fileOf('f.bin', content)], store, new MemoryLocationIndex(), { limits }), store, { crypto })
    const edges = [0, 1, 999, 1000, 1001, 2999, 3000, 3001, 9000, 10_499, 19_999, 20_000, 20_499, 20_500]
    for (const start of edges) {
      for (const end of edges) {
        if (end < start) continue
        const got = await fs.readAll('f.bin', { start, end })
        expect(got.equals(content.subarray(start, end)), `${start}..${end}`).toBe(true)
      }
    }
    expect((await fs.readAll('f.bin')).equals(content)).toBe(true)
  })

  it('one open blob streams a long header chain, then seeks back to any part (headers refetched, not all kept)', async () => {
    const content = await collect(prng(5, 30_000)()) // 30 parts → 10 chained headers
    const store = new MemoryChunks()
    const fs = await openReference(await publish([fileOf('f.bin', content)], store, new MemoryLocationIndex(), { limits }), store, { crypto })
    const entry = await (await fs.directory('/')).lookup('f.bin')
    if (entry === undefined) throw new Error('f.bin not listed')
    const blob = await openBlob(fs.fetcher, entry.location, 'file', entry.contentHash, { readAhead: 0 })
    const streamed: Buffer[] = []
    for await (const b of blob.stream(0, blob.size)) streamed.push(b)
    expect(Buffer.concat(streamed).equals(content)).toBe(true)
    // Backwards, one part at a time: every header of the chain is needed again.
    for (let part = 29; part >= 0; part--) {
      const got = await blob.read(part * 1000, 1000)
      expect(got.equals(content.subarray(part * 1000, part * 1000 + 1000)), `part ${part}`).toBe(true)
    }
    // And a range across every header at once.
    expect((await blob.read(500, 29_000)).equals(content.subarray(500, 29_500))).toBe(true)
  })

  it('stream only the parts a range needs', async () => {
    const content = await collect(prng(4, 20_000)())
    const store = new MemoryChunks()
    const ref = await publish([fileOf('f.bin', content)], store, new MemoryLocationIndex(), { limits })
    const fs = await openReference(ref, store, { crypto, readAhead: 0 })
    await fs.stat('f.bin')
    const before = fs.fetcher.fetchedChunks
    const pieces: number[] = []
    for await (const b of fs.readFile('f.bin', { start: 1500, end: 2500 })) pieces.push(b.length)
    expect(pieces).toEqual([500, 500])
    // Header 0 (parts 0..2) + parts 1 and 2.
    expect(fs.fetcher.fetchedChunks - before).toBe(3)
  })

  it('reject ranges outside the file with FS_BAD_RANGE', async () => {
    const store = new MemoryChunks()
    const fs = await openReference(await publish([fileOf('small', 'hello'), fileOf('empty', '')], store, new MemoryLocationIndex()), store, { crypto })
    expect((await fs.readAll('small', { start: 1, end: 4 })).toString()).toBe('ell')
    expect((await fs.readAll('empty')).length).toBe(0)
    for (const [start, end] of [[0, 6], [-1, 2], [3, 2], [0.5, 2], [6, 6]]) {
      expect(await codeOf(async () => await fs.readAll('small', { start, end })), `${start}..${end}`).toBe(FsErrorCode.BAD_RANGE)
    }
    expect(await codeOf(async () => await fs.readAll('empty', { start: 0, end: 1 }))).toBe(FsErrorCode.BAD_RANGE)
  })

  it('stopping a stream early leaves no stray rejections from read-ahead', async () => {
    const content = await collect(prng(5, 10_000)())
    const store = new MemoryChunks()
    const ref = await publish([fileOf('f.bin', content)], store, new MemoryLocationIndex(), { limits })
    const fs = await openReference(ref, store, { crypto, readAhead: 4 })
    // Break the store after publishing: later parts fail to fetch.
    // Root record, file header and part 0 are served; the parts read ahead are not.
    let served = 0
    const failing = { get: async (id: Buffer) => { if (++served > 3) throw new Error('gone'); return await store.get(id) } }
    const fs2 = await openReference(ref, failing, { crypto, readAhead: 4 })
    for await (const b of fs2.readFile('f.bin')) { expect(b.length).toBe(1000); break }
    expect(served).toBeGreaterThan(3) // read-ahead did ask for more
    await new Promise(resolve => setTimeout(resolve, 20))
    expect((await fs.readAll('f.bin')).equals(content)).toBe(true)
  })
})

/** A source that decrypts (as the chunk service does) and logs which plaintexts come back. */
function releasingSource (store: MemoryChunks): ChunkSource & { opened: Buffer[], released: Buffer[] } {
  const opened: Buffer[] = []
  const released: Buffer[] = []
  return {
    opened,
    released,
    get: async (id) => await store.get(id),
    open: async (id, key) => {
      const plain = decryptChunk(await store.get(id), key, { checkKey: false })
      opened.push(plain)
      return plain
    },
    release: (plain) => { released.push(plain) }
  }
}

describe('transient streams', () => {
  it('give each part back once the consumer asks for the next, and only file parts they fetched alone', async () => {
    const content = await collect(prng(6, 12_345)()) // 13 parts, 5 headers
    const store = new MemoryChunks()
    const ref = await publish([fileOf('f.bin', content)], store, new MemoryLocationIndex(), { limits })
    const source = releasingSource(store)
    const fs = await openReference(ref, source, { crypto, readAhead: 2 })
    const got: Buffer[] = []
    for await (const b of fs.readFile('f.bin', { transient: true })) {
      // The part being read is not given back yet; every part before it is.
      expect(source.released.some(r => r.buffer === b.buffer)).toBe(false)
      expect(source.released.length).toBe(got.length)
      got.push(Buffer.from(b))
    }
    expect(Buffer.concat(got).equals(content)).toBe(true)
    expect(source.released.length).toBe(13)
    // Given back: exactly the parts, each once; never a header (the headers stay readable).
    const parts = new Set(source.released)
    expect(parts.size).toBe(13)
    expect(source.opened.filter(o => !parts.has(o)).length).toBe(source.opened.length - 13)

    // Not transient: nothing is given back.
    source.released.length = 0
    expect((await fs.readAll('f.bin')).equals(content)).toBe(true)
    for await (const b of fs.readFile('f.bin')) void b
    expect(source.released.length).toBe(0)
  })

  it('give back the part held and those fetched ahead when the consumer stops early', async () => {
    const content = await collect(prng(7, 10_000)())
    const store = new MemoryChunks()
    const ref = await publish([fileOf('f.bin', content)], store, new MemoryLocationIndex(), { limits })
    const source = releasingSource(store)
    const fs = await openReference(ref, source, { crypto, readAhead: 2 })
    await fs.stat('f.bin')
    const openedBefore = source.opened.length
    let n = 0
    for await (const b of fs.readFile('f.bin', { start: 2000, transient: true })) {
      void b
      if (++n === 2) break
    }
    // Parts 2 and 3 were read, 4 and 5 fetched ahead: all four come back (the last ones when they arrive).
    await new Promise(resolve => setTimeout(resolve, 20))
    const partsOpened = source.opened.slice(openedBefore).filter(p => p.length === 1000)
    expect(partsOpened.length).toBeGreaterThanOrEqual(3)
    expect(new Set(source.released)).toEqual(new Set(partsOpened))
  })
})

describe('directory records split across chunks', () => {
  it('are read in place: a lookup fetches only the parts it touches', async () => {
    const entries = Array.from({ length: 600 }, (_, i) => fileOf(`entry-${String(i).padStart(4, '0')}`, i % 50 === 0 ? '' : `v${i}`))
    const store = new MemoryChunks()
    const ref = await publish(entries, store, new MemoryLocationIndex(), { limits })
    const fs = await openReference(ref, store, { crypto, cacheChunks: 4 })
    const root = await fs.stat('')
    expect(root.entries).toBe(600)
    expect(root.size).toBeGreaterThan(70_000) // 70 parts of 1000 bytes, 24 chained headers
    const before = fs.fetcher.fetchedChunks
    expect((await fs.readAll('entry-0437')).toString()).toBe('v437')
    // ~10 binary-search probes over 70 parts + the headers walked + one pack: far fewer than ~94 record chunks.
    expect(fs.fetcher.fetchedChunks - before).toBeLessThan(60)
    const names: string[] = []
    for await (const e of fs.list('/')) names.push(e.name)
    expect(names).toEqual(entries.map(e => e.path))
  })

})
