import { describe, expect, it } from 'vitest'
import { decryptChunk } from '../../../../src/node/crypto/chunk-cipher.js'
import type { ChunkCrypto } from '../../../../src/node/services/chunks/crypto-pool.js'
import { type ChunkGetOptions, MemoryLocationIndex, openReference, publish } from '../../../../src/node/services/fs/index.js'
import { collect, fileOf, MemoryChunks, prng } from './memory-chunks.js'

const limits = { partBytes: 100_000, smallFileMax: 1000 }

/** A source that records what each get was told, over a MemoryChunks. */
class RecordingSource extends MemoryChunks {
  readonly calls: Array<{ id: string, group?: string, descriptor: boolean }> = []
  override async get (id: Buffer, opts: ChunkGetOptions = {}): Promise<Buffer> {
    this.calls.push({ id: id.toString('hex'), group: opts.group, descriptor: opts.descriptor !== undefined })
    return await super.get(id)
  }
}

describe('ChunkFetcher', () => {
  it('decrypts through the crypto it is given, and names the blob of each part to the source', async () => {
    const content = await collect(prng(7, 450_000)())
    const source = new RecordingSource()
    const ref = await publish([fileOf('big.bin', content), fileOf('small.txt', 'hi')], source, new MemoryLocationIndex(), { limits })
    let decrypts = 0
    const crypto: ChunkCrypto = {
      sha256: async () => { throw new Error('not used by readers') },
      decrypt: async (cipher, key) => { decrypts++; return decryptChunk(cipher, key) }
    }
    const fs = await openReference(ref, source, { crypto })
    expect((await fs.readAll('big.bin')).equals(content)).toBe(true)
    expect((await fs.readAll('small.txt')).toString()).toBe('hi')
    expect(decrypts).toBe(source.calls.length)
    const parts = source.calls.filter(c => c.descriptor)
    expect(parts.length).toBe(5)
    expect(new Set(parts.map(c => c.group)).size).toBe(1) // one blob, one group
    expect(parts[0].group).toMatch(/^[0-9a-f]{64}$/)
    expect(source.calls.filter(c => !c.descriptor).every(c => c.group === undefined)).toBe(true)
  })

  it('keeps records in its cache but not the parts of a file it streams', async () => {
    const content = await collect(prng(8, 350_000)())
    const source = new RecordingSource()
    const ref = await publish([fileOf('big.bin', content)], source, new MemoryLocationIndex(), { limits })
    const fs = await openReference(ref, source)
    expect((await fs.readAll('big.bin')).equals(content)).toBe(true)
    const first = source.calls.length
    expect((await fs.readAll('big.bin')).equals(content)).toBe(true)
    // Again: the four parts are fetched anew, the header (and root) come from the cache.
    expect(source.calls.slice(first).map(c => c.descriptor)).toEqual([true, true, true, true])
  })
})
