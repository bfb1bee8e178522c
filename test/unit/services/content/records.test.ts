import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { type RandomAccess, bufferAccess } from '../../../../src/node/services/content/blob-access.js'
import {
  DIR_ENTRY_BYTES, DIR_HEADER_BYTES, type DirectoryEntry, encodeDirectory
} from '../../../../src/node/services/content/directory-record.js'
import { DirectoryView } from '../../../../src/node/services/content/directory-view.js'
import { FsErrorCode } from '../../../../src/node/services/content/errors.js'
import { decodeFileHeader, encodeFileHeader, type FileHeader } from '../../../../src/node/services/content/file-header.js'
import { decodeLocation, EMPTY_LOCATION, encodeLocation, type Location } from '../../../../src/node/services/content/location.js'
import { encryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import { describeChunk } from '../../../../src/node/services/chunks/chunk-format.js'
import { tryDecode } from '../../../../src/node/wire/codec.js'

async function codeOf (f: () => Promise<unknown>): Promise<string | undefined> {
  try { await f() } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

function fileEntry (name: string, i: number): DirectoryEntry {
  const content = Buffer.from(`content of ${name}`)
  return {
    name,
    kind: 'file',
    size: content.length,
    contentHash: sha256(content),
    location: { mode: 'slice', chunkId: sha256(Buffer.from([i, 1])), key: sha256(Buffer.from([i, 2])), offset: i * 10, length: content.length }
  }
}

/** Counts the bytes a view reads. */
function counting (buf: Buffer): RandomAccess & { bytes: number, reads: number } {
  const inner = bufferAccess(buf)
  const c = {
    size: buf.length,
    bytes: 0,
    reads: 0,
    read: async (o: number, l: number) => { c.bytes += l; c.reads++; return await inner.read(o, l) }
  }
  return c
}

describe('directory record', () => {
  it('has golden bytes for a small record', () => {
    const record = encodeDirectory([
      fileEntry('b.txt', 1),
      { name: 'empty', kind: 'file', size: 0, contentHash: sha256(Buffer.alloc(0)), location: EMPTY_LOCATION },
      { ...fileEntry('a', 2), kind: 'directory' }
    ])
    expect(record.length).toBe(DIR_HEADER_BYTES + 3 * DIR_ENTRY_BYTES + 'a'.length + 'b.txt'.length + 'empty'.length)
    expect(record.subarray(0, 16).toString('hex')).toBe('544e44520100740003000000' + '0b000000')
    // Entries sorted by name: a, b.txt, empty; names at the end in the same order.
    expect(record.subarray(record.length - 11).toString()).toBe('ab.txtempty')
    // Same bytes built independently from the documented layout with Python's struct module.
    expect(sha256(record).toString('hex')).toBe('a7ca9152988704c840e29ad290a56e785edceea74f1de7a510ab2843d90d2124')
  })

  it('reads entry N and looks names up without decoding the whole record', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `file-${String(i).padStart(5, '0')}.txt`)
    const record = encodeDirectory(names.map((n, i) => fileEntry(n, i % 250)))
    const acc = counting(record)
    const view = await DirectoryView.open(acc)
    expect(view.count).toBe(3000)
    acc.bytes = 0
    const e = await view.entry(1234)
    expect(e.name).toBe('file-01234.txt')
    expect(e.contentHash.equals(sha256(Buffer.from('content of file-01234.txt')))).toBe(true)
    expect(acc.bytes).toBe(DIR_ENTRY_BYTES + e.name.length)
    acc.bytes = 0
    const found = await view.lookup('file-02999.txt')
    expect(found?.name).toBe('file-02999.txt')
    // ~log2(3000) = 12 probes of one entry and one name each: a few KB of a 380 KB record.
    expect(acc.bytes).toBeLessThan(13 * (DIR_ENTRY_BYTES + 14))
    expect(acc.bytes * 50).toBeLessThan(record.length)
    expect(await view.lookup('file-03000.txt')).toBeUndefined()
    expect(await view.lookup('')).toBeUndefined()
  })

  it('sorts by UTF-8 bytes, keeps unicode names exact, and lists in order', async () => {
    const names = ['zeta', 'Äpfel', 'éclair', '日本語.txt', '😀', 'a b', 'A']
    const view = await DirectoryView.open(bufferAccess(encodeDirectory(names.map(fileEntry))))
    const listed: string[] = []
    for await (const e of view.entries()) listed.push(e.name)
    expect(listed).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))))
    for (const n of names) expect((await view.lookup(n))?.name).toBe(n)
  })

  it('refuses bad names and duplicates when encoding', () => {
    const code = (f: () => unknown): string | undefined => { try { f() } catch (e) { return isTornetError(e) ? e.code : 'untyped' } return undefined }
    for (const bad of ['', '.', '..', 'a/b', 'nul\0', 'x'.repeat(256), '\ud800']) {
      expect(code(() => encodeDirectory([fileEntry(bad, 0)])), JSON.stringify(bad)).toBe(FsErrorCode.BAD_NAME)
    }
    expect(code(() => encodeDirectory([fileEntry('x'.repeat(255), 0)]))).toBeUndefined()
    expect(code(() => encodeDirectory([fileEntry('same', 0), fileEntry('same', 1)]))).toBe(FsErrorCode.PATH_CONFLICT)
  })

  it('turns malformed records into FS_RECORD_MALFORMED, never a crash', async () => {
    const record = encodeDirectory(['a', 'b', 'c'].map(fileEntry))
    const open = async (b: Buffer): Promise<string | undefined> => await codeOf(async () => {
      const v = await DirectoryView.open(bufferAccess(b))
      for await (const _ of v.entries()) { /* read all */ }
    })
    expect(await open(record)).toBeUndefined()
    expect(await open(record.subarray(0, 10))).toBe(FsErrorCode.RECORD_MALFORMED)
    expect(await open(record.subarray(0, record.length - 1))).toBe(FsErrorCode.RECORD_MALFORMED)
    expect(await open(Buffer.concat([record, Buffer.of(0)]))).toBe(FsErrorCode.RECORD_MALFORMED)
    const mutate = (at: number, v: number): Buffer => { const b = Buffer.from(record); b[at] = v; return b }
    expect(await open(mutate(0, 0x58))).toBe(FsErrorCode.RECORD_MALFORMED) // magic
    expect(await open(mutate(4, 2))).toBe(FsErrorCode.RECORD_MALFORMED) // version
    expect(await open(mutate(8, 200))).toBe(FsErrorCode.RECORD_MALFORMED) // count vs length
    expect(await open(mutate(DIR_HEADER_BYTES, 9))).toBe(FsErrorCode.RECORD_MALFORMED) // kind
    expect(await open(mutate(DIR_HEADER_BYTES + 1, 7))).toBe(FsErrorCode.RECORD_MALFORMED) // location mode
    expect(await open(mutate(DIR_HEADER_BYTES + 4, 250))).toBe(FsErrorCode.RECORD_MALFORMED) // name offset
    // Random garbage after a valid header: every read either decodes or fails typed.
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(record)
      randomBytes(DIR_ENTRY_BYTES * 3).copy(b, DIR_HEADER_BYTES)
      const c = await open(b)
      expect([undefined, FsErrorCode.RECORD_MALFORMED]).toContain(c)
    }
  })
})

describe('file header', () => {
  function part (plain: Buffer): FileHeader['parts'][number] {
    const c = encryptChunk(plain)
    return { key: c.key, plainLength: plain.length, chunk: describeChunk(c.cipher) }
  }

  it('round trips a header with a next pointer, and checks part lengths', () => {
    const h: FileHeader = {
      kind: 'file', totalSize: 250, contentHash: randomBytes(32), partBytes: 100, firstPart: 0,
      parts: [part(randomBytes(100)), part(randomBytes(100))], next: { id: randomBytes(32), key: randomBytes(32) }
    }
    const back = decodeFileHeader(encodeFileHeader(h))
    expect(back.totalSize).toBe(250)
    expect(back.parts.map(p => p.plainLength)).toEqual([100, 100])
    expect(back.next?.id.equals(h.next?.id as Buffer)).toBe(true)
    expect(back.parts[1].chunk.slices[0].equals(h.parts[1].chunk.slices[0])).toBe(true)
    const tail: FileHeader = { ...h, contentHash: Buffer.alloc(32), firstPart: 2, parts: [part(randomBytes(50))], next: undefined }
    expect(decodeFileHeader(encodeFileHeader(tail)).parts[0].plainLength).toBe(50)
    expect(() => encodeFileHeader({ ...tail, parts: [part(randomBytes(49))] })).toThrow(RangeError)
    expect(() => encodeFileHeader({ ...h, next: undefined })).toThrow(RangeError)
    // Only the first header of a chain carries the content hash.
    expect(() => encodeFileHeader({ ...tail, contentHash: h.contentHash })).toThrow(RangeError)
  })

  it('rejects truncation, trailing bytes and flipped fields as WIRE_MALFORMED', () => {
    const h: FileHeader = { kind: 'directory', totalSize: 100, contentHash: randomBytes(32), partBytes: 100, firstPart: 0, parts: [part(randomBytes(100))] }
    const b = encodeFileHeader(h)
    expect(tryDecode(decodeFileHeader, b)).toBeDefined()
    for (let n = 0; n < b.length; n += 7) expect(tryDecode(decodeFileHeader, b.subarray(0, n))).toBeUndefined()
    expect(tryDecode(decodeFileHeader, Buffer.concat([b, Buffer.of(0)]))).toBeUndefined()
    for (const at of [0, 4, 5, 6, 8, 48, 52, 56, 60, 70, 125 + 32]) {
      const m = Buffer.from(b); m[at] ^= 0x5a
      expect(tryDecode(decodeFileHeader, m), `byte ${at}`).toBeUndefined()
    }
  })
})

describe('location codec', () => {
  it('round trips and rejects bad bytes', () => {
    const loc: Location = { mode: 'slice', chunkId: randomBytes(32), key: randomBytes(32), offset: 1000, length: 77 }
    const b = encodeLocation(loc)
    expect(b.length).toBe(77)
    expect(decodeLocation(b)).toEqual(loc)
    expect(decodeLocation(encodeLocation(EMPTY_LOCATION)).mode).toBe('empty')
    expect(tryDecode(decodeLocation, b.subarray(1))).toBeUndefined()
    const m = Buffer.from(b); m[0] = 7
    expect(tryDecode(decodeLocation, m)).toBeUndefined()
    expect(() => encodeLocation({ ...loc, offset: 1 << 20 })).toThrow(RangeError)
  })
})
