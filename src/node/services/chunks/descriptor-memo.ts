import { type ChunkDescriptor, describeChunk } from './chunk-format.js'

const DESCRIPTOR_MEMO = 64

/**
 * The descriptors (slice hashes) of the chunks this node serves, the last few remembered:
 * describing a chunk hashes all of it, and the downloaders of a popular chunk all ask.
 */
export class DescriptorMemo {
  private readonly memo = new Map<string, ChunkDescriptor>()

  constructor (private readonly store: { has: (id: Buffer) => boolean, get: (id: Buffer) => Buffer | undefined }, private readonly capacity = DESCRIPTOR_MEMO) {}

  /** The descriptor of a chunk held here, or undefined. */
  describe (id: Buffer): ChunkDescriptor | undefined {
    const hex = id.toString('hex')
    const memo = this.memo.get(hex)
    if (memo !== undefined && this.store.has(id)) return memo
    const bytes = this.store.get(id)
    if (bytes === undefined) return undefined
    const d = describeChunk(bytes)
    this.memo.set(hex, d)
    if (this.memo.size > this.capacity) this.memo.delete(this.memo.keys().next().value as string)
    return d
  }
}
