import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommandErrorCode } from '../../../src/cli/command-errors.js'
import { downloadFile, type FileToGet } from '../../../src/cli/file-download.js'
import { isTornetError } from '../../../src/node/errors.js'
import type { TornetNode } from '../../../src/node/index.js'
import { tempDataDir } from './cli-test-kit.js'

/**
 * The content library's read(), serving one file in pieces and recording the ranges asked for,
 * and its fs().parts(): the file as parts of PART bytes with their hashes (none with onePiece,
 * as for a small file stored whole).
 */
const PART = 1000
function fakeContent (data: Buffer, opts: { failAfter?: number, onePiece?: boolean } = {}): { content: TornetNode['content'], ranges: Array<{ start: number, end: number } | undefined> } {
  const ranges: Array<{ start: number, end: number } | undefined> = []
  const content = {
    async fs () {
      return {
        async * parts (_path: string, end: number) {
          if (opts.onePiece === true) return
          for (let offset = 0; offset + Math.min(PART, data.length - offset) <= Math.min(end, data.length) && offset < data.length; offset += PART) {
            const bytes = data.subarray(offset, offset + PART)
            yield { offset, length: bytes.length, sha256: createHash('sha256').update(bytes).digest() }
          }
        }
      }
    },
    async * read (_ref: string, _path: string, range: { start: number, end: number } | undefined) {
      ranges.push(range)
      const start = range?.start ?? 0
      const end = range === undefined ? data.length : range.end + 1
      for (let at = start; at < end; at += 1000) {
        if (opts.failAfter !== undefined && at >= opts.failAfter) throw new Error('peer went away')
        yield data.subarray(at, Math.min(end, at + 1000))
      }
    }
  }
  return { content: content as unknown as TornetNode['content'], ranges }
}

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

const data = randomBytes(10_500)
const hash = createHash('sha256').update(data).digest('hex')
const file = (out: string, over: Partial<FileToGet> = {}): FileToGet => ({ reference: 'ref', path: 'a/b.bin', size: data.length, contentHash: hash, out, ...over })

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  return isTornetError(err) ? err.code : String(err)
}

describe('downloadFile', () => {
  it('downloads into OUT.part and renames it when complete', async () => {
    const { content, ranges } = fakeContent(data)
    const out = join(dir, 'b.bin')
    let bytes = 0
    const r = await downloadFile(content, file(out), { onBytes: (n) => { bytes += n } })
    expect(r).toEqual({ kind: 'downloaded', resumedFrom: 0, discarded: 0 })
    expect(readFileSync(out).equals(data)).toBe(true)
    expect(existsSync(`${out}.part`)).toBe(false)
    expect(ranges).toEqual([{ start: 0, end: data.length - 1 }])
    expect(bytes).toBe(data.length)
  })

  it('continues a .part after its last whole part that checks, with an inclusive range read', async () => {
    const { content, ranges } = fakeContent(data)
    const out = join(dir, 'b.bin')
    writeFileSync(`${out}.part`, data.subarray(0, 4321))
    let existing = 0
    const r = await downloadFile(content, file(out), { onExisting: (n) => { existing = n } })
    // The part cut short (4000..4321) has no hash of its own to check: it is fetched again.
    expect(r).toEqual({ kind: 'downloaded', resumedFrom: 4000, discarded: 321 })
    expect(existing).toBe(4000)
    expect(ranges).toEqual([{ start: 4000, end: data.length - 1 }])
    expect(readFileSync(out).equals(data)).toBe(true)
  })

  it('keeps a damaged .part up to its first bad part and fetches the rest again', async () => {
    // A torn or half-lost .part (a crash, a disk that lost its tail): each kept part is checked first.
    const { content, ranges } = fakeContent(data)
    const out = join(dir, 'b.bin')
    const bad = Buffer.from(data.subarray(0, 7000))
    bad[2500] ^= 1
    bad.fill(0, 6000) // a tail of zeros, as a file system may leave after a power cut
    writeFileSync(`${out}.part`, bad)
    expect(await downloadFile(content, file(out))).toEqual({ kind: 'downloaded', resumedFrom: 2000, discarded: 5000 })
    expect(ranges).toEqual([{ start: 2000, end: data.length - 1 }])
    expect(readFileSync(out).equals(data)).toBe(true)
  })

  it('keeps what arrived when the transfer breaks, and the next run finishes it', async () => {
    const out = join(dir, 'b.bin')
    const broken = fakeContent(data, { failAfter: 6000 })
    await expect(downloadFile(broken.content, file(out))).rejects.toThrow('peer went away')
    expect(readFileSync(`${out}.part`).equals(data.subarray(0, 6000))).toBe(true)
    const { content, ranges } = fakeContent(data)
    await downloadFile(content, file(out))
    expect(ranges).toEqual([{ start: 6000, end: data.length - 1 }])
    expect(readFileSync(out).equals(data)).toBe(true)
  })

  it('drops a damaged .part of a file stored in one piece (no part hashes): it is fetched whole', async () => {
    const { content, ranges } = fakeContent(data, { onePiece: true })
    const out = join(dir, 'b.bin')
    const bad = Buffer.from(data.subarray(0, 5000))
    bad[7] ^= 1
    writeFileSync(`${out}.part`, bad)
    expect(await downloadFile(content, file(out))).toEqual({ kind: 'downloaded', resumedFrom: 0, discarded: 5000 })
    expect(ranges).toEqual([{ start: 0, end: data.length - 1 }])
    expect(readFileSync(out).equals(data)).toBe(true)
  })

  it('drops a .part and keeps nothing when the publisher contradicts itself (parts check, content hash does not)', async () => {
    const { content } = fakeContent(data)
    const out = join(dir, 'b.bin')
    writeFileSync(`${out}.part`, data.subarray(0, 5000))
    expect(await codeOf(downloadFile(content, file(out, { contentHash: '00'.repeat(32) })))).toBe(CommandErrorCode.CONTENT_MISMATCH)
    expect(existsSync(out)).toBe(false)
    expect(existsSync(`${out}.part`)).toBe(false)
  })

  it('starts again when the .part is longer than the file', async () => {
    const { content, ranges } = fakeContent(data)
    const out = join(dir, 'b.bin')
    writeFileSync(`${out}.part`, Buffer.concat([data, Buffer.from('junk')]))
    expect(await downloadFile(content, file(out))).toEqual({ kind: 'downloaded', resumedFrom: 0, discarded: 0 })
    expect(ranges[0]?.start).toBe(0)
    expect(readFileSync(out).equals(data)).toBe(true)
  })

  it('keeps an identical existing file without reading, and refuses a different one unless forced', async () => {
    const { content, ranges } = fakeContent(data)
    const out = join(dir, 'b.bin')
    writeFileSync(out, data)
    expect(await downloadFile(content, file(out))).toEqual({ kind: 'already-there' })
    expect(ranges).toHaveLength(0)

    writeFileSync(out, 'something else')
    expect(await codeOf(downloadFile(content, file(out)))).toBe(CommandErrorCode.OUTPUT_EXISTS)
    expect(readFileSync(out, 'utf8')).toBe('something else')
    await downloadFile(content, file(out), { force: true })
    expect(readFileSync(out).equals(data)).toBe(true)
  })

  it('writes an empty file without reading', async () => {
    const { content, ranges } = fakeContent(Buffer.alloc(0))
    const out = join(dir, 'empty')
    await downloadFile(content, file(out, { size: 0, contentHash: createHash('sha256').digest('hex') }))
    expect(readFileSync(out)).toHaveLength(0)
    expect(ranges).toHaveLength(0)
  })

  it('refuses bytes that do not match the content hash', async () => {
    const { content } = fakeContent(data)
    const out = join(dir, 'b.bin')
    expect(await codeOf(downloadFile(content, file(out, { contentHash: '00'.repeat(32) })))).toBe(CommandErrorCode.CONTENT_MISMATCH)
    expect(existsSync(out)).toBe(false)
  })
})
