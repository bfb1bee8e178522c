import { createCipheriv, createHash } from 'node:crypto'
import type { Duplex, Writable } from 'node:stream'
import type { TunnelService } from '../../src/node/services/tunnels/tunnel-api.js'

/**
 * A deterministic byte source over a tunnel stream, for byte-exact transfer
 * tests and benchmarks: the client writes (size u64 LE ‖ seed 32), the
 * `blob` service at the last hop answers with `size` bytes of ChaCha20
 * keystream under `seed` and ends. Both sides can compute the hash.
 */
export const BLOB_SERVICE = 'blob'

export function blobChunks (seed: Buffer, size: number, chunk = 64 * 1024): Generator<Buffer> {
  const cipher = createCipheriv('chacha20', seed, Buffer.alloc(16))
  const zeros = Buffer.alloc(chunk)
  return (function * () {
    for (let left = size; left > 0; left -= chunk) yield cipher.update(left >= chunk ? zeros : zeros.subarray(0, left))
  })()
}

export function blobHash (seed: Buffer, size: number): string {
  const h = createHash('sha256')
  for (const c of blobChunks(seed, size)) h.update(c)
  return h.digest('hex')
}

/** Writes `size` bytes of the blob under `seed` to `stream`, honouring backpressure, then ends it. */
export async function writeBlob (stream: Writable, seed: Buffer, size: number): Promise<void> {
  for (const chunk of blobChunks(seed, size)) {
    if (!stream.write(chunk)) await new Promise(resolve => stream.once('drain', resolve))
  }
  stream.end()
}

/** Registers the `blob` service: writes what was asked, honouring backpressure. */
export function serveBlob (tunnels: Pick<TunnelService, 'handleStream'>): void {
  tunnels.handleStream(BLOB_SERVICE, (stream) => {
    stream.once('readable', () => {
      const head = stream.read(40) as Buffer | null
      if (head === null) { stream.destroy(); return }
      const size = Number(head.readBigUInt64LE(0))
      void writeBlob(stream, head.subarray(8, 40), size)
    })
    stream.on('error', () => {})
  })
}

/** Asks for `size` bytes and hashes what arrives; resolves with the hash and byte count. */
export async function fetchBlob (stream: Duplex, seed: Buffer, size: number, onBytes?: (n: number) => void): Promise<{ hash: string, bytes: number }> {
  const head = Buffer.alloc(40)
  head.writeBigUInt64LE(BigInt(size), 0)
  seed.copy(head, 8)
  stream.write(head)
  const h = createHash('sha256')
  let bytes = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    h.update(chunk)
    bytes += chunk.length
    onBytes?.(bytes)
  }
  return { hash: h.digest('hex'), bytes }
}
