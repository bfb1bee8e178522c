import { Reader, WireError, Writer } from '../../wire/codec.js'
import { FsError, FsErrorCode } from './errors.js'
import { type Location, locationProblem, MODE_CODES, MODES_BY_CODE } from './location.js'

/**
 * A directory is a binary record table: a fixed header, fixed-length entries
 * sorted by name (raw UTF-8 bytes, so lookup is a binary search), then all
 * names at the end. Entry i sits at a computable offset, so a reader can read
 * one entry, or search by name, without decoding the rest (DirectoryView).
 * Files are referred to by the SHA-256 of their contents, with where those
 * bytes live; nothing time- or owner-related is stored, so equal trees give
 * equal records and equal chunks.
 *
 * Plaintext bytes (little-endian), version 1:
 *   header, 16 bytes:
 *     0   4  magic "TNDR"
 *     4   1  version = 1
 *     5   1  reserved, 0
 *     6   2  entry size (116 in version 1; readers skip extra bytes of larger entries)
 *     8   4  entry count
 *     12  4  names length in bytes
 *   entries, count x entry size, each:
 *     0   1  kind: 1 file, 2 directory
 *     1   1  location mode: 0 empty, 1 slice, 2 split (see location.ts)
 *     2   2  name length (1..255 bytes of UTF-8)
 *     4   4  name offset within the names region
 *     8   8  size: file length, or the directory record's length
 *     16 32  content hash: SHA-256 of the file (or of the directory record)
 *     48 32  chunk id (slice: the chunk holding the bytes; split: first header)
 *     80 32  chunk key
 *     112 4  offset within that chunk's plaintext (slice), else 0
 *   names region: the names, concatenated.
 *   total length = 16 + count x entry size + names length, exactly.
 */

export const DIR_MAGIC = Buffer.from('TNDR')
export const DIR_VERSION = 1
export const DIR_HEADER_BYTES = 16
export const DIR_ENTRY_BYTES = 116

export type EntryKind = 'file' | 'directory'
const KIND_CODES: Record<EntryKind, number> = { file: 1, directory: 2 }

export interface DirectoryEntry {
  name: string
  kind: EntryKind
  /** File length, or the length of the directory's record. */
  size: number
  /** SHA-256 of the file content (or of the directory record). */
  contentHash: Buffer
  location: Location
}

export interface DirectoryHeader {
  entrySize: number
  count: number
  namesLength: number
}

/** Compare names the way records sort them: by raw UTF-8 bytes. */
export function compareNames (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

/** Why `name` cannot be an entry name, or undefined when it can. */
export function nameProblem (name: string): string | undefined {
  const b = Buffer.from(name, 'utf8')
  if (b.length === 0) return 'empty name'
  if (b.length > 255) return 'name longer than 255 bytes'
  if (name === '.' || name === '..') return 'name "." or ".."'
  if (name.includes('/') || name.includes('\0')) return 'name contains "/" or NUL'
  if (b.toString('utf8') !== name) return 'name is not valid Unicode'
  return undefined
}

/** Builds a record from entries in any order; names must be unique and valid. */
export function encodeDirectory (entries: readonly DirectoryEntry[]): Buffer {
  const named = entries.map(e => ({ e, name: Buffer.from(e.name, 'utf8') }))
  named.sort((a, b) => compareNames(a.name, b.name))
  let namesLength = 0
  for (let i = 0; i < named.length; i++) {
    const { e, name } = named[i]
    const problem = nameProblem(e.name) ?? entryProblem(e)
    if (problem !== undefined) throw new FsError(FsErrorCode.BAD_NAME, `cannot store "${e.name}": ${problem}`)
    if (i > 0 && compareNames(named[i - 1].name, name) === 0) {
      throw new FsError(FsErrorCode.PATH_CONFLICT, `duplicate name "${e.name}" in a directory`)
    }
    namesLength += name.length
  }
  const w = new Writer(DIR_HEADER_BYTES + named.length * DIR_ENTRY_BYTES + namesLength)
  w.bytes(DIR_MAGIC).u8(DIR_VERSION).u8(0).u16(DIR_ENTRY_BYTES).u32(named.length).u32(namesLength)
  let nameOffset = 0
  for (const { e, name } of named) {
    w.u8(KIND_CODES[e.kind]).u8(MODE_CODES[e.location.mode]).u16(name.length).u32(nameOffset)
    w.u64(e.size).bytes(e.contentHash).bytes(e.location.chunkId).bytes(e.location.key).u32(e.location.offset)
    nameOffset += name.length
  }
  for (const { name } of named) w.bytes(name)
  return w.finish()
}

/** True when the plaintext starts like a directory record. */
export function looksLikeDirectory (plain: Uint8Array): boolean {
  return plain.length >= 4 && DIR_MAGIC.equals(plain.subarray(0, 4))
}

/** Decodes and checks the 16-byte header against the record's total length. */
export function decodeDirectoryHeader (head: Uint8Array, totalLength: number, maxEntries: number): DirectoryHeader {
  const r = new Reader(head, 'directory header')
  if (!DIR_MAGIC.equals(r.bytes(4))) throw new WireError('directory: bad magic')
  const version = r.u8()
  if (version !== DIR_VERSION) throw new WireError(`directory: unknown version ${version}`)
  if (r.u8() !== 0) throw new WireError('directory: reserved bits set')
  const entrySize = r.u16()
  const count = r.u32()
  const namesLength = r.u32()
  r.end()
  if (entrySize < DIR_ENTRY_BYTES) throw new WireError(`directory: entry size ${entrySize} too small`)
  if (count > maxEntries) throw new WireError(`directory: ${count} entries exceed the limit of ${maxEntries}`)
  if (DIR_HEADER_BYTES + count * entrySize + namesLength !== totalLength) throw new WireError('directory: counts do not match the record length')
  if (namesLength > count * 255) throw new WireError('directory: names region too long')
  return { entrySize, count, namesLength }
}

/** The fixed part of one entry, before its name is read. */
export interface RawEntry {
  kind: EntryKind
  size: number
  contentHash: Buffer
  location: Location
  nameOffset: number
  nameLength: number
}

export function decodeEntryFixed (bytes: Uint8Array, header: DirectoryHeader): RawEntry {
  const r = new Reader(bytes.subarray(0, DIR_ENTRY_BYTES), 'directory entry')
  const kindCode = r.u8()
  const kind: EntryKind | undefined = kindCode === 1 ? 'file' : kindCode === 2 ? 'directory' : undefined
  if (kind === undefined) throw new WireError('directory entry: unknown kind')
  const mode = MODES_BY_CODE[r.u8()]
  if (mode === undefined) throw new WireError('directory entry: unknown location mode')
  const nameLength = r.u16()
  const nameOffset = r.u32()
  const size = r.u64()
  const contentHash = r.bytes(32)
  const chunkId = r.bytes(32)
  const key = r.bytes(32)
  const offset = r.u32()
  r.end()
  if (nameLength < 1 || nameLength > 255 || nameOffset + nameLength > header.namesLength) {
    throw new WireError('directory entry: name outside the names region')
  }
  const raw: RawEntry = { kind, size, contentHash, location: { mode, chunkId, key, offset, length: size }, nameOffset, nameLength }
  const problem = entryProblem(raw)
  if (problem !== undefined) throw new WireError(`directory entry: ${problem}`)
  return raw
}

/** Decodes an entry name read from the names region; WireError when not a valid name. */
export function decodeName (bytes: Uint8Array): string {
  const name = Buffer.from(bytes).toString('utf8')
  if (nameProblem(name) !== undefined || !Buffer.from(name, 'utf8').equals(bytes)) throw new WireError('directory entry: invalid name')
  return name
}

function entryProblem (e: Pick<DirectoryEntry, 'kind' | 'size' | 'contentHash' | 'location'>): string | undefined {
  if (e.contentHash.length !== 32) return 'content hash must be 32 bytes'
  if (e.location.length !== e.size) return 'size differs from location length'
  if (e.kind === 'directory' && e.location.mode === 'empty') return 'a directory cannot be empty bytes'
  return locationProblem(e.location)
}
