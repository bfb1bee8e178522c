import type { ChunkWriter } from './chunk-writer.js'
import type { Location } from './location.js'

/** A small file waiting in a pack; `location` is set when the pack is stored. */
export interface PackSlot {
  contentHash: Buffer
  length: number
  location?: Location
}

/**
 * Packs small files together into shared chunks, as the seed says: network
 * cost is per chunk found, not per byte, so a thousand small files should be
 * a handful of chunks. Files go in arrival order; a file that does not fit
 * closes the current pack. Memory: one pack (at most packBytes).
 */
export class Packer {
  private parts: Buffer[] = []
  private slots: PackSlot[] = []
  private used = 0

  constructor (
    private readonly writer: ChunkWriter,
    private readonly packBytes: number,
    private readonly onStored: (slots: readonly PackSlot[]) => Promise<void>
  ) {}

  async add (contentHash: Buffer, bytes: Buffer): Promise<PackSlot> {
    if (bytes.length === 0 || bytes.length > this.packBytes) throw new RangeError(`cannot pack ${bytes.length} bytes`)
    if (this.used + bytes.length > this.packBytes) await this.flush()
    const slot: PackSlot = { contentHash, length: bytes.length }
    this.parts.push(bytes)
    this.slots.push(slot)
    this.used += bytes.length
    return slot
  }

  async flush (): Promise<void> {
    if (this.slots.length === 0) return
    const plain = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.used)
    const slots = this.slots
    this.parts = []
    this.slots = []
    this.used = 0
    const { id, key } = await this.writer.store(plain)
    let offset = 0
    for (const s of slots) {
      s.location = { mode: 'slice', chunkId: id, key, offset, length: s.length }
      offset += s.length
    }
    await this.onStored(slots)
  }
}
