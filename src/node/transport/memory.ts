import { type Endpoint, endpointKey } from '../types.js'
import type { Transport } from './transport.js'

/**
 * An in-process datagram network for fast, deterministic tests: transports
 * get addresses 10.0.x.y (or the endpoint asked for), datagrams are copied
 * (no shared memory, like a wire) and delivered asynchronously, optionally
 * after a latency with jitter (which reorders), lost or duplicated by a
 * seeded generator, and dropped when larger than `maxDatagram`. A `tap` sees
 * every datagram and may drop it, for tests that inspect or corrupt traffic.
 */
export interface MemoryNetworkOptions {
  seed?: number
  lossRate?: number
  duplicateRate?: number
  latencyMs?: number
  jitterMs?: number
  maxDatagram?: number
}

export type MemoryTap = (data: Buffer, from: Endpoint, to: Endpoint) => boolean | undefined | void

export class MemoryNetwork {
  readonly stats = { sent: 0, delivered: 0, lost: 0, tooLarge: 0, unreachable: 0, duplicated: 0 }
  /** Called for every datagram sent; returning false drops it. */
  tap?: MemoryTap
  private readonly nodes = new Map<string, MemoryTransport>()
  private readonly random: () => number
  private nextHost = 1
  private readonly opts: Required<Omit<MemoryNetworkOptions, 'seed'>>

  constructor (options: MemoryNetworkOptions = {}) {
    this.random = mulberry32(options.seed ?? 1)
    this.opts = {
      lossRate: options.lossRate ?? 0,
      duplicateRate: options.duplicateRate ?? 0,
      latencyMs: options.latencyMs ?? 0,
      jitterMs: options.jitterMs ?? 0,
      maxDatagram: options.maxDatagram ?? 65_507
    }
  }

  /** A transport on `endpoint`, or on the next free 10.0.x.y:7000. */
  createTransport (endpoint?: Endpoint): MemoryTransport {
    let local = endpoint
    if (local === undefined) {
      const n = this.nextHost++
      local = { address: `10.0.${(n >> 8) & 0xff}.${n & 0xff}`, port: 7000 }
    }
    const key = endpointKey(local)
    if (this.nodes.has(key)) throw new Error(`memory network: ${key} is already bound`)
    const t = new MemoryTransport(this, { ...local })
    this.nodes.set(key, t)
    return t
  }

  /** @internal */
  deliver (data: Uint8Array | readonly Uint8Array[], from: Endpoint, to: Endpoint): void {
    this.stats.sent++
    const copy = data instanceof Uint8Array ? Buffer.from(data) : Buffer.concat(data)
    if (this.tap !== undefined && this.tap(copy, from, to) === false) { this.stats.lost++; return }
    if (copy.length > this.opts.maxDatagram) { this.stats.tooLarge++; return }
    if (this.opts.lossRate > 0 && this.random() < this.opts.lossRate) { this.stats.lost++; return }
    const copies = this.opts.duplicateRate > 0 && this.random() < this.opts.duplicateRate ? 2 : 1
    if (copies === 2) this.stats.duplicated++
    for (let i = 0; i < copies; i++) {
      const delay = this.opts.latencyMs + (this.opts.jitterMs > 0 ? this.random() * this.opts.jitterMs : 0)
      const arrive = (): void => {
        const dest = this.nodes.get(endpointKey(to))
        if (dest === undefined) { this.stats.unreachable++; return }
        this.stats.delivered++
        dest.receive(i === 0 ? copy : Buffer.from(copy), { ...from })
      }
      if (delay <= 0) setImmediate(arrive)
      else setTimeout(arrive, delay)
    }
  }

  /** @internal */
  unbind (t: MemoryTransport): void {
    const key = endpointKey(t.local)
    if (this.nodes.get(key) === t) this.nodes.delete(key)
  }
}

export class MemoryTransport implements Transport {
  private handler?: (data: Buffer, from: Endpoint) => void
  private closed = false

  constructor (private readonly network: MemoryNetwork, readonly local: Endpoint) {}

  send (data: Uint8Array | readonly Uint8Array[], to: Endpoint): void {
    if (this.closed) return
    this.network.deliver(data, this.local, to)
  }

  onDatagram (handler: (data: Buffer, from: Endpoint) => void): void { this.handler = handler }

  /** @internal */
  receive (data: Buffer, from: Endpoint): void {
    if (this.closed || this.handler === undefined) return
    try { this.handler(data, from) } catch { /* a handler must not throw; the network keeps running */ }
  }

  async close (): Promise<void> {
    this.closed = true
    this.network.unbind(this)
  }
}

/** Small seeded PRNG (mulberry32), enough for fault injection. */
export function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
