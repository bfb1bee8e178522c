import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { afterEach, describe, expect, it } from 'vitest'
import { type BinaryTable, databasePersistence } from '../../../../src/node/services/records/database-persistence.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function openEnv (dir: string): ReturnType<typeof open<Buffer, Buffer>> {
  return open<Buffer, Buffer>({ path: join(dir, 'db'), maxDbs: 4, encoding: 'binary', keyEncoding: 'binary' })
}

const key = (n: number): Buffer => Buffer.alloc(32, n)

describe('databasePersistence', () => {
  it('saves, removes and loads back through a real lmdb database after reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tornet-persist-'))
    dirs.push(dir)
    const env = openEnv(dir)
    const p = databasePersistence(env.openDB<Buffer, Buffer>('names-held', { encoding: 'binary', keyEncoding: 'binary' }))
    p.save(key(1), Buffer.from('one'))
    p.save(key(2), Buffer.from('two'))
    p.save(key(3), Buffer.from('three'))
    p.remove(key(2))
    p.save(key(1), Buffer.from('uno'))
    await env.flushed
    await env.close()

    const again = openEnv(dir)
    const q = databasePersistence(again.openDB<Buffer, Buffer>('names-held', { encoding: 'binary', keyEncoding: 'binary' }))
    const loaded = [...q.load()].map(b => Buffer.from(b).toString())
    expect(loaded.sort()).toEqual(['three', 'uno'])
    expect(q.writeErrors).toBe(0)
    await again.close()
  })

  it('settled() waits for the writes made before it, and only for those', async () => {
    const commits: Array<() => void> = []
    const table: BinaryTable = {
      getRange: () => [],
      put: async () => { await new Promise<void>((resolve) => { commits.push(resolve) }); return true },
      remove: async () => { throw new Error('disk gone') }
    }
    const errors: unknown[] = []
    const p = databasePersistence(table, (err) => { errors.push(err) })
    p.save(key(1), Buffer.from('one'))
    p.remove(key(2)) // fails: settled still resolves, and the failure is counted
    let settled = false
    const done = p.settled().then(() => { settled = true })
    p.save(key(3), Buffer.from('later'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(settled).toBe(false)
    commits[0]() // the first put commits; the later one need not for this settled()
    await done
    expect(settled).toBe(true)
    expect(p.writeErrors).toBe(1)
    expect(errors).toHaveLength(1)
    commits[1]()
    await p.settled()
  })

  it('loads lazily: a loader that stops early reads no further', () => {
    let read = 0
    const table: BinaryTable = {
      * getRange () { for (let i = 0; i < 100; i++) { read++; yield { key: key(i), value: Buffer.of(i) } } },
      put: async () => true,
      remove: async () => true
    }
    for (const _ of databasePersistence(table).load()) if (read === 3) break
    expect(read).toBe(3)
  })

  it('hands over copies, and anything but bytes as an empty entry', () => {
    const shared = Buffer.from('reused')
    const table: BinaryTable = {
      getRange: () => [{ key: key(1), value: shared }, { key: key(2), value: 'a string' }],
      put: async () => true,
      remove: async () => true
    }
    const values = [...databasePersistence(table).load()]
    shared.fill(0)
    expect(Buffer.from(values[0]).toString()).toBe('reused')
    expect(values[1]).toHaveLength(0)
  })

  it('counts failed writes, rejected or thrown, and never throws them at the caller', async () => {
    const seen: unknown[] = []
    const table: BinaryTable = {
      getRange: () => [],
      put: async () => { throw new Error('disk full') },
      remove: () => { throw new Error('database closed') }
    }
    const p = databasePersistence(table, (err) => { seen.push(err); throw new Error('a reporter that fails') })
    expect(() => { p.save(key(1), Buffer.of(1)) }).not.toThrow()
    expect(() => { p.remove(key(1)) }).not.toThrow()
    await new Promise(resolve => setImmediate(resolve))
    expect(p.writeErrors).toBe(2)
    expect(seen.map(e => (e as Error).message).sort()).toEqual(['database closed', 'disk full'])
  })
})
