import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { open } from 'lmdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../src/node/errors.js'
import { STORE_SCHEMA_VERSION, openStore } from '../../../src/node/store/environment.js'
import { LOCK_FILE } from '../../../src/node/store/store-lock.js'
import { chunk, collectWarnings, killAndWait, spawnUntil, tempDir } from './fixtures/helpers.js'
import { transpileForChild } from './fixtures/transpile.js'

function codeOf (fn: () => unknown): string | undefined {
  try { fn() } catch (err) { return isTornetError(err) ? err.code : `not a TornetError: ${String(err)}` }
  return undefined
}

let build: string
beforeAll(() => { build = transpileForChild('src/node/store/environment.ts') })
afterAll(() => { rmSync(build, { recursive: true, force: true }) })

describe('openStore', () => {
  it('opens one environment under <dir>/db, closes idempotently, refuses calls after close', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const store = openStore(join(dir, 'nested', 'data'), { onWarning: () => {} })
      await store.chunks.putLocal(chunk(1).id, chunk(1).bytes)
      await store.close()
      await store.close()
      expect(codeOf(() => store.chunks.get(chunk(1).id))).toBe('STORE_CLOSED')
      expect(codeOf(() => store.peers.list())).toBe('STORE_CLOSED')
      await expect(store.chunks.putLocal(chunk(2).id, chunk(2).bytes)).rejects.toMatchObject({ code: 'STORE_CLOSED' })
    } finally { cleanup() }
  })

  it('refuses a second opener in the same process until the first closes', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const first = openStore(dir, { onWarning: () => {} })
      expect(codeOf(() => openStore(dir, { onWarning: () => {} }))).toBe('STORE_LOCKED')
      await first.close()
      const second = openStore(dir, { onWarning: () => {} })
      await second.close()
    } finally { cleanup() }
  })

  it('refuses while another process has the store open, and takes over once it is killed', async () => {
    const { dir, cleanup } = tempDir()
    let child: ChildProcess | undefined
    try {
      child = (await spawnUntil(join(import.meta.dirname, 'fixtures/hold-open.mjs'), [build, dir], 'ready')).child
      expect(codeOf(() => openStore(dir, { onWarning: () => {} }))).toBe('STORE_LOCKED')
      await killAndWait(child)
      const { warnings, onWarning } = collectWarnings()
      const store = openStore(dir, { onWarning })
      expect(warnings.map((w) => w.code)).toEqual(['STORE_STALE_LOCK'])
      await store.close()
    } finally {
      if (child !== undefined) await killAndWait(child)
      cleanup()
    }
  })

  it('treats a lock file naming a dead pid as stale', async () => {
    const { dir, cleanup } = tempDir()
    try {
      writeFileSync(join(dir, LOCK_FILE), '999999999\n')
      const store = openStore(dir, { onWarning: () => {} })
      await store.close()
    } finally { cleanup() }
  })

  it('refuses a store written by a newer layout with STORE_CORRUPT', async () => {
    const { dir, cleanup } = tempDir()
    try {
      await openStore(dir, { onWarning: () => {} }).close()
      const env = open({ path: join(dir, 'db'), maxDbs: 32 })
      const meta = env.openDB<Buffer, Buffer>('store-meta', { encoding: 'binary', keyEncoding: 'binary' })
      await meta.put(Buffer.from('schema'), Buffer.from([STORE_SCHEMA_VERSION + 1]))
      await env.close()
      expect(codeOf(() => openStore(dir, { onWarning: () => {} }))).toBe('STORE_CORRUPT')
      // again, not STORE_LOCKED: the failed open released its lock
      expect(codeOf(() => openStore(dir, { onWarning: () => {} }))).toBe('STORE_CORRUPT')
    } finally { cleanup() }
  })

  it.each(['db', 'chunks'])('refuses a %s data file that is not LMDB with STORE_CORRUPT instead of crashing', async (env) => {
    const { dir, cleanup } = tempDir()
    try {
      mkdirSync(join(dir, env))
      writeFileSync(join(dir, env, 'data.mdb'), randomBytes(65536))
      expect(codeOf(() => openStore(dir, { onWarning: () => {} }))).toBe('STORE_CORRUPT')
      writeFileSync(join(dir, env, 'data.mdb'), '')
      await openStore(dir, { onWarning: () => {} }).close() // an empty file is a new store
    } finally { cleanup() }
  })

  it('reports an unusable directory as STORE_ACCESS', () => {
    const { dir, cleanup } = tempDir()
    try {
      writeFileSync(join(dir, 'file'), 'not a directory')
      const code = codeOf(() => openStore(join(dir, 'file', 'sub'), { onWarning: () => {} }))
      expect(code).toBe('STORE_ACCESS')
    } finally { cleanup() }
  })

  it('opens further databases for other services, not the reserved ones', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const store = openStore(dir, { onWarning: () => {} })
      const kv = store.openDatabase('kv-records')
      await kv.put(Buffer.from('k'), Buffer.from('v'))
      expect(kv.getBinary(Buffer.from('k'))?.toString()).toBe('v')
      expect(codeOf(() => store.openDatabase('peers'))).toBe('STORE_INVALID_ARGUMENT')
      expect(codeOf(() => store.openDatabase('Bad Name'))).toBe('STORE_INVALID_ARGUMENT')
      await store.flushed()
      await store.close()
      const again = openStore(dir, { onWarning: () => {} })
      expect(again.openDatabase('kv-records').getBinary(Buffer.from('k'))?.toString()).toBe('v')
      await again.close()
    } finally { cleanup() }
  })
})
