import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Duplex } from 'node:stream'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { type Identity, generateIdentity, identityFromKeys, rankOf } from '../../../../src/node/identity/identity.js'
import { type ChunkService, type ChunkServiceOptions, createChunkService } from '../../../../src/node/services/chunks/chunk-service.js'
import { ChunkCryptoPool } from '../../../../src/node/services/chunks/crypto-pool.js'
import { CHUNK_SERVICE } from '../../../../src/node/services/chunks/messages.js'
import { type Store, openStore } from '../../../../src/node/store/environment.js'
import { MemoryServiceNetwork, type MemoryServiceNode } from '../../../helpers/memory-service-network.js'

/**
 * N nodes on the shared in-memory service network, each with its own LMDB
 * store (temp dir) and chunk service, plus the stream faults the shared
 * network does not model (a provider that corrupts or withholds stream bytes).
 */
export interface ChunkNode {
  net: MemoryServiceNode
  store: Store
  dir: string
  service: ChunkService
  id: Buffer
}

export class Clock {
  t = 1_700_000_000_000
  readonly now = (): number => this.t
  advance (ms: number): void { this.t += ms }
}

export interface TestnetOptions {
  nodes: number
  k?: number
  service?: Partial<ChunkServiceOptions>
  clock?: Clock
  cacheBytes?: number
  /** The identity of node i (default a fresh one, of whatever rank nonce 0 gives). */
  identity?: (i: number) => Identity | undefined
}

export class ChunkTestnet {
  readonly network: MemoryServiceNetwork
  readonly nodes: ChunkNode[] = []
  readonly clock: Clock
  /** The nodes' chunk hashing, shared as in one process of real nodes. */
  readonly crypto = new ChunkCryptoPool()

  constructor (readonly opts: TestnetOptions) {
    this.network = new MemoryServiceNetwork({ k: opts.k ?? 8 })
    this.clock = opts.clock ?? new Clock()
    for (let i = 0; i < opts.nodes; i++) this.nodes.push(this.addNode(i))
  }

  private addNode (i: number): ChunkNode {
    const net = this.network.addNode(this.opts.identity?.(i) ?? generateIdentity())
    // The shared network names endpoints 'memory', which no wire format carries; records need an IP.
    net.self.endpoint = { address: `10.0.${i >> 8}.${i & 0xff}`, port: 4000 + i }
    const dir = mkdtempSync(join(tmpdir(), 'tornet-chunks-'))
    const store = openStore(dir, { cacheBytes: this.opts.cacheBytes ?? 64 * 1024 * 1024, onWarning: () => {}, now: this.clock.now })
    const service = this.makeService(net, store)
    service.start()
    return { net, store, dir, service, id: net.self.id }
  }

  makeService (net: MemoryServiceNode, store: Store, extra: Partial<ChunkServiceOptions> = {}): ChunkService {
    return createChunkService({
      network: net,
      store: store.chunks,
      identity: net.identity,
      crypto: this.crypto,
      now: this.clock.now,
      sliceTimeoutMs: 2000,
      requestTimeoutMs: 2000,
      // Endpoints here are 10.0.x.x.
      allowPrivateEndpoints: true,
      // What a routing table would say: brute force over the live nodes.
      localClosest: (key, count) => this.network.closestNodes(key, count, net).map(n => n.self),
      ...this.opts.service,
      ...extra
    })
  }

  /** Nodes ordered by XOR distance to `key`, nearest first. */
  byDistance (key: Buffer): ChunkNode[] {
    return [...this.nodes].sort((a, b) => {
      for (let i = 0; i < 32; i++) {
        const d = (a.id[i] ^ key[i]) - (b.id[i] ^ key[i])
        if (d !== 0) return d
      }
      return 0
    })
  }

  async close (): Promise<void> {
    for (const n of this.nodes) {
      await n.service.stop()
      await n.store.close()
      rmSync(n.dir, { recursive: true, force: true })
    }
    await this.crypto.close()
  }
}

/** An identity of exactly `rank` (2^rank hashes or so: keep ranks small). */
export function identityOfRank (rank: number): Identity {
  const base = generateIdentity()
  const nonce = Buffer.alloc(8)
  for (let i = 0; ; i++) {
    nonce.writeUInt32LE(i, 0)
    if (rankOf(base.publicKey, nonce) === rank) return identityFromKeys(base.secretKey, base.publicKey, Buffer.from(nonce))
  }
}

/** Deterministic chunk-like bytes (a multiple of 8, as ciphertext is). */
export function fakeChunk (seed: number, length = 1024 * 1024): { id: Buffer, bytes: Buffer } {
  const bytes = Buffer.allocUnsafe(length)
  for (let o = 0; o < length; o += 32) sha256(Buffer.from(`chunk ${seed} ${o}`)).copy(bytes, o, 0, Math.min(32, length - o))
  return { id: sha256(bytes), bytes }
}

/**
 * Routes every chunk stream `node` serves through `mutate` on the way out:
 * return changed bytes to lie, undefined to withhold them (a stalled peer).
 */
export function interceptStreams (node: ChunkNode, mutate: (out: Buffer) => Buffer | undefined): void {
  const real = node.net.services.get(CHUNK_SERVICE)
  if (real?.onStream === undefined) throw new Error('no chunk service registered')
  const onStream = real.onStream.bind(real)
  node.net.services.set(CHUNK_SERVICE, {
    ...real,
    onStream: (inner, ctx) => { onStream(proxy(inner, mutate), ctx) }
  })
}

function proxy (inner: Duplex, mutate: (out: Buffer) => Buffer | undefined): Duplex {
  const outer = new Duplex({
    read () { inner.resume() },
    write (chunk: Buffer, _enc, cb) {
      const m = mutate(chunk)
      if (m === undefined || inner.write(m)) cb()
      else inner.once('drain', () => { cb() })
    },
    final (cb) { inner.end(); cb() },
    destroy (err, cb) { inner.destroy(); cb(err) }
  })
  inner.on('data', (d: Buffer) => { if (!outer.push(d)) inner.pause() })
  inner.on('end', () => { outer.push(null) })
  inner.on('close', () => { outer.destroy() })
  inner.on('error', () => {})
  return outer
}

/**
 * Flips one byte in the first slice of every write that carries slices (a run of SLICE frames
 * goes out as one write; its first 6 bytes are the first frame's header).
 */
export function corruptSlices (out: Buffer): Buffer {
  if (out.length < 1024) return out
  const b = Buffer.from(out)
  b[6 + 500] ^= 0x5a
  return b
}
