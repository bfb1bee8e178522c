import { join } from 'node:path'
import { open } from 'lmdb'
import { afterEach, describe, expect, it } from 'vitest'
import { chunkBytePrice } from '../../../src/node/accounting/price.js'
import { sha256 } from '../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../src/node/errors.js'
import { type Store, type StoreOptions, openStore } from '../../../src/node/store/environment.js'
import { MAX_CHUNK_BYTES } from '../../../src/node/store/chunk-store.js'
import { FakeClock, chunk, collectWarnings, tempDir } from './fixtures/helpers.js'

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c()
  cleanups = []
})

function fresh (opts: StoreOptions = {}): { store: Store, dir: string, reopen: (o?: StoreOptions) => Store } {
  const { dir, cleanup } = tempDir()
  const opened: Store[] = []
  const reopen = (o: StoreOptions = opts): Store => {
    const s = openStore(dir, { onWarning: () => {}, ...o })
    opened.push(s)
    return s
  }
  cleanups.push(async () => {
    for (const s of opened) await s.close()
    cleanup()
  })
  return { store: reopen(opts), dir, reopen }
}

async function rejectsWith (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

describe('ChunkStore', () => {
  it('verifies the hash before storing, in both databases', async () => {
    const { store } = fresh()
    const a = chunk(1)
    const corrupt = Buffer.from(a.bytes); corrupt[5] ^= 1
    await rejectsWith(store.chunks.putLocal(a.id, corrupt), 'CHUNK_HASH_MISMATCH')
    await rejectsWith(store.chunks.putCache(a.id, corrupt), 'CHUNK_HASH_MISMATCH')
    expect(store.chunks.has(a.id)).toBe(false)
    expect(store.chunks.get(a.id)).toBeUndefined()
    await rejectsWith(store.chunks.putLocal(Buffer.alloc(31), a.bytes), 'STORE_INVALID_ARGUMENT')
    await rejectsWith(store.chunks.putLocal(sha256(Buffer.alloc(0)), Buffer.alloc(0)), 'STORE_INVALID_ARGUMENT')
    const big = Buffer.alloc(MAX_CHUNK_BYTES + 1)
    await rejectsWith(store.chunks.putLocal(sha256(big), big), 'CHUNK_TOO_LARGE')
    expect(store.chunks.usage()).toMatchObject({ localCount: 0, cacheCount: 0 })
  })

  it('caches bytes the caller has verified without hashing or copying them, bounds still applied', async () => {
    const { store, reopen } = fresh({ cacheBytes: 1 << 20 })
    const a = chunk(1, 300_000)
    const mine = Buffer.from(a.bytes)
    const p = store.chunks.putCacheVerified(a.id, mine)
    // Served from the caller's buffer until the commit, as a copy: the caller may reuse its
    // buffer once the put settles, while whoever called get() may hold on to theirs.
    const early = store.chunks.get(a.id)
    expect(early?.equals(mine)).toBe(true)
    expect(early).not.toBe(mine)
    expect(await p).toBe(true)
    // The caller vouches for the hash: this path does not check it (putCache does).
    const b = chunk(2, 1000)
    expect(await store.chunks.putCacheVerified(chunk(3).id, b.bytes)).toBe(true)
    expect(store.chunks.has(chunk(3).id)).toBe(true)
    await rejectsWith(store.chunks.putCacheVerified(Buffer.alloc(31), b.bytes), 'STORE_INVALID_ARGUMENT')
    const huge = Buffer.alloc((1 << 20) + 8)
    expect(await store.chunks.putCacheVerified(sha256(huge), huge)).toBe(false) // above the cache bound
    // Bytes in shared memory are copied (lmdb-js mis-stores them) and read back intact.
    const c = chunk(5, 200_000)
    const shared = Buffer.from(new SharedArrayBuffer(c.bytes.length))
    c.bytes.copy(shared)
    expect(await store.chunks.putCacheVerified(c.id, shared)).toBe(true)
    shared.fill(0)
    await store.close()
    const again = reopen()
    expect(again.chunks.get(a.id)?.equals(a.bytes)).toBe(true)
    expect(again.chunks.get(c.id)?.equals(c.bytes)).toBe(true)
  })

  it('stores, serves whole and sliced, and counts usage', async () => {
    const { store } = fresh({ cacheBytes: 1 << 20 })
    const a = chunk(1, 200_000)
    const b = chunk(2, 3000)
    const callerBuffer = Buffer.from(a.bytes)
    const p = store.chunks.putLocal(a.id, callerBuffer)
    callerBuffer.fill(0) // the store copied it
    expect(store.chunks.get(a.id)?.equals(a.bytes)).toBe(true) // served before the commit
    await p
    expect(await store.chunks.putCache(b.id, b.bytes)).toBe(true)
    expect(store.chunks.has(a.id)).toBe(true)
    expect(store.chunks.get(a.id)?.equals(a.bytes)).toBe(true)
    expect(store.chunks.getRange(a.id, 65536, 65536)?.equals(a.bytes.subarray(65536, 131072))).toBe(true)
    expect(store.chunks.getRange(b.id, 2000, 5000)?.equals(b.bytes.subarray(2000))).toBe(true)
    expect(store.chunks.getRange(b.id, 5000, 10)?.length).toBe(0)
    expect(store.chunks.getRange(chunk(3).id, 0, 1)).toBeUndefined()
    expect(() => store.chunks.getRange(a.id, -1, 1)).toThrow()
    let seen: Buffer | undefined
    expect(store.chunks.withRange(a.id, 190_000, 65536, (v) => { seen = Buffer.from(v) })).toBe(10_000)
    expect(seen?.equals(a.bytes.subarray(190_000))).toBe(true)
    expect(store.chunks.withRange(chunk(3).id, 0, 1, () => { throw new Error('not called') })).toBeUndefined()
    expect(store.chunks.usage()).toEqual({ localBytes: 200_000, localCount: 1, cacheBytes: 3000, cacheCount: 1, cacheLimit: 1 << 20 })
  })

  it('serves interleaved ranges of many chunks right, and nothing of a deleted one', async () => {
    const { store } = fresh({ cacheBytes: 16 << 20 })
    const chunks = Array.from({ length: 6 }, (_, i) => chunk(40 + i, 300_000 + i * 8))
    for (const c of chunks) await store.chunks.putLocal(c.id, c.bytes)
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 5; s++) {
        for (const c of [chunks[s % 6], chunks[(s * 5 + round) % 6], chunks[0]]) {
          const off = (s * 65_536 + round * 1000) % 300_000
          expect(store.chunks.getRange(c.id, off, 65_536)?.equals(c.bytes.subarray(off, off + 65_536))).toBe(true)
        }
      }
    }
    await store.chunks.delete(chunks[0].id)
    expect(store.chunks.getRange(chunks[0].id, 0, 10)).toBeUndefined()
  })

  it('moves chunks between local and cache with pin and unpin, and deletes', async () => {
    const { store } = fresh()
    const a = chunk(1, 5000)
    await store.chunks.putCache(a.id, a.bytes)
    expect(await store.chunks.pin(a.id)).toBe(true)
    expect(store.chunks.usage()).toMatchObject({ localBytes: 5000, localCount: 1, cacheBytes: 0, cacheCount: 0 })
    expect(store.chunks.get(a.id)?.equals(a.bytes)).toBe(true)
    expect(await store.chunks.unpin(a.id)).toBe(true)
    expect(store.chunks.usage()).toMatchObject({ localBytes: 0, cacheBytes: 5000, cacheCount: 1 })
    expect(store.chunks.get(a.id)?.equals(a.bytes)).toBe(true)
    await store.chunks.putLocal(a.id, a.bytes) // publishing a cached chunk makes it local
    expect(store.chunks.usage()).toMatchObject({ localCount: 1, cacheCount: 0 })
    expect(await store.chunks.delete(a.id)).toBe(true)
    expect(await store.chunks.delete(a.id)).toBe(false)
    expect(await store.chunks.pin(a.id)).toBe(false)
    expect(store.chunks.has(a.id)).toBe(false)
    expect(store.chunks.usage()).toMatchObject({ localBytes: 0, localCount: 0, cacheBytes: 0, cacheCount: 0 })
  })

  it('keeps the cache within its bound after 3× its size is written, and never evicts local', async () => {
    const limit = 64 * 1024
    const { store, reopen } = fresh({ cacheBytes: limit })
    const locals = [chunk(1000, 40_000), chunk(1001, 40_000)]
    for (const l of locals) await store.chunks.putLocal(l.id, l.bytes)
    let written = 0
    for (let i = 0; written < 3 * limit; i++) {
      const c = chunk(i, 1000 + (i * 397) % 7000)
      expect(await store.chunks.putCache(c.id, c.bytes)).toBe(true)
      written += c.bytes.length
      expect(store.chunks.usage().cacheBytes).toBeLessThanOrEqual(limit)
    }
    expect(store.chunks.evictions).toBeGreaterThan(0)
    for (const l of locals) expect(store.chunks.get(l.id)?.equals(l.bytes)).toBe(true)
    const before = store.chunks.usage()
    expect(before.localBytes).toBe(80_000)
    expect(await store.chunks.putCache(chunk(5, limit + 1).id, chunk(5, limit + 1).bytes)).toBe(false)
    await store.close()
    const again = reopen()
    expect(again.chunks.usage()).toEqual(before)
  })

  it('evicts far, cold chunks before near or hot ones', async () => {
    const clock = new FakeClock()
    const near = chunk(1, 10_000)
    const nodeId = Buffer.from(near.id); nodeId[31] ^= 1 // shares 255 bits with `near`
    const { store } = fresh({ cacheBytes: 40_000, nodeId, now: clock.now })
    const hot = chunk(2, 10_000)
    const cold = [chunk(3, 10_000), chunk(4, 10_000)]
    for (const c of [near, hot, ...cold]) await store.chunks.putCache(c.id, c.bytes)
    for (let i = 0; i < 30; i++) store.chunks.getRange(hot.id, 0, 10_000) // 30 full reads
    // Two half-lives: the cold ones are worth less than a newcomer (heat 1 × its price), so it may displace them.
    clock.advance(2 * 86_400_000)
    const incoming = chunk(10, 19_000) // room for it means evicting exactly two of the four
    await store.chunks.putCache(incoming.id, incoming.bytes)
    expect(store.chunks.evictions).toBe(2)
    expect(store.chunks.has(incoming.id)).toBe(true)
    expect(store.chunks.has(near.id)).toBe(true) // cold but near: distance counts
    expect(store.chunks.has(hot.id)).toBe(true) // far but hot: heat counts
    for (const c of cold) expect(store.chunks.has(c.id)).toBe(false)
    expect(store.chunks.usage().cacheBytes).toBe(39_000)
  })

  it('caches by expected revenue (heat × the price the node charges): a cheap newcomer cannot displace hot or dear chunks', async () => {
    const clock = new FakeClock()
    const near = chunk(1, 10_000)
    const nodeId = Buffer.from(near.id); nodeId[31] ^= 1 // near costs 256 per byte here, a random chunk about 1
    const { store } = fresh({ cacheBytes: 20_000, nodeId, bytePrice: (id) => chunkBytePrice(nodeId, id), now: clock.now })
    const hot = chunk(2, 10_000)
    await store.chunks.putCache(near.id, near.bytes)
    await store.chunks.putCache(hot.id, hot.bytes)
    for (let i = 0; i < 5; i++) store.chunks.get(hot.id) // heat 6 at price ≈ 1 beats a newcomer's 1 × ≈ 1
    clock.advance(1000)
    const newcomer = chunk(3, 10_000)
    expect(chunkBytePrice(nodeId, newcomer.id)).toBeLessThan(6)
    expect(await store.chunks.putCache(newcomer.id, newcomer.bytes)).toBe(false)
    expect(store.chunks.refusedByValue).toBe(1)
    expect(store.chunks.has(newcomer.id)).toBe(false)
    expect(store.chunks.has(near.id) && store.chunks.has(hot.id)).toBe(true)
    expect(store.chunks.evictions).toBe(0)
    // Once the hot chunk has cooled below the newcomer's worth, the newcomer takes its place.
    clock.advance(5 * 86_400_000) // 5 half-lives: hot ≈ 6 / 32, near ≈ 256 / 32
    expect(await store.chunks.putCache(newcomer.id, newcomer.bytes)).toBe(true)
    expect(store.chunks.has(hot.id)).toBe(false)
    expect(store.chunks.has(near.id)).toBe(true) // as cold, but × 256
  })

  it('lets old heat decay, so a once-hot chunk eventually goes', async () => {
    const clock = new FakeClock()
    const { store } = fresh({ cacheBytes: 30_000, now: clock.now, halfLifeMs: 1000 })
    const once = chunk(1, 10_000)
    await store.chunks.putCache(once.id, once.bytes)
    for (let i = 0; i < 20; i++) store.chunks.get(once.id)
    clock.advance(20_000) // 20 half-lives: 21 accesses decay to ~0
    for (let i = 2; i < 6; i++) {
      const c = chunk(i, 10_000)
      await store.chunks.putCache(c.id, c.bytes)
      clock.advance(10)
    }
    expect(store.chunks.has(once.id)).toBe(false)
  })

  it('keeps chunks and heat across restarts', async () => {
    const clock = new FakeClock()
    const { store, reopen } = fresh({ cacheBytes: 30_000, now: clock.now })
    const hot = chunk(1, 10_000)
    const others = [chunk(2, 10_000), chunk(3, 10_000)]
    const local = chunk(4, 777)
    await store.chunks.putLocal(local.id, local.bytes)
    await store.chunks.putCache(hot.id, hot.bytes)
    for (const c of others) await store.chunks.putCache(c.id, c.bytes)
    for (let i = 0; i < 50; i++) store.chunks.get(hot.id)
    await store.close()
    const again = reopen({ cacheBytes: 30_000, now: clock.now })
    expect(again.chunks.get(local.id)?.equals(local.bytes)).toBe(true)
    for (const c of [hot, ...others]) expect(again.chunks.get(c.id)?.equals(c.bytes)).toBe(true)
    const next = chunk(5, 10_000)
    await again.chunks.putCache(next.id, next.bytes)
    expect(again.chunks.has(hot.id)).toBe(true) // its 50 reads were saved with the meta
  })

  it('trims at open when reopened with a smaller cache limit', async () => {
    const { store, reopen } = fresh({ cacheBytes: 100_000 })
    for (let i = 0; i < 8; i++) { const c = chunk(i, 10_000); await store.chunks.putCache(c.id, c.bytes) }
    await store.close()
    const again = reopen({ cacheBytes: 35_000 })
    expect(again.chunks.usage().cacheBytes).toBeLessThanOrEqual(35_000)
    await again.close()
    const third = reopen({ cacheBytes: 35_000 })
    expect(third.chunks.usage().cacheBytes).toBeLessThanOrEqual(35_000)
  })

  it('counts requests for missing chunks in a bounded map, cleared when the chunk arrives', async () => {
    const { store } = fresh({ missingCapacity: 2 })
    const a = chunk(1)
    expect(store.chunks.noteMissing(a.id)).toBe(1)
    expect(store.chunks.noteMissing(a.id)).toBe(2)
    store.chunks.noteMissing(chunk(2).id)
    store.chunks.noteMissing(chunk(3).id) // pushes `a` out
    expect(store.chunks.missingCount(a.id)).toBe(0)
    store.chunks.noteMissing(chunk(2).id)
    await store.chunks.putCache(chunk(2).id, chunk(2).bytes)
    expect(store.chunks.missingCount(chunk(2).id)).toBe(0)
    expect(store.chunks.noteMissing(chunk(2).id)).toBe(0) // it is here now: not missing
  })

  it('detects a chunk damaged on disk and deletes it', async () => {
    const { warnings, onWarning } = collectWarnings()
    const { store, dir, reopen } = fresh({ onWarning })
    const a = chunk(1, 4000)
    const b = chunk(2, 4000)
    await store.chunks.putLocal(a.id, a.bytes)
    await store.chunks.putCache(b.id, b.bytes)
    await store.close()
    // Damage `b` behind the store's back, as bit rot would.
    const env = open({ path: join(dir, 'chunks'), maxDbs: 32 })
    const cacheDb = env.openDB<Buffer, Buffer>('chunks-cache', { encoding: 'binary', keyEncoding: 'binary' })
    await cacheDb.put(b.id, Buffer.alloc(4000, 9))
    await env.close()
    const again = reopen({ onWarning })
    const progress: number[] = []
    expect(await again.chunks.scrub({ onProgress: (p) => progress.push(p.checked) })).toEqual({ checked: 2, corrupt: 1 })
    expect(progress).toEqual([1, 2])
    expect(again.chunks.has(b.id)).toBe(false)
    expect(again.chunks.get(a.id)?.equals(a.bytes)).toBe(true)
    expect(warnings.map((w) => w.code)).toContain('STORE_CHUNK_CORRUPT')
    const ac = new AbortController(); ac.abort()
    await expect(again.chunks.scrub({ signal: ac.signal })).rejects.toThrow()
  })

  it('stores content locations for the publisher', async () => {
    const { store, reopen } = fresh()
    const h = sha256(Buffer.from('file contents'))
    expect(store.content.getLocation(h)).toBeUndefined()
    await store.content.setLocation(h, Buffer.from('chunk+offset+length'))
    expect(store.content.getLocation(h)?.toString()).toBe('chunk+offset+length')
    await rejectsWith(store.content.setLocation(h, Buffer.alloc(0)), 'STORE_INVALID_ARGUMENT')
    expect(() => store.content.getLocation(Buffer.alloc(3))).toThrow()
    await store.close()
    const again = reopen()
    expect(again.content.getLocation(h)?.toString()).toBe('chunk+offset+length')
    expect(await again.content.deleteLocation(h)).toBe(true)
    expect(again.content.getLocation(h)).toBeUndefined()
  })
})
