import { afterAll } from 'vitest'
import { ChunkCryptoPool, type ChunkCryptoPoolOptions } from '../../src/node/services/chunks/crypto-pool.js'

/**
 * A chunk crypto pool for the test file that calls this at its top level, closed once the
 * file's tests are done (there is no process-wide pool: the node, or a test, owns one).
 */
export function chunkCryptoForFile (opts?: ChunkCryptoPoolOptions): ChunkCryptoPool {
  const pool = new ChunkCryptoPool(opts)
  afterAll(async () => { await pool.close() })
  return pool
}
