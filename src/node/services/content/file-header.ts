import { Reader, WireError, Writer } from '../../wire/codec.js'
import { CHUNK_MAX_PLAIN_BYTES, cipherLengthOf } from '../../crypto/chunk-cipher.js'
import { type ChunkDescriptor, decodeDescriptor, encodeDescriptor, MAX_SLICES } from '../chunks/chunk-format.js'
import { MAX_BLOB_BYTES } from './location.js'

/**
 * A file header describes a blob (a large file, or a directory record too big
 * for one chunk) cut into parts of `partBytes` plaintext bytes each (the
 * blob's last part may be shorter). Each part is its own chunk. When the part
 * list does not fit in one chunk, headers chain: each lists a run of parts
 * and names the next header. A reader checks that the chain is consistent.
 *
 * Plaintext bytes (little-endian), version 1:
 *   0    4  magic "TNFH"
 *   4    1  version = 1
 *   5    1  blob kind: 1 file, 2 directory record
 *   6    2  reserved, 0
 *   8    8  total blob size in bytes
 *   16  32  SHA-256 of the whole blob (the file's content hash) in the first
 *           header; zeros in the ones after it, so that editing one part
 *           rewrites only the headers up to the one listing it
 *   48   4  part size: plaintext bytes of every part but the last
 *   52   4  index of the first part listed here
 *   56   4  number of parts listed here (n)
 *   60   1  has next header: 0 / 1
 *   61  32  next header chunk id (zeros when none)
 *   93  32  next header key (zeros when none)
 *   125     n parts, each:
 *             key 32 (SHA-256 of the part's plaintext)
 *             plain length u32
 *             chunk descriptor (id 32, cipher length u32, slice hashes 32 each)
 *   no trailing bytes.
 */

export const FILE_HEADER_MAGIC = Buffer.from('TNFH')
export const FILE_HEADER_VERSION = 1
export const FILE_HEADER_FIXED_BYTES = 125
/** Bytes of one full part entry (16 slices). */
export const PART_ENTRY_MAX_BYTES = 32 + 4 + 32 + 4 + 32 * MAX_SLICES

export type BlobKind = 'file' | 'directory'
const KIND_CODES: Record<BlobKind, number> = { file: 1, directory: 2 }
const KINDS_BY_CODE: Record<number, BlobKind | undefined> = { 1: 'file', 2: 'directory' }

export interface PartRef {
  /** SHA-256 of the part's plaintext: its Blowfish key. */
  key: Buffer
  plainLength: number
  chunk: ChunkDescriptor
}

export interface ChunkPointer {
  id: Buffer
  key: Buffer
}

export interface FileHeader {
  kind: BlobKind
  totalSize: number
  contentHash: Buffer
  partBytes: number
  firstPart: number
  parts: PartRef[]
  next?: ChunkPointer
}

export function partCountOf (totalSize: number, partBytes: number): number {
  return Math.ceil(totalSize / partBytes)
}

/** Plaintext length part `index` of a blob must have. */
export function partLengthOf (totalSize: number, partBytes: number, index: number): number {
  return Math.min(partBytes, totalSize - index * partBytes)
}

export function encodeFileHeader (h: FileHeader): Buffer {
  const problem = headerProblem(h)
  if (problem !== undefined) throw new RangeError(`invalid file header: ${problem}`)
  const w = new Writer(FILE_HEADER_FIXED_BYTES + h.parts.length * PART_ENTRY_MAX_BYTES)
  w.bytes(FILE_HEADER_MAGIC).u8(FILE_HEADER_VERSION).u8(KIND_CODES[h.kind]).u16(0)
  w.u64(h.totalSize).bytes(h.contentHash).u32(h.partBytes).u32(h.firstPart).u32(h.parts.length)
  if (h.next !== undefined) w.u8(1).bytes(h.next.id).bytes(h.next.key)
  else w.u8(0).bytes(Buffer.alloc(64))
  for (const p of h.parts) {
    w.bytes(p.key).u32(p.plainLength)
    encodeDescriptor(w, p.chunk)
  }
  const out = w.finish()
  if (out.length > CHUNK_MAX_PLAIN_BYTES) throw new RangeError(`file header of ${out.length} bytes does not fit a chunk`)
  return out
}

/** True when the plaintext starts like a file header (used to tell a root's kind). */
export function looksLikeFileHeader (plain: Uint8Array): boolean {
  return plain.length >= 4 && FILE_HEADER_MAGIC.equals(plain.subarray(0, 4))
}

/** Decodes and checks one header on its own; throws WireError (WIRE_MALFORMED). */
export function decodeFileHeader (plain: Uint8Array): FileHeader {
  const r = new Reader(plain, 'file header')
  if (!FILE_HEADER_MAGIC.equals(r.bytes(4))) throw new WireError('file header: bad magic')
  const version = r.u8()
  if (version !== FILE_HEADER_VERSION) throw new WireError(`file header: unknown version ${version}`)
  const kind = KINDS_BY_CODE[r.u8()]
  if (kind === undefined) throw new WireError('file header: unknown blob kind')
  if (r.u16() !== 0) throw new WireError('file header: reserved bits set')
  const totalSize = r.u64()
  const contentHash = r.bytes(32)
  const partBytes = r.u32()
  const firstPart = r.u32()
  const n = r.u32()
  const hasNext = r.u8()
  const nextId = r.bytes(32)
  const nextKey = r.bytes(32)
  if (hasNext > 1) throw new WireError('file header: bad next flag')
  // Bound n by what could fit before allocating anything for it.
  if (n > r.remaining / (32 + 4 + 32 + 4 + 32)) throw new WireError('file header: part count exceeds record')
  const parts: PartRef[] = []
  for (let i = 0; i < n; i++) {
    const key = r.bytes(32)
    const plainLength = r.u32()
    const chunk = decodeDescriptor(r)
    parts.push({ key, plainLength, chunk })
  }
  r.end()
  const h: FileHeader = { kind, totalSize, contentHash, partBytes, firstPart, parts }
  if (hasNext === 1) h.next = { id: nextId, key: nextKey }
  else if (nextId.some(b => b !== 0) || nextKey.some(b => b !== 0)) throw new WireError('file header: next pointer without flag')
  const problem = headerProblem(h)
  if (problem !== undefined) throw new WireError(`file header: ${problem}`)
  return h
}

function headerProblem (h: FileHeader): string | undefined {
  if (!Number.isSafeInteger(h.totalSize) || h.totalSize < 0 || h.totalSize > MAX_BLOB_BYTES) return 'bad total size'
  if (h.contentHash.length !== 32) return 'bad content hash'
  if (h.firstPart > 0 && h.contentHash.some(b => b !== 0)) return 'content hash in a continuation header'
  if (!Number.isInteger(h.partBytes) || h.partBytes < 1 || h.partBytes > CHUNK_MAX_PLAIN_BYTES) return 'bad part size'
  const total = partCountOf(h.totalSize, h.partBytes)
  if (total > 0xffffffff) return 'too many parts'
  if (h.totalSize === 0) {
    return h.firstPart === 0 && h.parts.length === 0 && h.next === undefined ? undefined : 'empty blob with parts'
  }
  if (h.parts.length === 0) return 'no parts'
  if (!Number.isInteger(h.firstPart) || h.firstPart < 0 || h.firstPart + h.parts.length > total) return 'parts beyond the blob'
  const last = h.firstPart + h.parts.length === total
  if (last === (h.next !== undefined)) return last ? 'next header after the last part' : 'missing next header'
  if (h.next !== undefined && (h.next.id.length !== 32 || h.next.key.length !== 32)) return 'bad next pointer'
  for (let i = 0; i < h.parts.length; i++) {
    const p = h.parts[i]
    if (p.key.length !== 32) return 'bad part key'
    if (p.plainLength !== partLengthOf(h.totalSize, h.partBytes, h.firstPart + i)) return `part ${h.firstPart + i} has the wrong length`
    if (p.chunk.length !== cipherLengthOf(p.plainLength)) return `part ${h.firstPart + i} cipher length does not match`
  }
  return undefined
}
