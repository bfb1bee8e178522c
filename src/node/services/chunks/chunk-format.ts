import { TornetError } from '../../errors.js'
import { sha256 } from '../../crypto/hash.js'
import { CHUNK_MAX_BYTES } from '../../crypto/chunk-cipher.js'
import { WireError, type Reader, type Writer } from '../../wire/codec.js'

/**
 * A stored chunk is its ciphertext, nothing else (at most 1 MiB; see
 * crypto/chunk-cipher.ts). Its id is SHA-256(ciphertext). For partial
 * downloads from several peers the ciphertext is cut into 64 KiB slices
 * (the last may be shorter) and each slice has a SHA-256.
 *
 * Where the slice hashes live: in the record that references the chunk, never
 * in the chunk and never taken from the peer serving it. A peer could serve
 * a consistent set of bad slices and bad hashes, and since the id is a plain
 * SHA-256 of the whole ciphertext the lie would only show at the very end. So:
 *   - parts of a large file (and of any blob split across chunks) are listed
 *     in the file header together with their descriptor (id, length, slice
 *     hashes): a downloader verifies each slice as it arrives;
 *   - everything else (directory records, file headers, packs of small files,
 *     the root chunk) is fetched whole and checked against its id.
 *
 * Descriptor bytes (embedded in other records, little-endian):
 *   id          32   SHA-256(ciphertext)
 *   length       4   ciphertext length, 8..1 MiB, a multiple of 8
 *   slices   n x 32  n = ceil(length / 64 KiB), SHA-256 of each slice
 */

export { CHUNK_MAX_BYTES }
export const SLICE_BYTES = 64 * 1024
export const MAX_SLICES = CHUNK_MAX_BYTES / SLICE_BYTES

export const ChunkFormatErrorCode = {
  BAD_LENGTH: 'CHUNK_BAD_LENGTH',
  BAD_SLICE_INDEX: 'CHUNK_BAD_SLICE_INDEX'
} as const

export interface ChunkDescriptor {
  /** SHA-256 of the whole ciphertext. */
  id: Buffer
  /** Ciphertext length in bytes. */
  length: number
  /** SHA-256 of each 64 KiB slice of the ciphertext, in order. */
  slices: Buffer[]
}

export function chunkIdOf (cipher: Uint8Array): Buffer {
  return sha256(cipher)
}

export function isValidChunkLength (length: number): boolean {
  return Number.isInteger(length) && length >= 8 && length <= CHUNK_MAX_BYTES && length % 8 === 0
}

export function sliceCount (length: number): number {
  if (!isValidChunkLength(length)) throw new TornetError(ChunkFormatErrorCode.BAD_LENGTH, `invalid chunk length ${length}`)
  return Math.ceil(length / SLICE_BYTES)
}

/** Byte range [start, end) of slice `index` in a chunk of `length` bytes. */
export function sliceBounds (length: number, index: number): { start: number, end: number } {
  const n = sliceCount(length)
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new TornetError(ChunkFormatErrorCode.BAD_SLICE_INDEX, `slice ${index} out of range 0..${n - 1}`)
  }
  const start = index * SLICE_BYTES
  return { start, end: Math.min(length, start + SLICE_BYTES) }
}

export function sliceHashes (cipher: Uint8Array): Buffer[] {
  const n = sliceCount(cipher.length)
  const out: Buffer[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = sha256(cipher.subarray(i * SLICE_BYTES, Math.min(cipher.length, (i + 1) * SLICE_BYTES)))
  return out
}

export function describeChunk (cipher: Uint8Array): ChunkDescriptor {
  return { id: chunkIdOf(cipher), length: cipher.length, slices: sliceHashes(cipher) }
}

/** True when `bytes` is exactly slice `index` of the described chunk. Never throws on network input. */
export function verifySlice (desc: ChunkDescriptor, index: number, bytes: Uint8Array): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= desc.slices.length) return false
  const start = index * SLICE_BYTES
  const expected = Math.min(desc.length, start + SLICE_BYTES) - start
  if (bytes.length !== expected) return false
  return sha256(bytes).equals(desc.slices[index])
}

/** True when `cipher` is the whole described chunk (length and id). */
export function verifyChunk (desc: Pick<ChunkDescriptor, 'id' | 'length'>, cipher: Uint8Array): boolean {
  return cipher.length === desc.length && chunkIdOf(cipher).equals(desc.id)
}

export function encodeDescriptor (w: Writer, desc: ChunkDescriptor): void {
  const n = sliceCount(desc.length)
  if (desc.id.length !== 32 || desc.slices.length !== n || desc.slices.some(s => s.length !== 32)) {
    throw new TornetError(ChunkFormatErrorCode.BAD_LENGTH, 'chunk descriptor has wrong id or slice hash sizes')
  }
  w.bytes(desc.id).u32(desc.length)
  for (const s of desc.slices) w.bytes(s)
}

/** Reads a descriptor; throws WireError (WIRE_MALFORMED) on bad bytes. */
export function decodeDescriptor (r: Reader): ChunkDescriptor {
  const id = r.bytes(32)
  const length = r.u32()
  if (!isValidChunkLength(length)) throw new WireError(`${r.what}: invalid chunk length ${length}`)
  const n = Math.ceil(length / SLICE_BYTES)
  const slices: Buffer[] = new Array(n)
  for (let i = 0; i < n; i++) slices[i] = r.bytes(32)
  return { id, length, slices }
}

export function descriptorBytes (length: number): number {
  return 32 + 4 + 32 * sliceCount(length)
}
