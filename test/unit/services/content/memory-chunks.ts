import type { ChunkSink, ChunkSource, PublishEntry } from '../../../../src/node/services/content/index.js'

/** A chunk store in memory: sink for publish, source for openReference. */
export class MemoryChunks implements ChunkSink, ChunkSource {
  readonly map = new Map<string, Buffer>()
  gets = 0

  async put (id: Buffer, cipher: Buffer): Promise<void> { this.map.set(id.toString('hex'), Buffer.from(cipher)) }

  async get (id: Buffer): Promise<Buffer> {
    this.gets++
    const b = this.map.get(id.toString('hex'))
    if (b === undefined) throw new Error(`missing chunk ${id.toString('hex')}`)
    return b
  }

  ids (): Set<string> { return new Set(this.map.keys()) }
}

/** A sink that records which ids were put in one run. */
export function recordingSink (store: MemoryChunks): ChunkSink & { put: ChunkSink['put'], ids: Set<string> } {
  const ids = new Set<string>()
  return {
    ids,
    put: async (id, cipher) => { ids.add(id.toString('hex')); await store.put(id, cipher) }
  }
}

/** Deterministic pseudo-random bytes (xorshift32), streamed in pieces of `piece` bytes. */
export function prng (seed: number, length: number, piece = 64 * 1024): () => AsyncIterable<Uint8Array> {
  return async function * () {
    let x = seed >>> 0 || 1
    for (let off = 0; off < length; off += piece) {
      const n = Math.min(piece, length - off)
      const b = Buffer.allocUnsafe(n)
      for (let i = 0; i < n; i++) {
        x ^= x << 13; x >>>= 0
        x ^= x >>> 17
        x ^= x << 5; x >>>= 0
        b[i] = x & 0xff
      }
      yield b
    }
  }
}

export async function collect (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const b of it) parts.push(b)
  return Buffer.concat(parts)
}

export function fileOf (path: string, content: Buffer | string): PublishEntry {
  const b = typeof content === 'string' ? Buffer.from(content) : content
  return { path, kind: 'file', size: b.length, open: async function * () { if (b.length > 0) yield b } }
}

export async function * entriesOf (list: PublishEntry[]): AsyncIterable<PublishEntry> { yield * list }
