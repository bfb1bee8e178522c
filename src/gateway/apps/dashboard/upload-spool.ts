/**
 * For wiring the dashboard to a publisher that needs more than one pass.
 * An upload arrives as a single stream: no file's size is known before its
 * last byte, and no file can be read twice. The node's file-system publish
 * wants both (it hashes a large file, then stores it), so the wiring puts
 * each file aside first: small ones in memory, within a budget, the rest in a
 * private temporary directory that close() removes.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { UploadedFile } from './port.js'

export interface SpooledFile {
  path: string
  kind: 'file'
  size: number
  /** Streams the file's bytes; may be called any number of times until the spool is closed. */
  open (): AsyncIterable<Uint8Array>
}

export interface SpoolOptions {
  /** Parent of the temporary directory (default: the OS's). */
  tmpDir?: string
  /** Files up to this size are kept in memory… (default 256 KiB) */
  memoryFileBytes?: number
  /** …while all of them together stay under this (default 32 MiB). */
  memoryBudgetBytes?: number
  signal?: AbortSignal
}

export interface UploadSpool {
  /** The files, each yielded once it is completely put aside. */
  readonly files: AsyncIterable<SpooledFile>
  /** Removes the temporary files; call it when the publish has finished, either way. */
  close (): Promise<void>
}

export function spoolUploads (uploads: AsyncIterable<UploadedFile> | Iterable<UploadedFile>, opts: SpoolOptions = {}): UploadSpool {
  const memoryFileBytes = opts.memoryFileBytes ?? 256 * 1024
  const memoryBudgetBytes = opts.memoryBudgetBytes ?? 32 * 1024 * 1024
  let dir: string | undefined
  let inMemory = 0
  let closed = false

  async function spillTo (file: UploadedFile, head: Buffer[], rest: AsyncIterator<Uint8Array>, index: number): Promise<SpooledFile> {
    dir ??= await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'tornet-upload-'))
    const target = join(dir, String(index))
    let size = 0
    async function * all (): AsyncGenerator<Uint8Array> {
      for (const chunk of head) {
        size += chunk.length
        yield chunk
      }
      while (true) {
        const next = await rest.next()
        if (next.done === true) return
        size += next.value.byteLength
        yield next.value
      }
    }
    await pipeline(Readable.from(all()), createWriteStream(target, { flags: 'wx', mode: 0o600 }), { signal: opts.signal })
    return { path: file.path, kind: 'file', size, open: () => createReadStream(target) }
  }

  async function * files (): AsyncGenerator<SpooledFile> {
    let index = 0
    for await (const file of uploads) {
      if (closed) throw new Error('The upload spool is closed.')
      opts.signal?.throwIfAborted()
      const source = file.open()[Symbol.asyncIterator]()
      const head: Buffer[] = []
      let headBytes = 0
      let spilled: SpooledFile | undefined
      while (spilled === undefined) {
        const next = await source.next()
        if (next.done === true) break
        head.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength))
        headBytes += next.value.byteLength
        if (headBytes > memoryFileBytes || inMemory + headBytes > memoryBudgetBytes) spilled = await spillTo(file, head, source, index)
      }
      index++
      if (spilled !== undefined) {
        yield spilled
        continue
      }
      inMemory += headBytes
      const bytes = Buffer.concat(head)
      yield { path: file.path, kind: 'file', size: bytes.length, open: () => once(bytes) }
    }
  }

  return {
    files: { [Symbol.asyncIterator]: () => files() },
    async close () {
      closed = true
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    }
  }
}

async function * once (bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}
