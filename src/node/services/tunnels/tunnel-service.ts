import { isPublicEndpoint } from '../../routing/endpoint-scope.js'
import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import type { ServiceNetwork } from '../service-network.js'
import type { Endpoint } from '../../types.js'
import { CELL_BYTES, LinkCommand, type LinkCell } from './cell.js'
import { CellTally } from './cell-tally.js'
import { Channel, MAX_CIRCUITS_PER_CHANNEL } from './channel.js'
import { OriginCircuit } from './circuit.js'
import { decodeHandshakeBody, encodeHandshakeBody } from './create-body.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { ntorServerRespond } from './ntor.js'
import { deriveHopKeys, MAX_HOPS } from './onion.js'
import { networkOf, selectPath, usableRelay } from './path-selection.js'
import { RelayCircuit } from './relay.js'
import { encodeReason } from './relay-message.js'
import type { TunnelHost } from './tunnel-host.js'
import {
  END_REASON, TUNNEL_SERVICE, type EndReason, type BuildOptions, type Circuit, type CircuitInfo, type OriginNotifyHandler, type RelayCircuitView,
  type RelayDirectory, type RelayRequestHandler, type RelayStreamHandler, type TunnelService, type TunnelStats
} from './tunnel-api.js'

/**
 * The tunnels service: channels to neighbours on the link's `tunnel`
 * service, circuits this node builds (origin), circuits it carries for
 * others (relay), and the handlers BEGIN and REQUEST reach at this node.
 */
export interface TunnelServiceOptions {
  network: ServiceNetwork
  identity: Identity
  /** Where build() picks relays from (the node: its routing table). */
  directory: RelayDirectory
  /** Relays below this rank are never picked (the node's config.minRank). */
  minRank: number
  /** Extend to private/loopback addresses (test networks) — off on the real network. */
  allowPrivateEndpoints: boolean
  extendTimeoutMs?: number
  maxCircuitsPerChannel?: number
  /** Bound on channels other nodes opened to this one. */
  maxIncomingChannels?: number
  /**
   * Pre-built circuits kept ready (Tor's preemptive circuits): `circuits`
   * general circuits of `hops` hops, refilled in the background while relays
   * are known. build() with a lastHop and hops + 1 hops takes one and extends
   * it to that relay (one EXTEND instead of a whole build). Default: none.
   */
  preemptive?: { circuits: number, hops: number }
  /**
   * Told of the cells this node relayed (accounting: tunnel cells are priced by hop, price.ts
   * tunnelCellPrice), `bytes` for all the cells of one neighbour pair since the last call:
   * once per event-loop turn, not per cell (cell-tally.ts).
   */
  onRelayed?: (prevHex: string, nextHex: string | undefined, bytes: number) => void
  /** Told of the cells of this node's own circuits that their entry hop carried (the builder's books), batched like onRelayed. */
  onCarried?: (entryHex: string, bytes: number) => void
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void
}

export interface TunnelServiceInternals {
  /** Origin circuits, by local id (tests inspect layers and hops). */
  readonly origin: Map<string, OriginCircuit>
  readonly relays: Set<RelayCircuit>
  readonly channels: Set<Channel>
}

/** The service as the node holds it: the contract, plus what tests and benchmarks inspect. */
export type TunnelServiceHandle = TunnelService & { readonly internals: TunnelServiceInternals }

export function createTunnelService (opts: TunnelServiceOptions): TunnelServiceHandle {
  return new TunnelNode(opts)
}

const DEFAULT_HOPS = 3
/** How often the pre-built pool is checked and refilled. */
const POOL_TICK_MS = 1000
/** An unused pre-built circuit older than this is replaced (Tor: unused circuits are retired too). */
const POOL_MAX_AGE_MS = 10 * 60_000

class TunnelNode implements TunnelService, TunnelHost {
  readonly identity: Identity
  readonly extendTimeoutMs: number
  private readonly origin = new Map<string, OriginCircuit>()
  private readonly relays = new Set<RelayCircuit>()
  private readonly channels = new Set<Channel>()
  private readonly outgoing = new Map<string, Promise<Channel>>()
  private readonly streamHandlers = new Map<string, RelayStreamHandler>()
  private readonly requestHandlers = new Map<string, RelayRequestHandler>()
  private readonly notifyListeners: OriginNotifyHandler[] = []
  private readonly isolated = new Map<string, Promise<OriginCircuit>>()
  private readonly dropped: Record<string, number> = {}
  /** Relayed and carried cells, booked (onRelayed, onCarried) once per event-loop turn: cell-tally.ts. */
  private readonly relayedTally = new CellTally((prev, next, cells) => { this.opts.onRelayed?.(prev, next, cells * CELL_BYTES) })
  private readonly carriedTally = new CellTally((entry, _none, cells) => { this.opts.onCarried?.(entry, cells * CELL_BYTES) })
  private cellsForwarded = 0
  private cellsDropped = 0
  private running = false
  private registered = false
  /** Pre-built circuits nobody has taken yet, oldest first. */
  private readonly pool: OriginCircuit[] = []
  private poolBuilding = false
  private poolTimer?: NodeJS.Timeout

  constructor (private readonly opts: TunnelServiceOptions) {
    this.identity = opts.identity
    this.extendTimeoutMs = opts.extendTimeoutMs ?? 10_000
  }

  get internals (): TunnelServiceInternals { return { origin: this.origin, relays: this.relays, channels: this.channels } }

  start (): void {
    this.running = true
    if (this.opts.preemptive !== undefined && this.opts.preemptive.circuits > 0 && this.poolTimer === undefined) {
      this.poolTimer = setInterval(() => { this.refillPool() }, POOL_TICK_MS)
      this.poolTimer.unref()
      this.refillPool()
    }
    if (this.registered) return
    this.registered = true
    this.opts.network.registerService(TUNNEL_SERVICE, {
      onStream: (stream, ctx) => { this.acceptChannel(stream, ctx.from) }
    })
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.poolTimer)
    this.poolTimer = undefined
    this.pool.length = 0
    for (const c of [...this.origin.values()]) c.close(END_REASON.shutdown)
    for (const r of [...this.relays]) r.destroy(END_REASON.shutdown, 'local')
    // Let the DESTROY cells reach the neighbours before the link closes under them.
    await Promise.all([...this.channels].map(async ch => { await ch.closeGracefully(1000) }))
    this.outgoing.clear()
    this.isolated.clear()
    // The last turn's cells into the books before the node closes them.
    this.relayedTally.flush()
    this.carriedTally.flush()
  }

  // Channels ------------------------------------------------------------------

  private channelEvents (): ConstructorParameters<typeof Channel>[3] {
    return {
      onCreate: (channel, cell) => { this.onCreate(channel, cell) },
      onDrop: (reason) => { this.drop(reason) },
      onClosed: (channel) => {
        this.channels.delete(channel)
        const key = channel.peerHex
        if (channel.opener) {
          const p = this.outgoing.get(key)
          p?.then(c => { if (c === channel) this.outgoing.delete(key) }, () => {})
        }
      }
    }
  }

  private acceptChannel (stream: import('node:stream').Duplex, from: Contact): void {
    const max = this.opts.maxIncomingChannels ?? 4096
    const incoming = [...this.channels].filter(c => !c.opener)
    const fromPeer = incoming.filter(c => c.peer.id.equals(from.id)).length
    if (!this.running || incoming.length >= max || fromPeer >= 4) {
      this.drop('channel-refused')
      this.opts.log?.('debug', `tunnel channel from ${from.id.toString('hex').slice(0, 12)} refused (${incoming.length} incoming, ${fromPeer} from it)`)
      stream.destroy()
      return
    }
    this.channels.add(new Channel(stream, from, false, this.channelEvents(), this.opts.maxCircuitsPerChannel ?? MAX_CIRCUITS_PER_CHANNEL))
  }

  async channelTo (to: Contact, signal?: AbortSignal): Promise<Channel> {
    this.checkRunning()
    const key = to.id.toString('hex')
    const existing = this.outgoing.get(key)
    if (existing !== undefined) {
      const ch = await existing.catch(() => undefined)
      if (ch !== undefined && !ch.closed) return ch
      if (this.outgoing.get(key) === existing) this.outgoing.delete(key)
      const again = this.outgoing.get(key)
      if (again !== undefined) return await again
    }
    const opening = (async () => {
      const stream = await this.opts.network.openStream(to, TUNNEL_SERVICE, { signal })
      const ch = new Channel(stream, to, true, this.channelEvents(), this.opts.maxCircuitsPerChannel ?? MAX_CIRCUITS_PER_CHANNEL)
      this.channels.add(ch)
      if (!this.running) ch.close()
      return ch
    })()
    this.outgoing.set(key, opening)
    try {
      return await opening
    } catch (err) {
      if (this.outgoing.get(key) === opening) this.outgoing.delete(key)
      throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, `could not open a channel to relay ${key.slice(0, 12)}: ${(err as Error).message}`, { cause: err })
    }
  }

  // Relay side ------------------------------------------------------------------

  private onCreate (channel: Channel, cell: LinkCell): void {
    const refuse = (reason: EndReason): void => {
      channel.send({ circuitId: cell.circuitId, command: LinkCommand.destroy, body: encodeReason(reason) })
    }
    if (!this.running) { refuse(END_REASON.shutdown); return }
    let message: Buffer
    try { message = decodeHandshakeBody(cell.body) } catch { this.drop('malformed'); refuse(END_REASON.protocol); return }
    const answer = ntorServerRespond({ id: this.identity.id, publicKey: this.identity.publicKey, secretKey: this.identity.secretKey }, message)
    if (answer === undefined) {
      this.drop('bad-handshake')
      this.opts.log?.('debug', `a CREATE from ${channel.peerHex.slice(0, 12)} did not authenticate against this relay's key`)
      refuse(END_REASON.protocol)
      return
    }
    const relay = new RelayCircuit(this, channel, cell.circuitId, deriveHopKeys(answer.material), (r) => { this.relays.delete(r) })
    this.relays.add(relay)
    channel.send({ circuitId: cell.circuitId, command: LinkCommand.created, body: encodeHandshakeBody(answer.reply) })
  }

  // Origin side ------------------------------------------------------------------

  async build (opts: BuildOptions = {}): Promise<Circuit> {
    const pooled = this.takePooled(opts)
    if (pooled !== undefined) {
      pooled.info.purpose = opts.purpose ?? 'general'
      pooled.info.isolation = opts.isolation
      pooled.hops.forEach((h, i) => opts.onHop?.(i, h.rank))
      await pooled.extend(opts.lastHop!, { signal: opts.signal, onHop: opts.onHop })
      return pooled
    }
    return await this.buildCircuit(opts)
  }

  // Pre-built circuits ------------------------------------------------------------------

  /**
   * A pooled circuit that build(opts) may extend instead of building anew: only for a
   * chosen last hop one past the pool's length, and only one the path rules allow (the
   * last hop not on it nor in its /16s, no excluded relay).
   */
  private takePooled (opts: BuildOptions): OriginCircuit | undefined {
    const pre = this.opts.preemptive
    const last = opts.lastHop
    if (pre === undefined || last === undefined || (opts.hops ?? DEFAULT_HOPS) !== pre.hops + 1) return undefined
    if (last.publicKey?.length !== 32 || last.id.equals(this.identity.id)) return undefined
    const excluded = [last.id, ...(opts.exclude ?? [])]
    const net = networkOf(last.endpoint)
    const i = this.pool.findIndex(c => !c.closed && c.info.state === 'open' &&
      c.hops.every(h => !excluded.some(x => x.equals(h.id)) && networkOf(h.endpoint) !== net))
    if (i < 0) return undefined
    const [taken] = this.pool.splice(i, 1)
    setImmediate(() => { this.refillPool() })
    return taken
  }

  /** Drops dead and stale pooled circuits and starts one build when the pool is short (one at a time: bounded). */
  private refillPool (): void {
    const pre = this.opts.preemptive
    if (pre === undefined || !this.running) return
    const now = Date.now()
    for (let i = this.pool.length - 1; i >= 0; i--) {
      const c = this.pool[i]
      if (c.closed || now - c.info.createdAt > POOL_MAX_AGE_MS) {
        this.pool.splice(i, 1)
        c.close(END_REASON.done)
      }
    }
    if (this.poolBuilding || this.pool.length >= pre.circuits) return
    // Only when there are relays enough to extend the circuit by one more afterwards.
    const usable = this.opts.directory.candidates().filter(c => usableRelay(c, { minRank: this.opts.minRank, self: this.identity.id }))
    if (usable.length < pre.hops + 1) return
    this.poolBuilding = true
    this.buildCircuit({ hops: pre.hops, purpose: 'general' }).then((c) => {
      this.poolBuilding = false
      if (!this.running) { c.close(END_REASON.shutdown); return }
      this.pool.push(c)
      setImmediate(() => { this.refillPool() })
    }, (err: Error) => {
      // A failed build waits for the next tick: no tight retry loop while relays fail.
      this.poolBuilding = false
      this.opts.log?.('debug', `a pre-built circuit failed: ${err.message}`)
    })
  }

  private async buildCircuit (opts: BuildOptions): Promise<OriginCircuit> {
    this.checkRunning()
    const hops = opts.hops ?? DEFAULT_HOPS
    if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) {
      throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `a circuit has 1..${MAX_HOPS} hops (asked for ${hops})`)
    }
    const path = selectPath(this.opts.directory.candidates(), {
      hops,
      minRank: this.opts.minRank,
      self: this.identity.id,
      lastHop: opts.lastHop,
      exclude: opts.exclude
    })
    const circuit = new OriginCircuit(this, opts.purpose ?? 'general', opts.isolation, (c) => { this.origin.delete(c.info.id) })
    this.origin.set(circuit.info.id, circuit)
    await circuit.build(path, { signal: opts.signal, onHop: opts.onHop })
    return circuit
  }

  async circuitFor (hops: number, isolation: string, opts: { signal?: AbortSignal } = {}): Promise<Circuit> {
    const key = `${hops}|${isolation}`
    const existing = this.isolated.get(key)
    if (existing !== undefined) {
      const c = await existing.catch(() => undefined)
      if (c !== undefined && !c.closed) return c
      if (this.isolated.get(key) === existing) this.isolated.delete(key)
    }
    // Distinct isolation tags share no circuit, and — while there are relays enough — no hop either.
    const others = [...this.origin.values()].filter(c => !c.closed && c.info.isolation !== undefined && c.info.isolation !== isolation)
    const exclude = others.flatMap(c => c.hops.map(h => h.id))
    const building = this.buildCircuit({ hops, isolation, purpose: 'general', exclude, signal: opts.signal }).catch(async (err) => {
      if (!(err instanceof TunnelError) || err.code !== TunnelErrorCode.NO_RELAYS || exclude.length === 0) throw err
      return await this.buildCircuit({ hops, isolation, purpose: 'general', signal: opts.signal })
    })
    this.isolated.set(key, building)
    try {
      return await building
    } catch (err) {
      if (this.isolated.get(key) === building) this.isolated.delete(key)
      throw err
    }
  }

  circuits (): CircuitInfo[] { return [...this.origin.values()].map(c => ({ ...c.info, hops: [...c.info.hops] })) }
  relayed (): RelayCircuitView[] { return [...this.relays].map(r => r.view()) }

  stats (): TunnelStats {
    return {
      circuitsOrigin: [...this.origin.values()].filter(c => !c.closed).length,
      circuitsRelayed: this.relays.size,
      cellsForwarded: this.cellsForwarded,
      cellsDropped: this.cellsDropped,
      droppedByReason: { ...this.dropped }
    }
  }

  handleRequest (name: string, handler: RelayRequestHandler): void { this.requestHandlers.set(name, handler) }
  handleStream (service: string, handler: RelayStreamHandler): void { this.streamHandlers.set(service, handler) }
  onNotify (handler: OriginNotifyHandler): void { this.notifyListeners.push(handler) }

  // TunnelHost ------------------------------------------------------------------

  streamHandler (service: string): RelayStreamHandler | undefined { return this.streamHandlers.get(service) }
  requestHandler (name: string): RelayRequestHandler | undefined { return this.requestHandlers.get(name) }
  notifyHandlers (): OriginNotifyHandler[] { return this.notifyListeners }
  endpointAllowed (e: Endpoint): boolean { return this.opts.allowPrivateEndpoints || isPublicEndpoint(e) }

  drop (reason: string): void {
    this.cellsDropped++
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1
  }

  forwarded (prevHex: string, nextHex?: string): void {
    this.cellsForwarded++
    if (this.opts.onRelayed !== undefined) this.relayedTally.add(prevHex, nextHex)
  }

  carried (entryHex: string): void {
    if (this.opts.onCarried !== undefined) this.carriedTally.add(entryHex)
  }

  private checkRunning (): void {
    if (!this.running) throw new TunnelError(TunnelErrorCode.NOT_RUNNING, 'the tunnel service is not running: start the node first')
  }
}
