import { createHash } from 'node:crypto'
import type { ChunkWriter } from './chunk-writer.js'
import { FsError, FsErrorCode } from './errors.js'
import { type BlobKind, type ChunkPointer, encodeFileHeader, type PartRef } from './file-header.js'
import type { FsLimits } from './limits.js'
import { MAX_BLOB_BYTES } from './location.js'

const ZERO_HASH = Buffer.alloc(32)

export interface SplitResult {
  /** The first header chunk: what a split location or a file reference names. */
  head: ChunkPointer
  size: number
  contentHash: Buffer
}

/**
 * Streams a blob into parts of `limits.partBytes`, stores each part as a
 * chunk as soon as it is full (memory: one part), then writes the header
 * chain back to front (each header names the next, so the last goes first).
 * Equal parts converge to equal chunks, so an edited large file shares every
 * untouched part with its previous version. `expectedSize`, when given, must
 * match the bytes read (FS_SOURCE_CHANGED otherwise).
 */
export async function writeSplitBlob (
  kind: BlobKind,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  writer: ChunkWriter,
  limits: FsLimits,
  opts: { expectedSize?: number, signal?: AbortSignal, onBytes?: (n: number) => void } = {}
): Promise<SplitResult> {
  const hash = createHash('sha256')
  const parts: PartRef[] = []
  const buf = Buffer.allocUnsafe(limits.partBytes)
  let fill = 0
  let size = 0

  const storePart = async (plain: Buffer): Promise<void> => {
    const { key, descriptor } = await writer.store(plain)
    parts.push({ key, plainLength: plain.length, chunk: descriptor })
  }

  for await (const piece of source) {
    opts.signal?.throwIfAborted()
    let off = 0
    while (off < piece.length) {
      const n = Math.min(piece.length - off, buf.length - fill)
      buf.set(piece.subarray(off, off + n), fill)
      fill += n
      off += n
      if (fill === buf.length) { await storePart(buf); fill = 0 }
    }
    hash.update(piece)
    size += piece.length
    if (size > MAX_BLOB_BYTES || (opts.expectedSize !== undefined && size > opts.expectedSize)) break
    opts.onBytes?.(piece.length)
  }
  if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
    throw new FsError(FsErrorCode.SOURCE_CHANGED, `expected ${opts.expectedSize} bytes, read ${size}`)
  }
  if (size > MAX_BLOB_BYTES) throw new FsError(FsErrorCode.LIMIT, `blob larger than ${MAX_BLOB_BYTES} bytes`)
  if (fill > 0) await storePart(buf.subarray(0, fill))
  const contentHash = hash.digest()

  // Header chain, back to front.
  const runs: number[] = []
  for (let i = 0; i < parts.length; i += limits.partsPerHeader) runs.push(i)
  if (runs.length === 0) runs.push(0)
  let next: ChunkPointer | undefined
  for (let r = runs.length - 1; r >= 0; r--) {
    const first = runs[r]
    const plain = encodeFileHeader({
      kind, totalSize: size, contentHash: first === 0 ? contentHash : ZERO_HASH, partBytes: limits.partBytes, firstPart: first,
      parts: parts.slice(first, first + limits.partsPerHeader), next
    })
    const { id, key } = await writer.store(plain)
    next = { id, key }
  }
  return { head: next as ChunkPointer, size, contentHash }
}
