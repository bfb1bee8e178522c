import { type BlowfishImpl, encryptChunk } from '../../crypto/chunk-cipher.js'
import { type ChunkDescriptor, sliceHashes } from '../chunks/chunk-format.js'

/** Where a publisher puts ciphertext: the chunk store, a test map, a directory on disk. */
export interface ChunkSink {
  put: (id: Buffer, cipher: Buffer) => Promise<void>
}

export interface StoredChunk {
  id: Buffer
  key: Buffer
  descriptor: ChunkDescriptor
}

/**
 * Encrypts plaintexts into chunks and hands them to the sink, once per id in
 * a run (equal plaintexts converge to one chunk). Counts what it put.
 */
export class ChunkWriter {
  private readonly seen = new Set<string>()
  chunksPut = 0
  bytesPut = 0

  constructor (
    private readonly sink: ChunkSink,
    private readonly opts: { impl?: BlowfishImpl, signal?: AbortSignal, onPut?: () => void } = {}
  ) {}

  async store (plain: Uint8Array): Promise<StoredChunk> {
    this.opts.signal?.throwIfAborted()
    const { key, cipher, id } = encryptChunk(plain, { impl: this.opts.impl })
    const descriptor: ChunkDescriptor = { id, length: cipher.length, slices: sliceHashes(cipher) }
    const hex = id.toString('hex')
    if (!this.seen.has(hex)) {
      await this.sink.put(id, cipher)
      this.seen.add(hex)
      this.chunksPut++
      this.bytesPut += cipher.length
      this.opts.onPut?.()
    }
    return { id, key, descriptor }
  }
}
