/**
 * Streams to hidden services kept open between requests: HTTP keep-alive over
 * the circuit's stream, one pool per service key and isolation tag, so the
 * second request of a page costs one round trip over the joined circuit, not
 * a new descriptor, rendezvous and introduction. node's http.Agent does the
 * pooling, and treats what it pools as sockets: a circuit's stream gets the
 * few socket methods it calls (keep-alive probes and ref/unref mean nothing
 * here; setTimeout is a real idle timer), so an idle stream is closed after
 * `idleMs`, or sooner when the service's Keep-Alive header says it closes
 * first, and its circuits with it. Distinct tags never share a stream, so they
 * never share a circuit either.
 */
import { Agent, type ClientRequestArgs } from 'node:http'
import type { Duplex } from 'node:stream'
import { withDeadline } from '../../abort.js'
import { EarlyStream } from './early-stream.js'

export interface HiddenAgentOptions {
  connect: (publicKey: Buffer, opts: { isolation: string, signal: AbortSignal, earlyData?: Buffer }) => Promise<Duplex>
  connectTimeoutMs: number
  /** An unused stream is closed after this long. */
  idleMs: number
  /** Streams open at once to one service for one tag (a browser opens up to 6). */
  maxPerService: number
  /** Streams open at once in all. */
  maxTotal: number
}

/** Which pool a request's stream comes from: its own field on the request options. */
export interface HiddenTarget {
  publicKey: Buffer
  isolation: string
}

type Options = ClientRequestArgs & { hiddenTarget?: HiddenTarget }

export class HiddenAgent extends Agent {
  private lifetime = new AbortController()
  /** Errors that came from opening a stream (not from the exchange over one), for the error page. */
  readonly connectErrors = new WeakSet<object>()

  constructor (private readonly o: HiddenAgentOptions) {
    super({ keepAlive: true, timeout: o.idleMs, maxSockets: o.maxPerService, maxFreeSockets: o.maxPerService, maxTotalSockets: o.maxTotal, scheduling: 'lifo' })
  }

  /** Request options for `target` through this agent. */
  static optionsFor (target: HiddenTarget): { hiddenTarget: HiddenTarget } {
    return { hiddenTarget: target }
  }

  override getName (options?: Options): string {
    const t = options?.hiddenTarget
    // The key's hex is of fixed length, so no tag can make two pools' names equal.
    return t === undefined ? '' : t.publicKey.toString('hex') + t.isolation
  }

  override createConnection (options: Options, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const target = options.hiddenTarget
    const done = callback ?? (() => {})
    if (target === undefined) {
      done(new Error('hidden agent used without a target'), undefined as never)
      return undefined
    }
    // Handed over at once: the request head node's client writes now rides in the introduction (early-stream.ts).
    const stream = new EarlyStream(async early => await this.openStream(target, early), (err) => { this.connectErrors.add(err) })
    stream.once('end', () => stream.destroy())
    done(null, asPoolable(stream))
    return undefined
  }

  /** Closes every stream, pooled or in use, and stops the connects under way; later requests open new ones. */
  override destroy (): void {
    this.lifetime.abort()
    this.lifetime = new AbortController()
    super.destroy()
  }

  /** A new stream to `target` within the connect deadline (for a request that must not share one). */
  async openStream (target: HiddenTarget, early?: Promise<Buffer>): Promise<Duplex> {
    let gaveUp = false
    try {
      const stream = await withDeadline(async signal => {
        const earlyData = await early
        const pending = this.o.connect(target.publicKey, { isolation: target.isolation, signal, ...(earlyData !== undefined && earlyData.length > 0 ? { earlyData } : {}) })
        pending.then(s => { if (gaveUp) s.destroy() }, () => {}) // one that arrives after we gave up is closed
        return await pending
      }, this.lifetime.signal, this.o.connectTimeoutMs, 'Connecting to the hidden service')
      // The far side ending means the service (or its circuit) is done with it: never reuse it half-open.
      stream.once('end', () => stream.destroy())
      return asPoolable(stream)
    } catch (err) {
      gaveUp = true
      throw err
    }
  }
}

/** The socket methods http.Agent calls on what it pools, for a stream that has none. */
function asPoolable (stream: Duplex): Duplex {
  const s = stream as Duplex & { timeout?: number, setTimeout?: unknown, setKeepAlive?: unknown, ref?: unknown, unref?: unknown }
  // The agent sets it when it pools the stream (and the stream then carries nothing): idle time, as a socket's.
  let timer: NodeJS.Timeout | undefined
  s.setTimeout = (ms: number, onTimeout?: () => void): Duplex => {
    s.timeout = ms
    if (onTimeout !== undefined) s.once('timeout', onTimeout)
    clearTimeout(timer)
    timer = ms > 0 ? setTimeout(() => s.emit('timeout'), ms) : undefined
    return s
  }
  s.setKeepAlive = () => s
  s.ref = () => s
  s.unref = () => s
  s.once('close', () => clearTimeout(timer))
  return s
}
