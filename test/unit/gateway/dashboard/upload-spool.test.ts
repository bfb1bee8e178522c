import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { UploadedFile } from '../../../../src/gateway/apps/dashboard/port.js'
import { spoolUploads } from '../../../../src/gateway/apps/dashboard/upload-spool.js'

let parent: string
beforeEach(async () => { parent = await mkdtemp(join(tmpdir(), 'spool-test-')) })
afterEach(async () => { await rm(parent, { recursive: true, force: true }) })

/** Files that can be opened only once, like an upload's. */
function uploads (files: Array<[string, Buffer]>): AsyncIterable<UploadedFile> {
  return (async function * () {
    for (const [path, bytes] of files) {
      let opened = false
      yield {
        path,
        open: () => {
          if (opened) throw new Error('opened twice')
          opened = true
          return (async function * () {
            for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000)
          })()
        }
      }
    }
  })()
}

async function readAll (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of it) chunks.push(Buffer.from(c))
  return Buffer.concat(chunks)
}

describe('spoolUploads', () => {
  it('gives each file its size and lets it be read twice, from memory or disk', async () => {
    const small = Buffer.from('small file')
    const large = Buffer.alloc(10_000, 7)
    const empty = Buffer.alloc(0)
    const spool = spoolUploads(uploads([['a.txt', small], ['big.bin', large], ['e', empty]]), { tmpDir: parent, memoryFileBytes: 4096 })
    const seen: Array<{ path: string, size: number, first: Buffer, second: Buffer }> = []
    for await (const f of spool.files) seen.push({ path: f.path, size: f.size, first: await readAll(f.open()), second: await readAll(f.open()) })
    expect(seen.map(s => [s.path, s.size])).toEqual([['a.txt', small.length], ['big.bin', large.length], ['e', 0]])
    for (const [i, bytes] of [small, large, empty].entries()) {
      expect(seen[i]!.first.equals(bytes)).toBe(true)
      expect(seen[i]!.second.equals(bytes)).toBe(true)
    }
    expect(readdirSync(parent)).toHaveLength(1) // the large file went to disk
    await spool.close()
    expect(readdirSync(parent)).toHaveLength(0)
  })

  it('spills to disk once the memory budget is used up', async () => {
    const spool = spoolUploads(uploads([['1', Buffer.alloc(3000, 1)], ['2', Buffer.alloc(3000, 2)]]), { tmpDir: parent, memoryFileBytes: 4096, memoryBudgetBytes: 5000 })
    const sizes: number[] = []
    for await (const f of spool.files) sizes.push((await readAll(f.open())).length)
    expect(sizes).toEqual([3000, 3000])
    const dirs = readdirSync(parent)
    expect(dirs).toHaveLength(1)
    expect(readdirSync(join(parent, dirs[0]!))).toEqual(['1']) // the second file
    await spool.close()
    expect(existsSync(join(parent, dirs[0]!))).toBe(false)
  })
})
