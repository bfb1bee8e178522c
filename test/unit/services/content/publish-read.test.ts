import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryLocationIndex, openReference, publish, type PublishEntry, type PublishProgress, type TornetFs } from '../../../../src/node/services/content/index.js'
import { collect, fileOf, MemoryChunks, prng } from './memory-chunks.js'
import { chunkCryptoForFile } from '../../../helpers/chunk-crypto.js'

const crypto = chunkCryptoForFile()

const LARGE = 40 * 1024 * 1024

/** Deterministic small content: size from 0 to ~4 KB, some empty. */
function smallContent (i: number): Buffer {
  const size = i % 97 === 0 ? 0 : (i * 2654435761 >>> 0) % 4000
  return Buffer.from(Array.from({ length: size }, (_, j) => (i * 31 + j * 7) & 0xff))
}

const UNICODE = ['Äpfel & Birnen.txt', '日本語のファイル.md', 'emoji 😀🎉.bin', 'ŝpaco kun spaco', 'Ελληνικά']

describe('publish and read back a tree', () => {
  const files = new Map<string, Buffer>()
  const entries: PublishEntry[] = []
  const chunks = new MemoryChunks()
  let fs: TornetFs
  let last: PublishProgress | undefined
  let largeHash: Buffer

  beforeAll(async () => {
    // 3,000 small files spread over nested directories, unicode names, empty files.
    for (let i = 0; i < 3000; i++) {
      const dir = `d${i % 10}/sub${(i >> 4) % 5}${i % 3 === 0 ? '/deeper' : ''}`
      const name = i < UNICODE.length ? UNICODE[i] : `file-${i}.txt`
      const path = `${dir}/${name}`
      files.set(path, smallContent(i))
      entries.push(fileOf(path, smallContent(i)))
    }
    entries.push({ path: 'empty-dir', kind: 'directory' })
    entries.push({ path: 'd1/also-empty', kind: 'directory' })
    entries.push({ path: 'big/large.bin', kind: 'file', size: LARGE, open: prng(42, LARGE) })
    largeHash = createHash('sha256').update(await collect(prng(42, LARGE)())).digest()

    const ref = await publish(entries, chunks, new MemoryLocationIndex(), { onProgress: p => { last = p } })
    fs = await openReference(ref, chunks, { crypto })
  })

  it('reports progress and packs small files into few chunks', () => {
    expect(last?.phase).toBe('done')
    expect(last?.files).toBe(3001)
    const smallBytes = [...files.values()].reduce((n, b) => n + b.length, 0)
    // Packs (~1 MiB each) + 41 large-file parts + 1 header + directory records (~117 dirs).
    const packs = Math.ceil(smallBytes / (1 << 20))
    expect(chunks.map.size).toBeLessThan(packs + 2 + 41 + 1 + 130)
    expect(chunks.map.size).toBeGreaterThan(41 + 1)
    expect(last?.chunksPut).toBe(chunks.map.size)
  })

  it('reads every small file back byte-exact, empty ones included', async () => {
    let empty = 0
    for (const [path, content] of files) {
      const got = await fs.readAll(path)
      expect(got.equals(content), path).toBe(true)
      const st = await fs.stat(path)
      expect(st.kind).toBe('file')
      expect(st.size).toBe(content.length)
      if (content.length === 0) empty++
    }
    expect(empty).toBeGreaterThan(20)
  })

  it('lists directories in name order, including empty ones and unicode names', async () => {
    const root: string[] = []
    for await (const e of fs.list('')) root.push(`${e.kind}:${e.name}`)
    expect(root).toEqual(['big', 'd0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9', 'empty-dir'].map(n => `directory:${n}`))
    const emptyDir: string[] = []
    for await (const e of fs.list('/empty-dir/')) emptyDir.push(e.name)
    expect(emptyDir).toEqual([])
    expect((await fs.stat('d1/also-empty')).entries).toBe(0)
    const names = new Set<string>()
    for (const p of files.keys()) if (UNICODE.some(u => p.endsWith(u))) names.add(p)
    expect(names.size).toBe(UNICODE.length)
    for (const p of names) expect((await fs.readAll(p)).equals(files.get(p) as Buffer)).toBe(true)
  })

  it('streams the 40 MiB file back chunk by chunk, byte-exact', async () => {
    const st = await fs.stat('big/large.bin')
    expect(st.size).toBe(LARGE)
    expect(st.contentHash.equals(largeHash)).toBe(true)
    const h = createHash('sha256')
    let pieces = 0
    let biggest = 0
    for await (const b of fs.readFile('big/large.bin')) { h.update(b); pieces++; biggest = Math.max(biggest, b.length) }
    expect(h.digest().equals(largeHash)).toBe(true)
    expect(pieces).toBe(41)
    expect(biggest).toBeLessThanOrEqual(1 << 20)
  })

  it('reads a range across chunk boundaries of the large file', async () => {
    const whole = await collect(prng(42, LARGE)())
    const part = (1 << 20) - 8
    for (const [start, end] of [[part - 100, part + 100], [3 * part - 1, 5 * part + 1], [LARGE - 10, LARGE], [0, 1], [12345, 12345]]) {
      const got = await fs.readAll('big/large.bin', { start, end })
      expect(got.equals(whole.subarray(start, end)), `${start}..${end}`).toBe(true)
    }
  })

  it('publishes identical content once (dedup within a run)', async () => {
    const store = new MemoryChunks()
    const same = Buffer.alloc(3000, 7)
    const ref = await publish([fileOf('a/x', same), fileOf('b/y', same), fileOf('c', same)], store, new MemoryLocationIndex())
    const r = await openReference(ref, store, { crypto })
    const entries = await Promise.all(['a/x', 'b/y', 'c'].map(async p => { for await (const e of r.list(p.includes('/') ? p.split('/')[0] : '')) if (p.endsWith(e.name)) return e; return undefined }))
    expect(entries.every(e => e?.location.chunkId.equals(entries[0]?.location.chunkId as Buffer))).toBe(true)
    // One pack plus three directory records (root, a, b).
    expect(store.map.size).toBe(1 + 3)
  })
})
