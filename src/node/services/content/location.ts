import { Reader, WireError, Writer } from '../../wire/codec.js'
import { CHUNK_MAX_PLAIN_BYTES } from '../../crypto/chunk-cipher.js'

/**
 * Where a blob's bytes are (a blob is a file's content or a directory record).
 *   empty  no bytes, no chunk (empty files)
 *   slice  bytes [offset, offset + length) of one chunk's plaintext; small
 *          files share packed chunks this way, and a directory record that fits
 *          in a chunk is the whole of its own chunk (offset 0)
 *   split  the blob is cut into parts listed by a chain of file headers;
 *          chunkId/key name the first header chunk, offset is 0
 *
 * Stored form (for a publisher's content-hash index), 77 bytes:
 *   mode u8 (0 empty, 1 slice, 2 split) · chunk id 32 · key 32 · offset u32 · length u64
 */
export type LocationMode = 'empty' | 'slice' | 'split'

export interface Location {
  mode: LocationMode
  chunkId: Buffer
  key: Buffer
  offset: number
  length: number
}

/** Largest blob (file or directory record): 2^48 bytes, far inside Number's exact range. */
export const MAX_BLOB_BYTES = 2 ** 48

export const LOCATION_BYTES = 77
const ZERO32 = Buffer.alloc(32)

export const MODE_CODES: Record<LocationMode, number> = { empty: 0, slice: 1, split: 2 }
export const MODES_BY_CODE: readonly LocationMode[] = ['empty', 'slice', 'split']

export const EMPTY_LOCATION: Readonly<Location> = Object.freeze({ mode: 'empty', chunkId: ZERO32, key: ZERO32, offset: 0, length: 0 })

/** Checks the invariants every location must hold; returns a reason or undefined. */
export function locationProblem (loc: Location): string | undefined {
  if (loc.chunkId.length !== 32 || loc.key.length !== 32) return 'chunk id and key must be 32 bytes'
  if (!Number.isSafeInteger(loc.length) || loc.length < 0 || loc.length > MAX_BLOB_BYTES) return 'bad length'
  switch (loc.mode) {
    case 'empty':
      return loc.length === 0 && loc.offset === 0 && loc.chunkId.equals(ZERO32) && loc.key.equals(ZERO32) ? undefined : 'empty location with data'
    case 'slice':
      return Number.isInteger(loc.offset) && loc.offset >= 0 && loc.length >= 1 && loc.offset + loc.length <= CHUNK_MAX_PLAIN_BYTES
        ? undefined
        : 'slice outside a chunk'
    case 'split':
      return loc.offset === 0 && loc.length >= 1 ? undefined : 'split location needs offset 0 and a length'
    default:
      return 'unknown mode'
  }
}

export function encodeLocation (loc: Location): Buffer {
  const p = locationProblem(loc)
  if (p !== undefined) throw new RangeError(`invalid location: ${p}`)
  return new Writer(LOCATION_BYTES).u8(MODE_CODES[loc.mode]).bytes(loc.chunkId).bytes(loc.key).u32(loc.offset).u64(loc.length).finish()
}

/** Throws WireError (WIRE_MALFORMED) on bad bytes. */
export function decodeLocation (bytes: Uint8Array): Location {
  const r = new Reader(bytes, 'location')
  const mode = MODES_BY_CODE[r.u8()]
  if (mode === undefined) throw new WireError('location: unknown mode')
  const loc: Location = { mode, chunkId: Buffer.from(r.bytes(32)), key: Buffer.from(r.bytes(32)), offset: r.u32(), length: r.u64() }
  r.end()
  const p = locationProblem(loc)
  if (p !== undefined) throw new WireError(`location: ${p}`)
  return loc
}
