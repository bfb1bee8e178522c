import { afterEach, describe, expect, it } from 'vitest'
import { type Store, type StoreOptions, openStore } from '../../../src/node/store/environment.js'
import { WEEK_MS } from '../../../src/node/store/eviction-policy.js'
import { decodeChunkMeta, encodeChunkMeta } from '../../../src/node/store/chunk-meta-codec.js'
import { FakeClock, chunk, tempDir } from './fixtures/helpers.js'

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c()
  cleanups = []
})

function fresh (opts: StoreOptions): { store: Store, reopen: () => Store } {
  const { dir, cleanup } = tempDir()
  const opened: Store[] = []
  const reopen = (): Store => { const s = openStore(dir, { onWarning: () => {}, ...opts }); opened.push(s); return s }
  cleanups.push(async () => { for (const s of opened) await s.close().catch(() => {}); cleanup() })
  return { store: reopen(), reopen }
}

describe('ChunkStore paid places (issue 19 item 7)', () => {
  it('meta records: version 1 without a paid term, version 2 with it; both decode', () => {
    const plain = encodeChunkMeta({ placement: 'cache', size: 10, score: 1.5, at: 1000 })
    expect(plain.length).toBe(22)
    expect(decodeChunkMeta(plain).paidUntil).toBeUndefined()
    const paid = encodeChunkMeta({ placement: 'cache', size: 10, score: 1.5, at: 1000, paidUntil: 5000 })
    expect(paid.length).toBe(30)
    expect(paid[0]).toBe(2)
    expect(decodeChunkMeta(paid)).toEqual({ placement: 'cache', size: 10, score: 1.5, at: 1000, paidUntil: 5000 })
    expect(() => decodeChunkMeta(paid.subarray(0, 29))).toThrow()
    expect(() => decodeChunkMeta(Buffer.concat([paid, Buffer.of(0)]))).toThrow()
  })

  it('a full cache quotes the week\'s revenue of what a paid chunk displaces, 0 while it has room', async () => {
    const clock = new FakeClock()
    const { store } = fresh({ cacheBytes: 20_000, now: clock.now, bytePrice: () => 2 })
    expect(store.chunks.quotePaid(10_000)).toBe(0)
    const a = chunk(1, 10_000)
    const b = chunk(2, 10_000)
    await store.chunks.putCache(a.id, a.bytes)
    await store.chunks.putCache(b.id, b.bytes)
    for (let i = 0; i < 9; i++) store.chunks.get(b.id) // b: heat 10, a: heat 1
    const q = store.chunks.quotePaid(10_000) as number
    // a goes: heat 1 × ln2 / day × week × 10,000 bytes × price 2.
    expect(q).toBeCloseTo(1 * Math.LN2 * 7 * 10_000 * 2, 0)
    expect(store.chunks.quotePaid(20_001)).toBeUndefined()
  })

  it('a paid chunk displaces the least profitable one even if worth less, is kept a week whatever it earns, then competes', async () => {
    const clock = new FakeClock()
    const { store, reopen } = fresh({ cacheBytes: 20_000, now: clock.now, bytePrice: () => 1 })
    const hot = [chunk(1, 10_000), chunk(2, 10_000)]
    for (const c of hot) await store.chunks.putCache(c.id, c.bytes)
    for (let i = 0; i < 20; i++) store.chunks.get(hot[0].id)
    for (let i = 0; i < 10; i++) store.chunks.get(hot[1].id)
    const paid = chunk(3, 10_000)
    // Unpaid, the newcomer (heat 1) cannot displace either.
    expect(await store.chunks.putCache(paid.id, paid.bytes)).toBe(false)
    expect(await store.chunks.putPaid(paid.id, paid.bytes, clock.now() + WEEK_MS)).toBe(true)
    expect(store.chunks.has(paid.id)).toBe(true)
    expect(store.chunks.has(hot[1].id)).toBe(false) // the least profitable went
    expect(store.chunks.has(hot[0].id)).toBe(true)
    expect(store.chunks.paidUntil(paid.id)).toBe(clock.now() + WEEK_MS)

    // Within the week, a newcomer worth far more still cannot displace it: only the unpaid one can go.
    clock.advance(3 * 86_400_000)
    const rich = chunk(4, 10_000)
    for (let i = 0; i < 3; i++) await store.chunks.putCache(rich.id, rich.bytes) // heat builds only once cached; one try
    expect(store.chunks.has(paid.id)).toBe(true)
    // The paid term survives a restart.
    await store.close()
    const again = reopen()
    expect(again.chunks.paidUntil(paid.id)).toBe(clock.now() - 3 * 86_400_000 + WEEK_MS)
    // Once the week is over it competes: a newcomer worth more displaces it.
    clock.advance(5 * 86_400_000)
    const later = chunk(5, 10_000)
    expect(await again.chunks.putPaid(later.id, later.bytes, clock.now() + WEEK_MS)).toBe(true)
    expect(again.chunks.has(paid.id) && again.chunks.has(hot[0].id) && again.chunks.has(rich.id)).toBe(false)
  })

  it('no room when everything cached is paid for', async () => {
    const clock = new FakeClock()
    const { store } = fresh({ cacheBytes: 20_000, now: clock.now })
    const a = chunk(1, 10_000)
    const b = chunk(2, 10_000)
    await store.chunks.putPaid(a.id, a.bytes, clock.now() + WEEK_MS)
    await store.chunks.putPaid(b.id, b.bytes, clock.now() + WEEK_MS)
    const c = chunk(3, 10_000)
    expect(store.chunks.quotePaid(10_000)).toBeUndefined()
    expect(await store.chunks.putPaid(c.id, c.bytes, clock.now() + WEEK_MS)).toBe(false)
    expect(await store.chunks.putCache(c.id, c.bytes)).toBe(false)
    expect(store.chunks.has(a.id) && store.chunks.has(b.id)).toBe(true)
  })
})
