import { createHash } from 'node:crypto'
import { decryptChunk } from '../../../src/node/crypto/chunk-cipher.js'
import { loadConfig, loadIdentity } from '../../../src/node/index.js'
import { openReference, parseReference } from '../../../src/node/services/content/index.js'
import { openStore, type Store } from '../../../src/node/store/environment.js'
import { StoreWarningCode } from '../../../src/node/store/errors.js'

/**
 * What a restart finds in a data directory a child was SIGKILLed over: the store must open,
 * say nothing but that the previous owner died holding the lock (nothing repaired, nothing
 * dropped), and every chunk it holds must hash to its id.
 */
export interface StoreCheck {
  /** Warnings other than the stale lock, and an error that kept the store from opening. */
  problems: string[]
  chunks: number
  corrupt: number
}

export async function checkStore<T> (dataDir: string, inspect?: (store: Store) => Promise<T>): Promise<StoreCheck & { inspected?: T }> {
  const problems: string[] = []
  let store: Store
  try {
    store = openStore(dataDir, {
      nodeId: loadIdentity(dataDir)?.id,
      cacheBytes: loadConfig({ dataDir }).storage.cacheBytes,
      onWarning: (w) => { if (w.code !== StoreWarningCode.STALE_LOCK) problems.push(`${w.code}: ${w.message}`) }
    })
  } catch (err) {
    return { problems: [`the store did not open: ${(err as Error).message}`], chunks: 0, corrupt: 0 }
  }
  try {
    let chunks = 0
    let corrupt = 0
    for (const id of store.chunks.ids()) {
      chunks++
      const bytes = store.chunks.get(id)
      if (bytes === undefined || !createHash('sha256').update(bytes).digest().equals(id)) corrupt++
    }
    const inspected = inspect === undefined ? undefined : await inspect(store)
    return { problems, chunks, corrupt, inspected }
  } finally {
    await store.close()
  }
}

/**
 * Reads every file of a published reference from the store alone (no network), checks each
 * against its expected SHA-256, and returns the ids of the chunks it needed, or the first
 * thing that was missing or wrong.
 */
export async function readLocally (store: Store, reference: string, files: Map<string, string>): Promise<{ chunkIds: Buffer[] } | { missing: string }> {
  const chunkIds: Buffer[] = []
  const source = {
    get: async (id: Buffer): Promise<Buffer> => {
      const bytes = store.chunks.get(id)
      if (bytes === undefined) throw new Error(`chunk ${id.toString('hex')} is not in the store`)
      chunkIds.push(Buffer.from(id))
      return Buffer.from(bytes)
    }
  }
  try {
    const fs = await openReference(parseReference(reference), source, { crypto: { decrypt: async (cipher, key) => decryptChunk(cipher, key) } })
    for (const [rel, sha] of files) {
      const got = createHash('sha256').update(await fs.readAll(rel)).digest('hex')
      if (got !== sha) return { missing: `${rel} reads back with another hash` }
    }
  } catch (err) {
    return { missing: (err as Error).message }
  }
  return { chunkIds }
}
