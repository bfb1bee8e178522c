import { randomBytes } from 'node:crypto'
import { type Duplex, duplexPair } from 'node:stream'
import { TunnelError, TunnelErrorCode } from '../../src/node/services/tunnels/errors.js'
import type { Contact } from '../../src/node/routing/contact.js'
import {
  type BuildOptions, type Circuit, type CircuitInfo, END_REASON, type EndReason, type HopKeyMaterial,
  type OriginNotifyHandler, type RelayCircuitContext, type RelayCircuitView, type RelayRequestHandler,
  type RelayStreamHandler, type TunnelService, type TunnelStats
} from '../../src/node/services/tunnels/tunnel-api.js'

/**
 * A TEST DOUBLE of TunnelService: many nodes' tunnel services in one process,
 * so that protocols built on circuits (hidden services, delegated lookups) can
 * be tested before and apart from the real cells, onion layers and UDP.
 *
 *   const net = new MemoryTunnelNet({ hopDelayMs: 0 })
 *   const a = net.add(contactA)      // a TunnelService for the node whose contact is contactA
 *   net.kill(contactB.id)            // every circuit through B closes with hopFailed
 *
 * What it models: a circuit is a chain of relay contexts (one per hop, each
 * knowing only its predecessor's contact), requests run the last hop's (or
 * `hop`'s) handler, notify() reaches the origin's onNotify handlers, join()
 * splices two circuits at a relay, addVirtualHop() + openStream() reaches the
 * far origin's handleStream — only when both ends added virtual hops keyed
 * with the same secret and opposite roles (so a wrong end-to-end handshake
 * fails here as it would on the wire). Streams are node:stream duplexPairs.
 * What it does not: no cells, no encryption, no windows, no path rules beyond
 * "never this node, never a hop twice, lastHop last, exclude honoured".
 * The far origin's stream context has `id` = that origin's Circuit.info.id.
 */
export interface MemoryTunnelOptions {
  /** Delay of every request, answer and notify, per hop crossed (default 0: one event-loop turn). */
  hopDelayMs?: number
}

const turn = async (ms: number): Promise<void> => {
  await new Promise<void>(resolve => { if (ms > 0) setTimeout(resolve, ms); else setImmediate(resolve) })
}

class MemoryRelayContext implements RelayCircuitContext {
  readonly id = randomBytes(8).toString('hex')
  closed = false
  joinedTo?: MemoryRelayContext
  private readonly listeners: Array<() => void> = []
  constructor (readonly previous: Contact, readonly relay: MemoryTunnelNode, readonly circuit: MemoryCircuit) {}
  join (other: RelayCircuitContext): void {
    if (!(other instanceof MemoryRelayContext) || other.relay !== this.relay || other === this) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'join: both circuits must end at this relay')
    this.joinedTo = other
    other.joinedTo = this
  }

  notify (name: string, payload: Buffer): void {
    const c = this.circuit
    const copy = Buffer.from(payload)
    void turn(c.delay(c.ctxs.indexOf(this) + 1)).then(() => { if (!c.closedFlag) c.origin.emitNotify(c, name, copy) })
  }

  onClose (listener: () => void): void { if (this.closed) listener(); else this.listeners.push(listener) }
  close (): void {
    if (this.closed) return
    this.closed = true
    this.relay.relayedCtx.delete(this)
    for (const l of this.listeners.splice(0)) l()
  }
}

class MemoryCircuit implements Circuit {
  readonly info: CircuitInfo
  readonly ctxs: MemoryRelayContext[] = []
  virtual?: HopKeyMaterial
  closedFlag = false
  private readonly closeListeners: Array<(r: EndReason) => void> = []
  constructor (readonly net: MemoryTunnelNet, readonly origin: MemoryTunnelNode, readonly hops: MemoryTunnelNode[], opts: BuildOptions) {
    this.info = {
      id: randomBytes(8).toString('hex'),
      purpose: opts.purpose ?? 'general',
      isolation: opts.isolation,
      state: 'open',
      hops: hops.map(h => ({ rank: h.contact.rank })),
      endToEnd: false,
      createdAt: Date.now(),
      bytesIn: 0,
      bytesOut: 0,
      streams: 0
    }
    let previous = origin.contact
    for (const h of hops) {
      const ctx = new MemoryRelayContext(previous, h, this)
      h.relayedCtx.add(ctx)
      this.ctxs.push(ctx)
      previous = h.contact
    }
  }

  delay (hopsCrossed: number): number { return this.net.hopDelayMs * hopsCrossed }

  async request (name: string, payload: Buffer, opts: { hop?: number, signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    const i = opts.hop ?? this.hops.length - 1
    if (this.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit is closed')
    if (i < 0 || i >= this.hops.length) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `no hop ${i}`)
    this.info.bytesOut += payload.length
    await turn(this.delay(i + 1))
    const handler = this.hops[i].requests.get(name)
    if (handler === undefined || this.closedFlag) throw new TunnelError(TunnelErrorCode.NO_SUCH_SERVICE, `no handler '${name}' at hop ${i}`)
    const answer = Buffer.from(await handler(Buffer.from(payload), this.ctxs[i]))
    await turn(this.delay(i + 1))
    if (this.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit closed before the answer')
    this.info.bytesIn += answer.length
    return answer
  }

  async extend (to: Contact): Promise<void> {
    const node = this.net.node(to.id)
    if (this.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit is closed')
    if (this.virtual !== undefined || this.hops.some(h => h.contact.id.equals(to.id))) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'cannot extend to that relay')
    await turn(this.delay(this.hops.length + 1) * 2)
    if (node === undefined || !node.alive) { this.close(END_REASON.hopFailed); throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the relay does not answer') }
    const ctx = new MemoryRelayContext(this.hops[this.hops.length - 1]?.contact ?? this.origin.contact, node, this)
    node.relayedCtx.add(ctx)
    this.ctxs.push(ctx)
    this.hops.push(node)
    this.info.hops.push({ rank: node.contact.rank })
  }

  addVirtualHop (keys: HopKeyMaterial): void {
    this.virtual = keys
    this.info.endToEnd = true
  }

  async openStream (service: string): Promise<Duplex> {
    if (this.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit is closed')
    const last = this.ctxs[this.ctxs.length - 1]
    let handler: RelayStreamHandler | undefined
    let ctx: RelayCircuitContext
    let crossed = this.hops.length
    if (this.virtual !== undefined) {
      const far = last.joinedTo?.circuit
      if (far === undefined || far.virtual === undefined || !far.virtual.secret.equals(this.virtual.secret) || far.virtual.role === this.virtual.role) {
        this.close(END_REASON.protocol)
        throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the virtual hop does not authenticate (no joined far origin with the same keys)')
      }
      handler = far.origin.streams.get(service)
      ctx = far.farContext()
      crossed += far.hops.length
    } else {
      handler = last.relay.streams.get(service)
      ctx = last
    }
    await turn(this.delay(crossed))
    if (handler === undefined) throw new TunnelError(TunnelErrorCode.NO_SUCH_SERVICE, `no stream service '${service}'`)
    const [mine, theirs] = duplexPair()
    this.info.streams++
    this.onClose(() => { mine.destroy(); theirs.destroy() })
    // A destroyed end is an END on the wire: the other end closes too.
    mine.once('close', () => { theirs.destroy() })
    theirs.once('close', () => { mine.destroy() })
    handler(theirs, ctx)
    return mine
  }

  /**
   * Both ends adopt the same stream id past virtual hops keyed alike: the first to adopt
   * parks the other half of a duplexPair under (secret, id), the second takes it.
   */
  adoptStream (id: number): Duplex {
    if (this.closedFlag) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit is closed')
    if (this.virtual === undefined) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'no virtual hop')
    const key = `${this.virtual.secret.toString('hex')}/${id}`
    let mine = this.net.adopted.get(key)
    if (mine !== undefined) {
      this.net.adopted.delete(key)
    } else {
      const [a, b] = duplexPair()
      a.once('close', () => { b.destroy() })
      b.once('close', () => { a.destroy() })
      this.net.adopted.set(key, b)
      mine = a
    }
    const stream = mine
    this.info.streams++
    this.onClose(() => { stream.destroy() })
    return stream
  }

  /** How this circuit looks to its own origin when a stream arrives past its virtual hop. */
  farContext (): RelayCircuitContext {
    const self = this
    return {
      id: this.info.id,
      previous: this.hops[this.hops.length - 1].contact,
      join: () => { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'an origin cannot join') },
      notify: () => {},
      get closed () { return self.closedFlag },
      onClose: (l) => { self.onClose(() => l()) }
    }
  }

  close (reason: EndReason = END_REASON.done): void {
    if (this.closedFlag) return
    this.closedFlag = true
    this.info.state = 'closed'
    this.origin.originCircuits.delete(this)
    const partner = this.ctxs[this.ctxs.length - 1]?.joinedTo?.circuit
    for (const c of this.ctxs) c.close()
    for (const l of this.closeListeners.splice(0)) l(reason)
    partner?.close(reason)
  }

  onClose (listener: (reason: EndReason) => void): void {
    if (this.closedFlag) listener(END_REASON.done); else this.closeListeners.push(listener)
  }
}

export class MemoryTunnelNode {
  readonly requests = new Map<string, RelayRequestHandler>()
  readonly streams = new Map<string, RelayStreamHandler>()
  readonly notifyHandlers: OriginNotifyHandler[] = []
  readonly relayedCtx = new Set<MemoryRelayContext>()
  readonly originCircuits = new Set<MemoryCircuit>()
  private readonly shared = new Map<string, MemoryCircuit>()
  alive = true
  builds = 0
  readonly service: TunnelService

  constructor (readonly net: MemoryTunnelNet, readonly contact: Contact) {
    this.service = {
      build: async (opts) => await this.build(opts),
      circuitFor: async (hops, isolation) => {
        const key = `${hops}/${isolation}`
        const held = this.shared.get(key)
        if (held !== undefined && !held.closedFlag) return held
        const c = await this.build({ hops, isolation })
        this.shared.set(key, c)
        return c
      },
      circuits: () => [...this.originCircuits].map(c => c.info),
      relayed: () => [...this.relayedCtx].map((c): RelayCircuitView => {
        const i = c.circuit.ctxs.indexOf(c)
        return { previous: c.previous.id.toString('hex'), next: c.circuit.hops[i + 1]?.contact.id.toString('hex'), joined: c.joinedTo !== undefined, cells: 0 }
      }),
      stats: (): TunnelStats => ({ circuitsOrigin: this.originCircuits.size, circuitsRelayed: this.relayedCtx.size, cellsForwarded: 0, cellsDropped: 0, droppedByReason: {} }),
      handleRequest: (name, handler) => { this.requests.set(name, handler) },
      handleStream: (service, handler) => { this.streams.set(service, handler) },
      onNotify: (handler) => { this.notifyHandlers.push(handler) },
      start: () => {},
      stop: async () => { for (const c of [...this.originCircuits]) c.close(END_REASON.shutdown) }
    }
  }

  emitNotify (c: MemoryCircuit, name: string, payload: Buffer): void {
    for (const h of this.notifyHandlers) h(c, name, payload)
  }

  private async build (opts: BuildOptions = {}): Promise<MemoryCircuit> {
    const n = opts.hops ?? 3
    this.builds++
    const excluded = new Set([this.contact.id.toString('hex'), ...(opts.exclude ?? []).map(b => b.toString('hex'))])
    const last = opts.lastHop === undefined ? undefined : this.net.node(opts.lastHop.id)
    if (opts.lastHop !== undefined && (last === undefined || !last.alive)) throw new TunnelError(TunnelErrorCode.EXTEND_FAILED, 'the asked last hop does not answer')
    if (last !== undefined) excluded.add(last.contact.id.toString('hex'))
    const pool = this.net.nodes().filter(x => x.alive && !excluded.has(x.contact.id.toString('hex')))
    const need = last === undefined ? n : n - 1
    if (pool.length < need) throw new TunnelError(TunnelErrorCode.NO_RELAYS, `${pool.length} relays for ${n} hops`)
    for (let i = pool.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [pool[i], pool[j]] = [pool[j], pool[i]] }
    const hops = pool.slice(0, need)
    if (last !== undefined) hops.push(last)
    for (let i = 0; i < hops.length; i++) {
      await turn(this.net.hopDelayMs * 2 * (i + 1))
      opts.onHop?.(i, hops[i].contact.rank)
    }
    if (opts.signal?.aborted === true) throw new TunnelError(TunnelErrorCode.TIMEOUT, 'aborted')
    const c = new MemoryCircuit(this.net, this, hops, opts)
    this.originCircuits.add(c)
    return c
  }
}

export class MemoryTunnelNet {
  readonly hopDelayMs: number
  private readonly byId = new Map<string, MemoryTunnelNode>()
  /** Halves of adopted streams waiting for the other end (adoptStream). */
  readonly adopted = new Map<string, Duplex>()
  constructor (opts: MemoryTunnelOptions = {}) { this.hopDelayMs = opts.hopDelayMs ?? 0 }

  add (contact: Contact): MemoryTunnelNode {
    const n = new MemoryTunnelNode(this, contact)
    this.byId.set(contact.id.toString('hex'), n)
    return n
  }

  node (id: Buffer): MemoryTunnelNode | undefined { return this.byId.get(id.toString('hex')) }
  nodes (): MemoryTunnelNode[] { return [...this.byId.values()] }

  /** The node stops relaying: every circuit through it (or from it) closes with hopFailed. */
  kill (id: Buffer): void {
    const n = this.node(id)
    if (n === undefined) return
    n.alive = false
    for (const ctx of [...n.relayedCtx]) ctx.circuit.close(END_REASON.hopFailed)
    for (const c of [...n.originCircuits]) c.close(END_REASON.hopFailed)
  }
}
