import { describe, expect, it } from 'vitest'
import { type DirectoryEntry, MemoryLocationIndex, openReference, publish, type PublishEntry, type Reference } from '../../../../src/node/services/content/index.js'
import { collect, fileOf, MemoryChunks, prng, recordingSink } from './memory-chunks.js'
import { chunkCryptoForFile } from '../../../helpers/chunk-crypto.js'

const crypto = chunkCryptoForFile()

// Small limits so a "large" file has many parts without using much memory:
// parts of 4 KiB, packs of 16 KiB, files above 2 KiB are split.
const limits = { partBytes: 4096, packBytes: 16384, smallFileMax: 2048, partsPerHeader: 8 }
const LARGE = 100_000 // 25 parts, 4 header chunks

interface Tree { files: Map<string, Buffer> }

async function baseTree (): Promise<Tree> {
  const files = new Map<string, Buffer>()
  for (let i = 0; i < 300; i++) files.set(`a${i % 4}/b${i % 3}/c/f${i}.txt`, Buffer.from(`file ${i} `.repeat(1 + (i % 40))))
  for (let i = 0; i < 20; i++) files.set(`top-${i}.txt`, Buffer.from(`top ${i}`))
  files.set('media/large.bin', await collect(prng(7, LARGE)()))
  return { files }
}

function entriesOf (t: Tree): PublishEntry[] {
  return [...t.files].map(([p, b]) => fileOf(p, b))
}

async function run (t: Tree, store: MemoryChunks, index: MemoryLocationIndex): Promise<{ ref: Reference, put: Set<string> }> {
  const sink = recordingSink(store)
  const ref = await publish(entriesOf(t), sink, index, { limits })
  return { ref, put: sink.ids }
}

async function entryOf (store: MemoryChunks, ref: Reference, path: string): Promise<DirectoryEntry | undefined> {
  const fs = await openReference(ref, store, { crypto })
  const dir = path.split('/').slice(0, -1).join('/')
  const name = path.split('/').pop() as string
  return await (await fs.directory(dir)).lookup(name)
}

describe('republishing after an edit reuses every unchanged chunk', () => {
  it('an unchanged tree gives the same reference and no new chunks', async () => {
    const t = await baseTree()
    const store = new MemoryChunks()
    const index = new MemoryLocationIndex()
    const first = await run(t, store, index)
    const before = store.ids()
    const again = await run(t, store, index)
    expect(again.ref.id.equals(first.ref.id)).toBe(true)
    expect([...again.put].filter(id => !before.has(id))).toEqual([])
  })

  it('editing one small file adds its new pack and the records on its path, nothing else', async () => {
    const t = await baseTree()
    const store = new MemoryChunks()
    const index = new MemoryLocationIndex()
    const first = await run(t, store, index)
    const before = store.ids()
    // Depth: root → a1 → b2 → c → file: 4 directory records on the path.
    const path = 'a1/b2/c/f5.txt'
    t.files.set(path, Buffer.from('edited!'))
    const second = await run(t, store, index)
    const fresh = [...second.put].filter(id => !before.has(id))
    expect(fresh.length).toBe(1 + 4)
    // Every other file keeps its exact location.
    for (const p of ['a1/b2/c/f17.txt', 'a0/b0/c/f0.txt', 'top-3.txt', 'media/large.bin']) {
      const a = await entryOf(store, first.ref, p)
      const b = await entryOf(store, second.ref, p)
      expect(b?.location).toEqual(a?.location)
    }
    const fs = await openReference(second.ref, store, { crypto })
    expect((await fs.readAll(path)).toString()).toBe('edited!')
    // The old version is still readable from the old reference.
    const old = await openReference(first.ref, store, { crypto })
    expect((await old.readAll(path)).equals(Buffer.from('file 5 '.repeat(6)))).toBe(true)
  })

  it('editing one byte of a large file adds one part, its header and the records on its path', async () => {
    const t = await baseTree()
    const store = new MemoryChunks()
    const index = new MemoryLocationIndex()
    await run(t, store, index)
    const before = store.ids()
    const big = Buffer.from(t.files.get('media/large.bin') as Buffer)
    big[50_000] ^= 0xff // part 12, listed by header 1 (parts 8..15)
    t.files.set('media/large.bin', big)
    const second = await run(t, store, index)
    const fresh = [...second.put].filter(id => !before.has(id))
    // 1 part + headers 0 and 1 (header 0 names header 1, so it changes too; 2 and 3 do not,
    // since only the first header carries the content hash) + media + root.
    expect(fresh.length).toBe(1 + 2 + 2)
    const fs = await openReference(second.ref, store, { crypto })
    expect((await fs.readAll('media/large.bin')).equals(big)).toBe(true)
  })

  it('adding a file adds one pack and the records on its path', async () => {
    const t = await baseTree()
    const store = new MemoryChunks()
    const index = new MemoryLocationIndex()
    await run(t, store, index)
    const before = store.ids()
    t.files.set('a3/new.txt', Buffer.from('brand new'))
    const second = await run(t, store, index)
    expect([...second.put].filter(id => !before.has(id)).length).toBe(1 + 2)
  })

  it('without the index an early edit repacks later files (the cascade the index prevents)', async () => {
    const t = await baseTree()
    const store = new MemoryChunks()
    await run(t, store, new MemoryLocationIndex())
    const before = store.ids()
    t.files.set('a0/b0/c/f0.txt', Buffer.from('a much longer replacement '.repeat(30)))
    const second = await run(t, store, new MemoryLocationIndex())
    expect([...second.put].filter(id => !before.has(id)).length).toBeGreaterThan(10)
  })
})
