import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { open } from 'lmdb'
import { ChunkEnv } from '../../src/node/store/chunk-env.js'
import { childInput } from './child.js'
import { statusKb } from './memory-sampler.js'
import { summarizeSmaps } from './smaps.js'

/**
 * Child process of the store benchmark: what reopening an LMDB environment costs in memory,
 * alone in a process. The workload is a chunk cache that evicts: each round puts 16 chunks of
 * 1 MiB (and a small record beside each) and deletes the 16 oldest once 256 are held, then the
 * environment is closed and opened again, as the chunk store does after 16 MiB freed.
 *   lmdb        bare lmdb-js: open, openDB, the writes, committed, flushed, close
 *   chunk-env   the store's ChunkEnv (src/node/store/chunk-env.ts) and its reopen()
 * Prints { kibPerReopen, anonKibPerReopen, reopens }: per reopening, from round WARMUP to the
 * last, each measured after a full garbage collection, the growth of the malloc arenas of the
 * threads other than the main one (where LMDB's writer allocates; support/smaps.ts), and of all
 * anonymous memory (RssAnon: lmdb-js's own cost of an open settles over the first ~400 rounds).
 *
 *   node dist/bench/support/reopen-memory.js '{"mode":"chunk-env","rounds":800}'
 */
export interface ReopenJob { mode: 'lmdb' | 'chunk-env', rounds: number }

const DB = { encoding: 'binary', keyEncoding: 'binary' } as const
const MAP_SIZE = 16 * 2 ** 30
const HELD = 256
const PER_ROUND = 16
const WARMUP = 400

function arenaKib (): number {
  const s = summarizeSmaps()
  if (s === undefined) throw new Error('no /proc/self/smaps (Linux only)')
  return s.arenaMb * 1024
}

function anonKib (): number {
  return statusKb('RssAnon', readFileSync('/proc/self/status', 'utf8'))
}

async function main (): Promise<void> {
  const job = childInput<ReopenJob>()
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-reopen-'))
  const value = Buffer.alloc(1 << 20, 7)
  let next = 0
  const keyOf = (n: number): Buffer => { const k = Buffer.alloc(8); k.writeUInt32BE(n); return k }
  try {
    let env = job.mode === 'lmdb' ? open<Buffer, Buffer>({ path: join(dir, 'chunks'), maxDbs: 8, ...DB, mapSize: MAP_SIZE }) : undefined
    const chunkEnv = job.mode === 'chunk-env' ? new ChunkEnv(dir, { mapSize: MAP_SIZE, remapBytes: 0 }) : undefined
    let base = 0
    let arena0 = 0
    for (let round = 0; round <= job.rounds; round++) {
      const e = chunkEnv?.env ?? env
      if (e === undefined) throw new Error(`unknown mode ${String(job.mode)}`)
      const cache = chunkEnv?.dbs.cache ?? e.openDB<Buffer, Buffer>('chunks-cache', DB)
      const meta = chunkEnv?.dbs.meta ?? e.openDB<Buffer, Buffer>('chunk-meta', DB)
      for (let i = 0; i < PER_ROUND; i++) {
        const n = next++
        void e.batch(() => {
          if (n >= HELD) { cache.remove(keyOf(n - HELD)); meta.remove(keyOf(n - HELD)) }
          cache.put(keyOf(n), value)
          meta.put(keyOf(n), Buffer.alloc(40))
        })
      }
      if (chunkEnv !== undefined) {
        await chunkEnv.reopen()
      } else if (env !== undefined) {
        await env.committed
        await env.flushed
        await env.close()
        env = open<Buffer, Buffer>({ path: join(dir, 'chunks'), maxDbs: 8, ...DB, mapSize: MAP_SIZE })
      }
      if (round === WARMUP) { gc(); base = anonKib(); arena0 = arenaKib() }
    }
    gc()
    const kibPerReopen = (arenaKib() - arena0) / (job.rounds - WARMUP)
    const anonKibPerReopen = (anonKib() - base) / (job.rounds - WARMUP)
    await chunkEnv?.close()
    await env?.close()
    process.stdout.write(`${JSON.stringify({ kibPerReopen, anonKibPerReopen, reopens: job.rounds })}\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`reopen-memory: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
