import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { CHUNK_MAX_PLAIN_BYTES, encryptChunk, hasNativeBlowfish } from '../src/node/crypto/chunk-cipher.js'
import { sha256 } from '../src/node/crypto/hash.js'
import { ChunkCryptoPool } from '../src/node/services/chunks/crypto-pool.js'
import { bufferAccess } from '../src/node/services/content/blob-access.js'
import { type DirectoryEntry, encodeDirectory } from '../src/node/services/content/directory-record.js'
import { DirectoryView } from '../src/node/services/content/directory-view.js'
import { MemoryLocationIndex, openReference, publish, type PublishEntry } from '../src/node/services/content/index.js'
import { emit, progress } from './util.js'

/**
 * Content encoding against its baselines, in one run on one machine:
 *  - chunk encryption (key hash, Blowfish-CBC, id hash) with native OpenSSL and with
 *    egoroof-blowfish, vs native SHA-256 alone;
 *  - publishing a large file (sink that drops bytes) and reading it back from memory,
 *    with the peak of live ArrayBuffer memory while publishing;
 *  - publishing and reading thousands of small files;
 *  - a name lookup in a 100 000-entry directory record (binary search in place).
 *
 *   npm run bench -- fs [--mib 300] [--files 3000]
 */

export const summary = 'chunk cipher (native vs JS), large-file publish/read, small files, directory lookup'

const MiB = 1 << 20

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { mib: { type: 'string', default: '300' }, files: { type: 'string', default: '3000' } } })
  const mib = Number(values.mib)
  const files = Number(values.files)
  const chunk = randomBytes(CHUNK_MAX_PLAIN_BYTES)

  let t = performance.now()
  for (let i = 0; i < 64; i++) sha256(chunk)
  emit('fs.sha256_baseline', 64 / secs(t), 'MiB/s')
  if (hasNativeBlowfish()) {
    t = performance.now()
    for (let i = 0; i < 64; i++) encryptChunk(chunk, { impl: 'native' })
    emit('fs.encrypt_chunk_native', 64 / secs(t), 'MiB/s')
  } else {
    progress('native Blowfish unavailable: run node with --openssl-legacy-provider')
  }
  t = performance.now()
  for (let i = 0; i < 8; i++) encryptChunk(chunk, { impl: 'js' })
  emit('fs.encrypt_chunk_js', 8 / secs(t), 'MiB/s')

  progress(`publishing a ${mib} MiB file`)
  const size = mib * MiB
  const large: PublishEntry = { path: 'large.bin', kind: 'file', size, open: keystream(size) }
  const base = process.memoryUsage().arrayBuffers
  let peak = 0
  t = performance.now()
  await publish([large], { put: async () => {} }, new MemoryLocationIndex(), {
    onProgress: () => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - base) }
  })
  emit('fs.publish_large', mib / secs(t), 'MiB/s', { mib, note: 'reads the file twice: hash, then store' })
  emit('fs.publish_large_peak_buffers', peak / MiB, 'MiB', { mib })

  const readMib = Math.min(mib, 200)
  progress(`reading a ${readMib} MiB file back from memory`)
  const store = new Map<string, Buffer>()
  const sink = { put: async (id: Buffer, c: Buffer) => { store.set(id.toString('hex'), c) } }
  const source = { get: async (id: Buffer) => store.get(id.toString('hex')) as Buffer }
  const ref = await publish([{ path: 'f', kind: 'file', size: readMib * MiB, open: keystream(readMib * MiB) }], sink, new MemoryLocationIndex())
  // Decryption on worker threads, as a node reads.
  const crypto = new ChunkCryptoPool()
  t = performance.now()
  const h = createHash('sha256')
  for await (const b of (await openReference(ref, source, { crypto })).readFile('f')) h.update(b)
  emit('fs.read_large', readMib / secs(t), 'MiB/s', { mib: readMib })
  store.clear()

  progress(`publishing ${files} small files`)
  const small: PublishEntry[] = Array.from({ length: files }, (_, i) => {
    const b = randomBytes(200 + (i * 997) % 4000)
    return { path: `d${i % 20}/f${i}.txt`, kind: 'file', size: b.length, open: async function * () { yield b } }
  })
  t = performance.now()
  const sref = await publish(small, sink, new MemoryLocationIndex())
  emit('fs.publish_small_files', files / secs(t), 'files/s', { files, chunks: store.size })
  const sfs = await openReference(sref, source, { crypto })
  t = performance.now()
  for (const e of small) for await (const _ of sfs.readFile(e.path)) { /* drain */ }
  emit('fs.read_small_files', files / secs(t), 'files/s', { files })
  await crypto.close()

  progress('directory lookup')
  const entries: DirectoryEntry[] = Array.from({ length: 100_000 }, (_, i) => ({
    name: `entry-${i}`, kind: 'file', size: 1, contentHash: sha256(Buffer.of(i & 0xff)),
    location: { mode: 'slice', chunkId: Buffer.alloc(32, 1), key: Buffer.alloc(32, 2), offset: 0, length: 1 }
  }))
  const view = await DirectoryView.open(bufferAccess(encodeDirectory(entries)))
  t = performance.now()
  for (let i = 0; i < 10_000; i++) await view.lookup(`entry-${(i * 7919) % 100_000}`)
  emit('fs.dir_lookup_100k', (secs(t) * 1e6) / 10_000, 'µs/lookup')
}

function secs (t: number): number { return (performance.now() - t) / 1000 }

function keystream (size: number): () => AsyncIterable<Uint8Array> {
  return async function * () {
    const c = createCipheriv('aes-128-ctr', Buffer.alloc(16, 1), Buffer.alloc(16))
    const zeros = Buffer.alloc(256 * 1024)
    for (let off = 0; off < size; off += zeros.length) yield c.update(zeros.subarray(0, Math.min(zeros.length, size - off)))
  }
}
