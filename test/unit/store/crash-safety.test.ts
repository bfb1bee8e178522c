import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { open } from 'lmdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/node/crypto/hash.js'
import { openStore } from '../../../src/node/store/environment.js'
import { collectWarnings, killAndWait, spawnUntil, tempDir } from './fixtures/helpers.js'
import { transpileForChild } from './fixtures/transpile.js'

const CACHE_BYTES = 512 * 1024

let build: string
beforeAll(() => { build = transpileForChild('src/node/store/environment.ts') })
afterAll(() => { rmSync(build, { recursive: true, force: true }) })

async function until (pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !pred(); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  if (!pred()) throw new Error(`timed out waiting for ${what}`)
}

/** Keys and value bytes of one database, read with lmdb directly (not through our index). */
function rawTotals (dir: string, name: string): { count: number, bytes: number } {
  const env = open({ path: join(dir, 'chunks'), maxDbs: 32 })
  try {
    const db = env.openDB<Buffer, Buffer>(name, { encoding: 'binary', keyEncoding: 'binary' })
    let count = 0
    let bytes = 0
    for (const { value } of db.getRange()) { count++; bytes += value.length }
    return { count, bytes }
  } finally { void env.close() }
}

describe('crash safety', () => {
  it('a writer SIGKILLed mid-stream leaves only whole, verified chunks, and everything it saw committed', async () => {
    const { dir, cleanup } = tempDir()
    const everCommittedLocal = new Set<string>()
    try {
      for (let round = 0; round < 3; round++) { // crash the same store three times over
        const { child, lines } = await spawnUntil(join(import.meta.dirname, 'fixtures/crash-writer.mjs'), [build, dir, String(CACHE_BYTES)], 'ready')
        try {
          // Enough writes that the cache evicts many times over; four are always in flight.
          await until(() => lines.length > 300, 'the child to commit 300 chunks')
          await killAndWait(child, 'SIGKILL')
        } finally { await killAndWait(child) }
        const committed = lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(' '))
        expect(committed.length).toBeGreaterThanOrEqual(300) // the lines counted above include "ready"
        for (const [, placement, hex] of committed) if (placement === 'local') everCommittedLocal.add(hex)
        await checkStore(dir, everCommittedLocal)
      }
    } finally { cleanup() }
  })
})

async function checkStore (dir: string, committedLocal: Set<string>): Promise<void> {
  const { warnings, onWarning } = collectWarnings()
  const store = openStore(dir, { cacheBytes: CACHE_BYTES, onWarning })
  try {
    expect(warnings.map((w) => w.code)).toContain('STORE_STALE_LOCK')
    expect(warnings.filter((w) => w.code.startsWith('STORE_CHUNK_META'))).toEqual([]) // nothing to repair
    // Every chunk a writer saw committed as local is there (local is never evicted).
    for (const hex of committedLocal) expect(store.chunks.has(Buffer.from(hex, 'hex'))).toBe(true)
    // Every stored chunk hashes to its id.
    const ids = store.chunks.ids()
    for (const id of ids) {
      const bytes = store.chunks.get(id)
      expect(bytes !== undefined && sha256(bytes).equals(id)).toBe(true)
    }
    const usage = store.chunks.usage()
    expect(usage.localCount + usage.cacheCount).toBe(ids.length)
    expect(usage.cacheBytes).toBeLessThanOrEqual(CACHE_BYTES)
    await store.close()
    // The index agrees with what lmdb holds.
    expect(rawTotals(dir, 'chunks-local')).toEqual({ count: usage.localCount, bytes: usage.localBytes })
    expect(rawTotals(dir, 'chunks-cache')).toEqual({ count: usage.cacheCount, bytes: usage.cacheBytes })
    expect(rawTotals(dir, 'chunk-meta').count).toBe(ids.length)
  } finally {
    await store.close()
  }
}
