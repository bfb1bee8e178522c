import { type Duplex, duplexPair, pipeline } from 'node:stream'
import { isPublicEndpoint } from '../../routing/endpoint-scope.js'
import type { ServiceHandler, ServiceNetwork } from '../service-network.js'
import { TunnelErrorCode } from './errors.js'
import {
  EXIT_CLOSEST, EXIT_FIND_VALUE, EXIT_REQUEST, EXIT_STREAM, MAX_EXIT_FRAME, MAX_EXIT_PAYLOAD,
  type ExitFailure, decodeClosestQuery, decodeFindValueQuery, decodeRequestQuery, decodeStreamQuery,
  encodeClosestAnswer, encodeFindValueAnswer, encodeRequestAnswer, encodeStreamAnswer, failureOf
} from './exit-messages.js'
import { frame, readFrame } from './exit-frames.js'
import { TokenBucket } from '../token-bucket.js'
import { TUNNEL_SERVICE, type RelayCircuitContext, type TunnelService } from './tunnel-api.js'

/**
 * The exit's side of anonymous fetching and delegated lookups: a circuit that
 * ends here may ask this node to look up, request and open streams on the
 * network in its stead (exit-messages.ts), and this node does so with its own
 * network and identity. It learns nothing of who asked but its predecessor on
 * the circuit (RelayCircuitContext.previous), and keeps nothing per circuit
 * beyond the counters that bound it:
 *  - operations at once per circuit (lookups and requests), and streams open;
 *  - lookups per second per circuit and in all (token buckets);
 *  - payload sizes (MAX_EXIT_PAYLOAD, the frame bound);
 *  - targets: no private or loopback endpoint unless the node allows them
 *    (a circuit must not make the exit probe its own LAN), and never the
 *    tunnel or DHT services (circuits extend with EXTEND; lookups go through
 *    net-closest/net-find-value, which the exit runs itself).
 */
export interface NetworkExitOptions {
  tunnels: Pick<TunnelService, 'handleRequest' | 'handleStream'>
  /** The exit node's own network (LinkServiceNetwork). */
  network: ServiceNetwork
  /**
   * This node's own handler for a service: a circuit may ask the exit for a node that is the
   * exit itself (it provides the chunk too), and the link does not link to itself.
   */
  localService?: (service: string) => ServiceHandler | undefined
  allowPrivateEndpoints?: boolean
  /** Lookups and requests at once per circuit. Default 16. */
  maxOpsPerCircuit?: number
  /** Relayed streams open at once per circuit. Default 32. */
  maxStreamsPerCircuit?: number
  /** Lookups per second per circuit (burst twice that). Default 20. */
  lookupsPerSecond?: number
  /** Lookups per second over all circuits (burst twice that). Default 200. */
  totalLookupsPerSecond?: number
  /** How long the question may take to arrive once a stream is open. Default 10 s. */
  queryTimeoutMs?: number
  /** Longest request time-out a circuit may ask for. Default 30 s. */
  maxRequestTimeoutMs?: number
  now?: () => number
}

export interface NetworkExitStats {
  lookups: number
  requests: number
  streams: number
  /** Operations refused over a bound (answered TUNNEL_LIMIT). */
  limited: number
  /** Questions that did not decode (the stream is closed). */
  malformed: number
  /** Operations that failed at the network (answered with the failure's code). */
  failed: number
}

export interface NetworkExit {
  stats: () => NetworkExitStats
  /** Circuits holding operations or streams here now. */
  activeCircuits: () => number
}

const REFUSED_SERVICES = new Set([TUNNEL_SERVICE, 'dht'])

/** Requests and streams for the exit itself go to its own handlers, as if they came from itself. */
function selfNetwork (network: ServiceNetwork, local: ((service: string) => ServiceHandler | undefined) | undefined): Pick<ServiceNetwork, 'request' | 'openStream'> {
  const isSelf = (to: { id: Buffer }): boolean => local !== undefined && to.id.equals(network.self.id)
  const missing = (service: string): Error => Object.assign(new Error(`no service '${service}' at the peer`), { code: 'LINK_UNKNOWN_SERVICE' })
  return {
    request: async (to, service, payload, opts = {}) => {
      if (!isSelf(to)) return await network.request(to, service, payload, opts)
      const handler = local?.(service)
      if (handler?.onRequest === undefined) throw missing(service)
      const signal = AbortSignal.any([opts.signal ?? new AbortController().signal, AbortSignal.timeout(opts.timeoutMs ?? 10_000)])
      return Buffer.from(await handler.onRequest(Buffer.from(payload), { from: network.self, signal }))
    },
    openStream: async (to, service, opts = {}) => {
      if (!isSelf(to)) return await network.openStream(to, service, opts)
      const handler = local?.(service)
      if (handler?.onStream === undefined) throw missing(service)
      const [mine, theirs] = duplexPair()
      handler.onStream(theirs, { from: network.self, signal: new AbortController().signal })
      return mine
    }
  }
}

interface CircuitUse { ops: number, streams: number, lookups: TokenBucket }

export function createNetworkExit (o: NetworkExitOptions): NetworkExit {
  const now = o.now ?? Date.now
  const maxOps = o.maxOpsPerCircuit ?? 16
  const maxStreams = o.maxStreamsPerCircuit ?? 32
  const perCircuitRate = o.lookupsPerSecond ?? 20
  const totalLookups = new TokenBucket(o.totalLookupsPerSecond ?? 200, 2 * (o.totalLookupsPerSecond ?? 200), now)
  const queryTimeoutMs = o.queryTimeoutMs ?? 10_000
  const maxRequestTimeoutMs = o.maxRequestTimeoutMs ?? 30_000
  const stats: NetworkExitStats = { lookups: 0, requests: 0, streams: 0, limited: 0, malformed: 0, failed: 0 }
  const uses = new Map<string, CircuitUse>()
  const reach = selfNetwork(o.network, o.localService)

  const useOf = (ctx: RelayCircuitContext): CircuitUse => {
    let u = uses.get(ctx.id)
    if (u === undefined) {
      u = { ops: 0, streams: 0, lookups: new TokenBucket(perCircuitRate, 2 * perCircuitRate, now) }
      uses.set(ctx.id, u)
      ctx.onClose(() => uses.delete(ctx.id))
    }
    return u
  }
  const limit = (message: string): ExitFailure => { stats.limited++; return { code: TunnelErrorCode.LIMIT, message } }
  /** A lookup may start: undefined, or why not. */
  const admitLookup = (u: CircuitUse): ExitFailure | undefined => {
    if (u.ops >= maxOps) return limit(`at most ${maxOps} operations at once per circuit`)
    if (!u.lookups.take()) return limit(`at most ${perCircuitRate} lookups per second per circuit`)
    if (!totalLookups.take()) return limit('this exit is busy with lookups: try another circuit')
    return undefined
  }
  const checkTarget = (to: { endpoint: { address: string, port: number } }, service: string): ExitFailure | undefined => {
    if (REFUSED_SERVICES.has(service)) return { code: TunnelErrorCode.NO_SUCH_SERVICE, message: `an exit does not relay to the ${service} service` }
    if (o.allowPrivateEndpoints !== true && !isPublicEndpoint(to.endpoint)) {
      return { code: TunnelErrorCode.INVALID_ARGUMENT, message: 'an exit does not connect to private or loopback endpoints' }
    }
    return undefined
  }
  /** Runs one operation counted against the circuit; its failure becomes the answer. */
  const counted = async <T>(u: CircuitUse, run: () => Promise<T>, onError: (f: ExitFailure) => T): Promise<T> => {
    u.ops++
    try { return await run() } catch (err) {
      stats.failed++
      return onError(failureOf(err))
    } finally { u.ops-- }
  }

  o.tunnels.handleRequest(EXIT_CLOSEST, async (payload, ctx) => {
    let query
    try { query = decodeClosestQuery(payload) } catch (err) { stats.malformed++; throw err }
    const u = useOf(ctx)
    const refused = admitLookup(u)
    if (refused !== undefined) return encodeClosestAnswer({ ok: false, error: refused })
    stats.lookups++
    return await counted(u, async () => encodeClosestAnswer({ ok: true, contacts: await o.network.closest(query.key, { count: query.count }) }),
      error => encodeClosestAnswer({ ok: false, error }))
  })

  /** A stream that carries one question and gets one answer. */
  const oneShot = (name: string, answer: (query: Buffer, u: CircuitUse, signal: AbortSignal) => Promise<Buffer>): void => {
    o.tunnels.handleStream(name, (stream, ctx) => {
      const u = useOf(ctx)
      const done = new AbortController()
      stream.on('close', () => done.abort())
      stream.on('error', () => {})
      readFrame(stream, MAX_EXIT_FRAME, { timeoutMs: queryTimeoutMs, signal: done.signal })
        .then(async query => await answer(query, u, done.signal))
        .then(reply => { if (!stream.destroyed) stream.end(frame(reply)) },
          (err: Error) => {
            if ((err as { code?: string }).code === TunnelErrorCode.MALFORMED || (err as { code?: string }).code === 'WIRE_MALFORMED') stats.malformed++
            stream.destroy()
          })
    })
  }

  oneShot(EXIT_FIND_VALUE, async (bytes, u, signal) => {
    const query = decodeFindValueQuery(bytes)
    const refused = admitLookup(u)
    if (refused !== undefined) return encodeFindValueAnswer({ status: 'error', error: refused })
    stats.lookups++
    return await counted(u, async () => {
      let miss = { notFound: 0, stoppedEarly: false }
      const found = await o.network.findValue(query.key, query.kind, { signal, notFoundStop: query.notFoundStop, onNoValue: m => { miss = m } })
      return encodeFindValueAnswer(found === undefined ? { status: 'miss', ...miss } : { status: 'value', from: found.from, value: found.value })
    }, error => encodeFindValueAnswer({ status: 'error', error }))
  })

  oneShot(EXIT_REQUEST, async (bytes, u, signal) => {
    const query = decodeRequestQuery(bytes)
    const refused = checkTarget(query.to, query.service) ??
      (u.ops >= maxOps ? limit(`at most ${maxOps} operations at once per circuit`) : undefined)
    if (refused !== undefined) return encodeRequestAnswer({ ok: false, error: refused })
    stats.requests++
    const timeoutMs = Math.min(maxRequestTimeoutMs, Math.max(100, query.timeoutMs))
    return await counted(u, async () => {
      const reply = await reach.request(query.to, query.service, query.payload, { signal, timeoutMs })
      if (reply.length > MAX_EXIT_PAYLOAD) throw Object.assign(new Error(`the reply of ${reply.length} bytes is larger than an exit relays`), { code: TunnelErrorCode.LIMIT })
      return encodeRequestAnswer({ ok: true, reply })
    }, error => encodeRequestAnswer({ ok: false, error }))
  })

  o.tunnels.handleStream(EXIT_STREAM, (stream, ctx) => {
    const u = useOf(ctx)
    stream.on('error', () => {})
    const closed = new AbortController()
    stream.on('close', () => closed.abort())
    void (async () => {
      let query
      try { query = decodeStreamQuery(await readFrame(stream, MAX_EXIT_FRAME, { timeoutMs: queryTimeoutMs, signal: closed.signal })) } catch (err) {
        if ((err as { code?: string }).code !== TunnelErrorCode.TIMEOUT) stats.malformed++
        stream.destroy()
        return
      }
      const refused = checkTarget(query.to, query.service) ??
        (u.streams >= maxStreams ? limit(`at most ${maxStreams} streams at once per circuit`) : undefined)
      if (refused !== undefined) { stream.end(frame(encodeStreamAnswer({ ok: false, error: refused }))); return }
      u.streams++
      stats.streams++
      let far: Duplex
      try {
        far = await reach.openStream(query.to, query.service, { signal: closed.signal })
      } catch (err) {
        u.streams--
        stats.failed++
        if (!stream.destroyed) stream.end(frame(encodeStreamAnswer({ ok: false, error: failureOf(err) })))
        return
      }
      if (stream.destroyed) { u.streams--; far.destroy(); return }
      stream.write(frame(encodeStreamAnswer({ ok: true })))
      // Both ways until either side ends; a failure on one side tears down the other.
      pipeline(stream, far, stream, () => { u.streams--; far.destroy(); stream.destroy() })
    })()
  })

  return {
    stats: () => ({ ...stats }),
    activeCircuits: () => [...uses.values()].filter(u => u.ops > 0 || u.streams > 0).length
  }
}
