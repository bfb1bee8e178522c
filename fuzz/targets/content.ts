/** Content records inside fetched chunks: file headers, locations, directory records; radio audio headers. */
import type { FuzzTarget } from '../harness.js'
import { sha256 } from '../../src/node/crypto/hash.js'
import { cipherLengthOf } from '../../src/node/crypto/chunk-cipher.js'
import { describeChunk } from '../../src/node/services/chunks/chunk-format.js'
import { decodeFileHeader, encodeFileHeader } from '../../src/node/services/content/file-header.js'
import { decodeLocation, encodeLocation, type Location } from '../../src/node/services/content/location.js'
import {
  DIR_ENTRY_BYTES, DIR_HEADER_BYTES, type DirectoryEntry, decodeDirectoryHeader, decodeEntryFixed, decodeName, encodeDirectory
} from '../../src/node/services/content/directory-record.js'
import { readMp3Header } from '../../src/node/services/radio/codecs/mp3-header.js'
import { readAdtsHeader } from '../../src/node/services/radio/codecs/adts-header.js'
import { readOggPage } from '../../src/node/services/radio/codecs/ogg-page.js'
import { readOggIdHeader } from '../../src/node/services/radio/codecs/ogg-headers.js'
import { bytes, isTornetError, multi } from './helpers.js'
import { fixture } from './fixtures.js'

const slice = (offset: number, length: number): Location => ({ mode: 'slice', chunkId: bytes(32, 1), key: bytes(32, 2), offset, length })

function decodeDirectory (b: Uint8Array): DirectoryEntry[] {
  const header = decodeDirectoryHeader(b.subarray(0, DIR_HEADER_BYTES), b.length, 10_000)
  const namesAt = DIR_HEADER_BYTES + header.count * header.entrySize
  const out: DirectoryEntry[] = []
  for (let i = 0; i < header.count; i++) {
    const at = DIR_HEADER_BYTES + i * header.entrySize
    const raw = decodeEntryFixed(b.subarray(at, at + DIR_ENTRY_BYTES), header)
    const name = decodeName(b.subarray(namesAt + raw.nameOffset, namesAt + raw.nameOffset + raw.nameLength))
    out.push({ name, kind: raw.kind, size: raw.size, contentHash: Buffer.from(raw.contentHash), location: { ...raw.location, chunkId: Buffer.from(raw.location.chunkId), key: Buffer.from(raw.location.key) } })
  }
  return out
}

/** A record with names out of order or repeated is readable but not what encodeDirectory writes. */
function inWriterOrder (entries: DirectoryEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (Buffer.compare(Buffer.from(entries[i - 1].name), Buffer.from(entries[i].name)) >= 0) return false
  return true
}

const partOf = (plainLength: number, fill: number): { key: Buffer, plainLength: number, chunk: ReturnType<typeof describeChunk> } =>
  ({ key: bytes(32, fill), plainLength, chunk: describeChunk(Buffer.alloc(cipherLengthOf(plainLength), fill)) })

export const contentRecords = multi('content-records', 'file headers, locations and directory records decrypted from fetched chunks', isTornetError, [
  {
    decode: decodeFileHeader,
    encode: encodeFileHeader,
    seeds: () => [
      encodeFileHeader({ kind: 'file', totalSize: 2500, contentHash: sha256(Buffer.from('x')), partBytes: 1000, firstPart: 0, parts: [partOf(1000, 3)], next: { id: bytes(32, 4), key: bytes(32, 5) } }),
      encodeFileHeader({ kind: 'file', totalSize: 2500, contentHash: bytes(32, 0), partBytes: 1000, firstPart: 1, parts: [partOf(1000, 3), partOf(500, 4)] }),
      encodeFileHeader({ kind: 'directory', totalSize: 10, contentHash: bytes(32, 7), partBytes: 10, firstPart: 0, parts: [partOf(10, 6)] })
    ]
  },
  { decode: decodeLocation, encode: encodeLocation, seeds: () => [encodeLocation(slice(100, 50)), encodeLocation({ mode: 'split', chunkId: bytes(32, 7), key: bytes(32, 8), offset: 0, length: 5_000_000 })] },
  {
    decode: decodeDirectory,
    encode: entries => inWriterOrder(entries) ? encodeDirectory(entries) : undefined,
    seeds: () => [encodeDirectory([
      { name: 'index.html', kind: 'file', size: 50, contentHash: bytes(32, 9), location: slice(0, 50) },
      { name: 'img', kind: 'directory', size: 300, contentHash: bytes(32, 10), location: slice(50, 300) },
      { name: 'ünïcode ✓.txt', kind: 'file', size: 0, contentHash: sha256(Buffer.alloc(0)), location: { mode: 'empty', chunkId: bytes(32, 0), key: bytes(32, 0), offset: 0, length: 0 } }
    ])]
  }
])

function audioSeeds (file: string, offsets: number[]): Uint8Array[] {
  const all = fixture(`radio/${file}`)
  return offsets.map(o => all.subarray(o, o + 1024))
}

/** Audio a broadcaster uploads is parsed for frame and page boundaries: those parsers must not throw. */
export const radioAudio = multi('radio-audio-headers', 'uploaded audio: MP3 and ADTS frame headers, Ogg pages and Opus/Vorbis id headers', isTornetError, [
  { decode: b => readMp3Header(b, 0) ?? null, seeds: () => audioSeeds('tone.mp3', [0, 417]) },
  { decode: b => readAdtsHeader(b, 0) ?? null, seeds: () => audioSeeds('tone.aac', [0]) },
  { decode: b => readOggPage(Buffer.from(b)), seeds: () => [...audioSeeds('tone.ogg', [0]), ...audioSeeds('tone.opus', [0])] },
  { decode: b => readOggIdHeader(Buffer.from(b)) ?? null, seeds: () => [] }
])
