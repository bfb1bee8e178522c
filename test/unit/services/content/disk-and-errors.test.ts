import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { encryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { FsErrorCode, MemoryLocationIndex, openReference, publish, type PublishEntry } from '../../../../src/node/services/content/index.js'
import { collect, fileOf, MemoryChunks, prng } from './memory-chunks.js'
import { chunkCryptoForFile } from '../../../helpers/chunk-crypto.js'

const crypto = chunkCryptoForFile()

async function codeOf (f: () => Promise<unknown>): Promise<string | undefined> {
  try { await f() } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

describe('publishing from disk', () => {
  let dir: string
  const big = (async () => await collect(prng(11, 2_500_000)()))()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tornet-fs-'))
    await mkdir(join(dir, 'site/css'), { recursive: true })
    await mkdir(join(dir, 'site/empty'), { recursive: true })
    await writeFile(join(dir, 'site/index.html'), '<h1>hello</h1>')
    await writeFile(join(dir, 'site/css/main.css'), 'body{}')
    await writeFile(join(dir, 'site/zero'), '')
    await writeFile(join(dir, 'site/naïve café.txt'), 'unicode')
    await writeFile(join(dir, 'site/video.bin'), await big)
    await symlink('/etc/passwd', join(dir, 'site/escape'))
  })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('walks a directory (skipping symlinks) and reads it back', async () => {
    const store = new MemoryChunks()
    const fs = await openReference(await publish(join(dir, 'site'), store, new MemoryLocationIndex()), store, { crypto })
    const names: string[] = []
    for await (const e of fs.list('')) names.push(e.name)
    expect(names).toEqual(['css', 'empty', 'index.html', 'naïve café.txt', 'video.bin', 'zero'])
    expect((await fs.readAll('index.html')).toString()).toBe('<h1>hello</h1>')
    expect((await fs.readAll('css/main.css')).toString()).toBe('body{}')
    expect((await fs.readAll('naïve café.txt')).toString()).toBe('unicode')
    expect((await fs.readAll('zero')).length).toBe(0)
    expect((await fs.readAll('video.bin')).equals(await big)).toBe(true)
    expect(await codeOf(async () => await fs.stat('escape'))).toBe(FsErrorCode.NOT_FOUND)
  })

  it('publishes a single file as the root, large or small or empty', async () => {
    const store = new MemoryChunks()
    for (const [name, content] of [['video.bin', await big], ['index.html', Buffer.from('<h1>hello</h1>')], ['zero', Buffer.alloc(0)]] as const) {
      const fs = await openReference(await publish(join(dir, 'site', name), store, new MemoryLocationIndex()), store, { crypto })
      const st = await fs.stat('/')
      expect(st.kind).toBe('file')
      expect(st.size).toBe(content.length)
      expect((await fs.readAll('')).equals(content)).toBe(true)
      expect(await codeOf(async () => await fs.stat('x'))).toBe(FsErrorCode.NOT_A_DIRECTORY)
    }
  })
})

describe('integrity and errors', () => {
  async function sample (): Promise<{ store: MemoryChunks, ref: Awaited<ReturnType<typeof publish>> }> {
    const store = new MemoryChunks()
    const ref = await publish([fileOf('a/b.txt', 'bee'), fileOf('c.txt', 'sea'), fileOf('large', await collect(prng(1, 3_000_000)()))], store, new MemoryLocationIndex())
    return { store, ref }
  }

  it('refuses a chunk whose bytes do not match its id', async () => {
    const { store, ref } = await sample()
    const lying = { get: async (id: Buffer) => { const b = Buffer.from(await store.get(id)); if (!id.equals(ref.id)) b[0] ^= 1; return b } }
    const fs = await openReference(ref, lying, { crypto })
    expect(await codeOf(async () => await fs.readAll('c.txt'))).toBe(FsErrorCode.CHUNK_MISMATCH)
    // A source that answers with some other valid chunk.
    const other = encryptChunk(Buffer.from('other')).cipher
    const swapping = { get: async (id: Buffer) => id.equals(ref.id) ? await store.get(id) : other }
    expect(await codeOf(async () => await (await openReference(ref, swapping, { crypto })).readAll('large'))).toBe(FsErrorCode.CHUNK_MISMATCH)
  })

  it('refuses a reference with the wrong key, or to a chunk that is not a record', async () => {
    const { store, ref } = await sample()
    const key = Buffer.from(ref.key); key[3] ^= 1
    expect(await codeOf(async () => await openReference({ id: ref.id, key }, store, { crypto }))).toBe(FsErrorCode.CHUNK_MISMATCH)
    const raw = encryptChunk(Buffer.from('just some bytes'))
    await store.put(raw.id, raw.cipher)
    expect(await codeOf(async () => await openReference({ id: raw.id, key: raw.key }, store, { crypto }))).toBe(FsErrorCode.RECORD_MALFORMED)
  })

  it('names path errors with stable codes', async () => {
    const { store, ref } = await sample()
    const fs = await openReference(ref, store, { crypto })
    expect(await codeOf(async () => await fs.stat('nope'))).toBe(FsErrorCode.NOT_FOUND)
    expect(await codeOf(async () => await fs.stat('a/nope'))).toBe(FsErrorCode.NOT_FOUND)
    expect(await codeOf(async () => await fs.stat('c.txt/x'))).toBe(FsErrorCode.NOT_A_DIRECTORY)
    expect(await codeOf(async () => await fs.readAll('a'))).toBe(FsErrorCode.NOT_A_FILE)
    expect(await codeOf(async () => { for await (const _ of fs.list('c.txt')) { /* */ } })).toBe(FsErrorCode.NOT_A_DIRECTORY)
    expect(await codeOf(async () => await fs.stat('a/../c.txt'))).toBe(FsErrorCode.BAD_PATH)
    expect(await codeOf(async () => await fs.stat('/'.repeat(3) + 'a//b.txt'))).toBeUndefined()
  })

  it('refuses conflicting, badly named or changing sources', async () => {
    const store = new MemoryChunks()
    const go = async (entries: PublishEntry[]): Promise<string | undefined> => await codeOf(async () => await publish(entries, store, new MemoryLocationIndex()))
    expect(await go([fileOf('a', 'x'), fileOf('a', 'y')])).toBe(FsErrorCode.PATH_CONFLICT)
    expect(await go([fileOf('a', 'x'), fileOf('a/b', 'y')])).toBe(FsErrorCode.PATH_CONFLICT)
    expect(await go([fileOf('a/b', 'x'), { path: 'a/b', kind: 'directory' }])).toBe(FsErrorCode.PATH_CONFLICT)
    expect(await go([fileOf('../etc', 'x')])).toBe(FsErrorCode.BAD_NAME)
    expect(await go([fileOf('/abs', 'x')])).toBe(FsErrorCode.BAD_NAME)
    expect(await go([fileOf('a//b', 'x')])).toBe(FsErrorCode.BAD_NAME)
    const liar = (size: number, actual: number): PublishEntry => ({ path: 'f', kind: 'file', size, open: prng(1, actual) })
    expect(await go([liar(100, 101)])).toBe(FsErrorCode.SOURCE_CHANGED)
    expect(await go([liar(100, 99)])).toBe(FsErrorCode.SOURCE_CHANGED)
    expect(await go([liar(3_000_000, 3_000_001)])).toBe(FsErrorCode.SOURCE_CHANGED)
    let calls = 0
    const shifting: PublishEntry = { path: 'f', kind: 'file', size: 3_000_000, open: () => prng(++calls, 3_000_000)() }
    expect(await go([shifting])).toBe(FsErrorCode.SOURCE_CHANGED)
  })

  it('stops when aborted', async () => {
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    const r = await publish([fileOf('a', 'x')], new MemoryChunks(), new MemoryLocationIndex(), { signal: ac.signal }).then(() => 'done', (e: Error) => e.message)
    expect(r).toBe('stop')
  })
})

describe('publisher limits', () => {
  it('refuses paths deeper than readers will walk', async () => {
    const deep = Array.from({ length: 257 }, (_, i) => `d${i}`).join('/')
    expect(await codeOf(async () => await publish([fileOf(deep, 'x')], new MemoryChunks(), new MemoryLocationIndex()))).toBe(FsErrorCode.LIMIT)
    const ok = Array.from({ length: 256 }, (_, i) => `d${i}`).join('/')
    const store = new MemoryChunks()
    const fs = await openReference(await publish([fileOf(ok, 'deep')], store, new MemoryLocationIndex()), store, { crypto })
    expect((await fs.readAll(ok)).toString()).toBe('deep')
  })

  it('refuses limits outside the format', async () => {
    for (const limits of [{ partBytes: 0 }, { partBytes: 2 << 20 }, { smallFileMax: 2 << 20 }, { partsPerHeader: 5000 }]) {
      expect(await codeOf(async () => await publish([fileOf('a', 'x')], new MemoryChunks(), new MemoryLocationIndex(), { limits }))).toBe(FsErrorCode.LIMIT)
    }
  })
})
