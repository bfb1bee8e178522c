import { join } from 'node:path'
import { open } from 'lmdb'
import { afterEach, describe, expect, it } from 'vitest'
import { type Store, type StoreOptions, STORE_SCHEMA_VERSION, openStore } from '../../../src/node/store/environment.js'
import { encodeChunkMeta } from '../../../src/node/store/chunk-meta-codec.js'
import { chunk, collectWarnings, tempDir } from './fixtures/helpers.js'

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c()
  cleanups = []
})

function storeIn (dir: string, opts: StoreOptions = {}): Store {
  const s = openStore(dir, { onWarning: () => {}, ...opts })
  cleanups.push(async () => { await s.close() })
  return s
}

function newDir (): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

const binary = { encoding: 'binary', keyEncoding: 'binary' } as const

async function until (pred: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !pred(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('the chunk environment', () => {
  it('is reopened after remapBytes of chunk data were read or freed, and keeps serving every chunk', async () => {
    const dir = newDir()
    const store = storeIn(dir, { cacheBytes: 8 * 20_000, remapBytes: 60_000 })
    const mine = chunk(0, 20_000)
    await store.chunks.putLocal(mine.id, mine.bytes)
    const cached = Array.from({ length: 30 }, (_, i) => chunk(i + 1, 20_000))
    for (const c of cached) await store.chunks.putCache(c.id, c.bytes) // evicts 22 of them: 440 kB freed
    await until(() => store.chunks.remaps > 0)
    expect(store.chunks.remaps).toBeGreaterThan(0)
    const before = store.chunks.remaps
    // Reading counts too: 4 reads of 20 kB pass 60 kB.
    for (let i = 0; i < 4; i++) expect(store.chunks.get(mine.id)?.equals(mine.bytes)).toBe(true)
    await until(() => store.chunks.remaps > before)
    expect(store.chunks.remaps).toBeGreaterThan(before)
    // Everything the index holds is still readable from the new environment, whole.
    expect(store.chunks.usage()).toMatchObject({ localCount: 1, cacheCount: 8 })
    for (const c of cached) {
      if (store.chunks.has(c.id)) expect(store.chunks.getRange(c.id, 100, 50)?.equals(c.bytes.subarray(100, 150))).toBe(true)
    }
    await store.close()
    const again = storeIn(dir)
    expect(again.chunks.usage()).toMatchObject({ localCount: 1, cacheCount: 8 })
    expect(again.chunks.get(mine.id)?.equals(mine.bytes)).toBe(true)
  })

  it('holds writes asked for during a reopening and commits them after it, in order', async () => {
    const dir = newDir()
    const store = storeIn(dir, { remapBytes: 0 })
    const a = chunk(1, 5000)
    const b = chunk(2, 5000)
    const c = chunk(3, 5000)
    await store.chunks.putLocal(a.id, a.bytes)
    await store.chunks.putCache(c.id, c.bytes)
    const remap = store.chunks.remap()
    // Asked for while the reopening waits: served from memory, written after it.
    const writes = [store.chunks.putCache(b.id, b.bytes), store.chunks.pin(b.id), store.chunks.delete(a.id)]
    expect(store.chunks.get(b.id)?.equals(b.bytes)).toBe(true)
    // Reads during the swap never throw: a chunk reads as itself or, in the instant of the close, as absent.
    // verify, which deletes a chunk it cannot read, waits for the swap instead.
    let seen = 0
    const poll = async (): Promise<void> => {
      while (store.chunks.remaps === 0) {
        const got = store.chunks.get(b.id)
        if (got !== undefined) { expect(got.equals(b.bytes)).toBe(true); seen++ }
        if (store.chunks.get(c.id) === undefined) expect(await store.chunks.verify(c.id)).toBe(true)
        await Promise.resolve()
      }
    }
    await Promise.all([remap, poll(), ...writes])
    expect(store.chunks.remaps).toBe(1)
    expect(seen).toBeGreaterThan(0)
    expect(store.chunks.usage()).toMatchObject({ localCount: 1, cacheCount: 1 })
    expect(await store.chunks.verify(c.id)).toBe(true)
    await store.close()
    const again = storeIn(dir)
    expect(again.chunks.has(a.id)).toBe(false)
    expect(again.chunks.get(c.id)?.equals(c.bytes)).toBe(true)
    expect(again.chunks.ids('local').map((id) => id.toString('hex'))).toEqual([b.id.toString('hex')])
    expect(again.chunks.get(b.id)?.equals(b.bytes)).toBe(true)
  })

  it('moves the chunk databases of a layout-1 store out of the main environment, losing nothing', async () => {
    const dir = newDir()
    const local = chunk(1, 3000)
    const cached = chunk(2, 70_000) // an overflow value
    const both = chunk(3, 2000) // moved once already when a crash stopped the move: in both places
    {
      const env = open({ path: join(dir, 'db'), maxDbs: 32 })
      env.openDB<Buffer, Buffer>('store-meta', binary).putSync(Buffer.from('schema'), Buffer.from([1]))
      const localDb = env.openDB<Buffer, Buffer>('chunks-local', binary)
      const cacheDb = env.openDB<Buffer, Buffer>('chunks-cache', binary)
      const meta = env.openDB<Buffer, Buffer>('chunk-meta', binary)
      localDb.putSync(local.id, local.bytes)
      meta.putSync(local.id, encodeChunkMeta({ placement: 'local', size: 3000, score: 0, at: 1 }))
      cacheDb.putSync(cached.id, cached.bytes)
      meta.putSync(cached.id, encodeChunkMeta({ placement: 'cache', size: 70_000, score: 5, at: 2 }))
      localDb.putSync(both.id, both.bytes)
      await env.close()
      const chunksEnv = open({ path: join(dir, 'chunks'), maxDbs: 8 })
      chunksEnv.openDB<Buffer, Buffer>('chunks-local', binary).putSync(both.id, both.bytes)
      await chunksEnv.close()
    }
    const { warnings, onWarning } = collectWarnings()
    const store = storeIn(dir, { onWarning })
    expect(warnings.map((w) => w.code)).toContain('STORE_MIGRATED')
    expect(store.chunks.usage()).toMatchObject({ localCount: 2, cacheCount: 1, localBytes: 5000, cacheBytes: 70_000 })
    for (const c of [local, cached, both]) expect(store.chunks.get(c.id)?.equals(c.bytes)).toBe(true)
    await store.close()
    {
      const env = open({ path: join(dir, 'db'), maxDbs: 32 })
      for (const name of ['chunks-local', 'chunks-cache', 'chunk-meta']) {
        expect(Array.from(env.openDB<Buffer, Buffer>(name, binary).getKeys()).length).toBe(0)
      }
      expect(env.openDB<Buffer, Buffer>('store-meta', binary).getBinary(Buffer.from('schema'))?.[0]).toBe(STORE_SCHEMA_VERSION)
      await env.close()
    }
    const quiet = collectWarnings()
    const again = storeIn(dir, { onWarning: quiet.onWarning })
    expect(quiet.warnings).toEqual([])
    expect(again.chunks.usage()).toMatchObject({ localCount: 2, cacheCount: 1 })
    expect(again.chunks.get(cached.id)?.equals(cached.bytes)).toBe(true)
  })
})
