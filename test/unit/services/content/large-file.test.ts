import { createCipheriv, createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MemoryLocationIndex, openReference, publish, type PublishEntry } from '../../../../src/node/services/content/index.js'
import { MemoryChunks } from './memory-chunks.js'
import { chunkCryptoForFile } from '../../../helpers/chunk-crypto.js'

const crypto = chunkCryptoForFile()

const SIZE = 300 * 1024 * 1024
const MiB = 1024 * 1024

/** 300 MiB of deterministic bytes (AES-CTR keystream), generated as read, never held whole. */
function stream (size: number, piece = 256 * 1024): () => AsyncIterable<Uint8Array> {
  return async function * () {
    const c = createCipheriv('aes-128-ctr', Buffer.alloc(16, 1), Buffer.alloc(16))
    const zeros = Buffer.alloc(piece)
    for (let off = 0; off < size; off += piece) yield c.update(zeros.subarray(0, Math.min(piece, size - off)))
  }
}

function expectedHash (): Buffer {
  const h = createHash('sha256')
  const c = createCipheriv('aes-128-ctr', Buffer.alloc(16, 1), Buffer.alloc(16))
  const zeros = Buffer.alloc(4 * MiB)
  for (let off = 0; off < SIZE; off += zeros.length) h.update(c.update(zeros))
  return h.digest()
}

describe('a 300 MiB file', () => {
  const entry: PublishEntry = { path: 'movie.bin', kind: 'file', size: SIZE, open: stream(SIZE) }

  it('is published with bounded memory (sink that keeps only ids)', async () => {
    const ids = new Set<string>()
    globalThis.gc?.()
    const base = process.memoryUsage().arrayBuffers
    let peak = 0
    await publish([entry], { put: async id => { ids.add(id.toString('hex')) } }, new MemoryLocationIndex(), {
      onProgress: () => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - base) }
    })
    expect(ids.size).toBe(301 + 1 + 1) // 301 parts, one header, the root directory record
    // Buffers alive at any time: a part, its ciphertext, read buffers, and garbage not yet
    // collected. Far below the file's 300 MiB.
    expect(peak).toBeLessThan(150 * MiB)
  })

  it('round trips byte-exact through an in-memory store', async () => {
    const store = new MemoryChunks()
    const ref = await publish([entry], store, new MemoryLocationIndex())
    const fs = await openReference(ref, store, { crypto })
    const h = createHash('sha256')
    let n = 0
    for await (const b of fs.readFile('movie.bin')) { h.update(b); n += b.length }
    expect(n).toBe(SIZE)
    expect(h.digest().equals(expectedHash())).toBe(true)
    const mid = await fs.readAll('movie.bin', { start: 150 * MiB - 5, end: 150 * MiB + 5 })
    expect(mid.length).toBe(10)
  })
})
