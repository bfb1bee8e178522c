import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { decryptChunk, defaultBlowfishImpl, encryptChunk, CHUNK_MAX_PLAIN_BYTES } from '../src/node/crypto/chunk-cipher.js'
import { createChunkService, type ChunkService } from '../src/node/services/chunks/index.js'
import { MemoryLocationIndex, openReference, publish, type ChunkSource, type PublishEntry } from '../src/node/services/fs/index.js'
import { openStore, type Store } from '../src/node/store/index.js'
import { MemoryServiceNetwork, type MemoryServiceNode } from '../test/helpers/memory-service-network.js'
import { emit, progress } from './util.js'

/**
 * The chunk exchange end to end, over the in-memory service network for now
 * (both ends in this process, so the figures include the serving side's CPU;
 * the lead will point it at real UDP nodes):
 *   transfer.bf_ceiling_mbps   Blowfish decryption of 1 MiB chunks alone: no reader can beat it
 *   transfer.download_mbps     one file of --mib MiB (default 64) published on 3 providers, read
 *                              through the fs layer by one downloader: lookups, slices from
 *                              several providers, slice and chunk checks, caching, decryption
 *   transfer.ttfb_ms           from openReference to the file's first byte
 *   transfer.peak_rss_mb       the process's peak RSS during the download (all four LMDB maps
 *                              count here; peakHeapExternalMb is the JS heap + buffers alone)
 *   transfer.local_read_mbps   baseline: the same read straight from a provider's store
 * Args: --mib=N (default 64), --nodes=N (default 8), --read-ahead=N (default 2).
 */
export const summary = 'chunk exchange: Blowfish ceiling, download from 3 providers, TTFB, peak RSS (in-memory network)'

const MiB = 1024 * 1024

function arg (args: string[], name: string, dflt: number): number {
  const a = args.find(s => s.startsWith(`--${name}=`))
  const v = a === undefined ? dflt : Number(a.slice(name.length + 3))
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bad --${name}`)
  return v
}

function mbit (bytes: number, ms: number): number { return Math.round(bytes * 8 / 1e6 / (ms / 1000) * 10) / 10 }

function bfCeiling (): { mbps: number, impl: string } {
  const plain = randomBytes(CHUNK_MAX_PLAIN_BYTES)
  const { key, cipher } = encryptChunk(plain)
  decryptChunk(cipher, key) // warm-up
  const rounds = 64
  const t0 = performance.now()
  for (let i = 0; i < rounds; i++) decryptChunk(cipher, key)
  return { mbps: mbit(rounds * plain.length, performance.now() - t0), impl: defaultBlowfishImpl() }
}

/** Deterministic incompressible-looking bytes, streamed in 1 MiB pieces (twice if asked). */
function fileEntry (size: number): PublishEntry {
  return {
    path: 'big.bin',
    kind: 'file',
    size,
    open: async function * () {
      const piece = Buffer.allocUnsafe(MiB)
      let x = 0x9e3779b9
      for (let off = 0; off < size; off += MiB) {
        const n = Math.min(MiB, size - off)
        for (let i = 0; i < n; i += 4) {
          x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
          piece.writeUInt32LE(x, i)
        }
        yield Buffer.from(piece.subarray(0, n))
      }
    }
  }
}

interface BenchNode { net: MemoryServiceNode, store: Store, dir: string, service: ChunkService }

async function readAll (source: ChunkSource, ref: { id: Buffer, key: Buffer }, readAhead: number): Promise<{ bytes: number, ms: number, ttfbMs: number, cpuMs: number }> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const fs = await openReference(ref, source, { readAhead })
  let ttfbMs = -1
  let bytes = 0
  for await (const b of fs.readFile('big.bin')) {
    if (ttfbMs < 0) ttfbMs = performance.now() - t0
    bytes += b.length
  }
  const cpu = process.cpuUsage(cpu0)
  return { bytes, ms: performance.now() - t0, ttfbMs, cpuMs: (cpu.user + cpu.system) / 1000 }
}

export async function run (args: string[] = []): Promise<void> {
  const mib = arg(args, 'mib', 64)
  const count = Math.max(4, arg(args, 'nodes', 8))
  const readAhead = arg(args, 'read-ahead', 2)

  const bf = bfCeiling()
  emit('transfer.bf_ceiling_mbps', bf.mbps, 'Mbit/s', { impl: bf.impl })

  const network = new MemoryServiceNetwork({ k: 8 })
  const nodes: BenchNode[] = []
  try {
    for (let i = 0; i < count; i++) {
      const net = network.addNode()
      net.self.endpoint = { address: `10.0.0.${i + 1}`, port: 4000 + i } // records carry IP endpoints
      const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-transfer-'))
      const store = openStore(dir, { cacheBytes: (mib + 64) * MiB, onWarning: () => {} })
      const service = createChunkService({ network: net, store: store.chunks, identity: net.identity })
      service.start()
      nodes.push({ net, store, dir, service })
    }
    const providers = nodes.slice(0, 3)
    const downloader = nodes[nodes.length - 1]

    progress(`publishing ${mib} MiB on 3 providers…`)
    const ids: Buffer[] = []
    const sink = {
      put: async (id: Buffer, cipher: Buffer): Promise<void> => {
        ids.push(id)
        for (const p of providers) await p.store.chunks.putLocal(id, cipher)
      }
    }
    const ref = await publish([fileEntry(mib * MiB)], sink, new MemoryLocationIndex())
    for (const p of providers) await p.service.publish(ids, { concurrency: 8 })

    progress('baseline: reading from a provider\'s store…')
    const local = await readAll({ get: async (id) => { const b = providers[0].store.chunks.get(id); if (b === undefined) throw new Error('missing'); return b } }, ref, readAhead)

    progress('downloading through the chunk exchange…')
    // RSS includes the LMDB maps of all four stores in this process (page cache of the chunks);
    // heap + external is what the exchange itself holds.
    let peak = process.memoryUsage().rss
    let peakJs = 0
    const sample = (): void => {
      const m = process.memoryUsage()
      peak = Math.max(peak, m.rss)
      peakJs = Math.max(peakJs, m.heapUsed + m.external)
    }
    const sampler = setInterval(sample, 20)
    let got
    try {
      got = await readAll(downloader.service.source, ref, readAhead)
    } finally {
      clearInterval(sampler)
    }
    sample()
    if (got.bytes !== mib * MiB) throw new Error(`transfer bench: read ${got.bytes} bytes, expected ${mib * MiB}`)
    const served = providers.map(p => p.service.stats.slicesServed)
    // cpuMs: this process's CPU time (both ends and the main thread's share of LMDB); on a
    // shared machine, wall time far above it means the run waited for the CPU.
    emit('transfer.download_mbps', mbit(got.bytes, got.ms), 'Mbit/s', { mib, chunks: ids.length, slicesServed: served, readAhead, cpuMs: Math.round(got.cpuMs), wallMs: Math.round(got.ms) })
    emit('transfer.ttfb_ms', Math.round(got.ttfbMs * 10) / 10, 'ms')
    emit('transfer.peak_rss_mb', Math.round(peak / MiB), 'MiB', { peakHeapExternalMb: Math.round(peakJs / MiB) })
    emit('transfer.local_read_mbps', mbit(local.bytes, local.ms), 'Mbit/s', { cpuMs: Math.round(local.cpuMs), wallMs: Math.round(local.ms) })
  } finally {
    for (const n of nodes) {
      await n.service.stop()
      await n.store.close()
      rmSync(n.dir, { recursive: true, force: true })
    }
  }
}
