import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { open } from 'lmdb'
import { sha256 } from '../src/node/crypto/hash.js'
import { ChunkIndex } from '../src/node/store/chunk-index.js'
import { openStore } from '../src/node/store/environment.js'
import { selectVictims } from '../src/node/store/eviction-policy.js'
import { runJsonChild, supportScript } from './support/child.js'
import type { ReopenJob } from './support/reopen-memory.js'
import { emit, progress } from './util.js'

/**
 * The LMDB store against its baselines, measured in the same run on the same disk:
 *  - putLocal of 1 MiB chunks (hash check, copy, chunk + meta in one transaction) vs a bare
 *    lmdb put of the same bytes prepared the same way, and vs native SHA-256 alone;
 *  - putCache of 64 KiB chunks into a full cache (every put evicts);
 *  - getRange of 64 KiB slices and whole-chunk get;
 *  - addTraffic (the per-packet hot path) and one eviction scan over 100 000 index entries;
 *  - the memory a reopening of the chunk environment leaves behind (ChunkEnv, which the store
 *    reopens after every 16 MiB of chunks read or freed) vs bare lmdb-js doing the same, each
 *    in a process of its own (support/reopen-memory.ts): KiB of RSS per reopening.
 *
 *   npm run bench -- store [--mib 256] [--concurrency 8]
 */

export const summary = 'chunk puts/gets, eviction scan and peer-traffic hot path vs bare lmdb and SHA-256'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { mib: { type: 'string', default: '256' }, concurrency: { type: 'string', default: '8' } } })
  const mib = Number(values.mib)
  const conc = Number(values.concurrency)
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-store-'))
  try {
    const big = Array.from({ length: Math.min(64, mib) }, () => randomBytes(1 << 20))
    const bigIds = big.map((b) => sha256(b))

    progress(`hashing ${mib} MiB`)
    let t = performance.now()
    for (let i = 0; i < mib; i++) sha256(big[i % big.length])
    emit('store.sha256_baseline', mib / ((performance.now() - t) / 1000), 'MiB/s')

    progress('bare lmdb puts')
    const env = open({ path: join(dir, 'bare'), maxDbs: 4 })
    const bare = env.openDB<Buffer, Buffer>('x', { encoding: 'binary', keyEncoding: 'binary' })
    t = performance.now()
    // The same per-chunk preparation as below (copy, stamp, hash for the key), minus the store.
    await inBatches(mib, conc, async (i) => {
      const b = Buffer.from(big[i % big.length]); b.writeUInt32LE(i, 0)
      await bare.put(sha256(b), b)
    })
    emit('store.lmdb_put_1mib_baseline', mib / ((performance.now() - t) / 1000), 'MiB/s', { concurrency: conc })
    await env.close()

    const store = openStore(join(dir, 'store'), { cacheBytes: 64 << 20, onWarning: () => {} })
    progress('putLocal 1 MiB')
    t = performance.now()
    // Distinct chunks are needed (a repeated id is a no-op): vary one byte and re-hash.
    await inBatches(mib, conc, async (i) => {
      const b = Buffer.from(big[i % big.length]); b.writeUInt32LE(i, 0)
      await store.chunks.putLocal(sha256(b), b)
    })
    emit('store.put_local_1mib', mib / ((performance.now() - t) / 1000), 'MiB/s', { concurrency: conc })

    progress('putCache 64 KiB into a full cache')
    const small = randomBytes(64 << 10)
    const n = 4 * (64 << 20) / small.length // 4× the cache size
    t = performance.now()
    await inBatches(n, conc, async (i) => {
      const b = Buffer.from(small); b.writeUInt32LE(i, 0)
      await store.chunks.putCache(sha256(b), b)
    })
    emit('store.put_cache_64kib_evicting', n / ((performance.now() - t) / 1000), 'puts/s', { evictions: store.chunks.evictions })

    await store.chunks.putLocal(bigIds[0], big[0])
    progress('getRange / get')
    const reads = 20_000
    t = performance.now()
    for (let i = 0; i < reads; i++) store.chunks.getRange(bigIds[0], (i % 16) << 16, 1 << 16)
    emit('store.get_range_64kib', reads / ((performance.now() - t) / 1000), 'slices/s')
    t = performance.now()
    for (let i = 0; i < 2000; i++) store.chunks.get(bigIds[0])
    emit('store.get_1mib', 2000 / ((performance.now() - t) / 1000), 'gets/s')

    const peers = Array.from({ length: 1000 }, () => randomBytes(32).toString('hex'))
    t = performance.now()
    for (let i = 0; i < 5_000_000; i++) store.peers.addTraffic(peers[i % 1000], 'in', 1200)
    emit('store.add_traffic', 5_000_000 / ((performance.now() - t) / 1000), 'calls/s')
    await store.close()

    const ix = new ChunkIndex()
    for (let i = 0; i < 100_000; i++) {
      const id = randomBytes(32)
      ix.add(id.toString('hex'), { id, placement: 'cache', size: 1 << 20, heat: { score: Math.random() * 10, at: i }, price: 1 + (i % 4) })
    }
    t = performance.now()
    const victims = selectVictims(ix, 1 << 20, ix.cacheBytes, 100_000, 86_400_000)
    emit('store.eviction_scan_100k', performance.now() - t, 'ms', { victims: victims.length })

    const rounds = 800
    progress(`reopening an evicting chunk environment ${rounds} times: bare lmdb-js, then the store's ChunkEnv`)
    const bareReopen = await runJsonChild<{ kibPerReopen: number, anonKibPerReopen: number }>(supportScript('reopen-memory'), { mode: 'lmdb', rounds } satisfies ReopenJob)
    emit('store.reopen_leak_kib_baseline', round1(bareReopen.kibPerReopen), 'KiB', {
      rounds, what: 'bare lmdb-js close + open: thread-arena RSS left per reopening', anonKib: round1(bareReopen.anonKibPerReopen)
    })
    const envReopen = await runJsonChild<{ kibPerReopen: number, anonKibPerReopen: number }>(supportScript('reopen-memory'), { mode: 'chunk-env', rounds } satisfies ReopenJob)
    emit('store.reopen_leak_kib', round1(envReopen.kibPerReopen), 'KiB', {
      rounds, anonKib: round1(envReopen.anonKibPerReopen), baseline: round1(bareReopen.kibPerReopen),
      ratio: Math.round(envReopen.kibPerReopen / Math.max(0.1, bareReopen.kibPerReopen) * 100) / 100
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function round1 (x: number): number { return Math.round(x * 10) / 10 }

async function inBatches (n: number, conc: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < n) await fn(next++)
  }))
}
