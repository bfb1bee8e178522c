import type { Duplex } from 'node:stream'
import type { Contact } from '../../src/node/routing/contact.js'
import { Dht, type RpcPort } from '../../src/node/routing/dht.js'
import { MemoryNetwork, type MemoryNetworkOptions, type MemoryNode } from '../../src/node/routing/simulator/memory-network.js'
import { Prng } from '../../src/node/routing/simulator/prng.js'
import { VirtualClock } from '../../src/node/routing/simulator/virtual-clock.js'
import { dhtValueProvider } from '../../src/node/services/link-service-network.js'
import type { ClosestOptions, FoundValue, ServiceHandler, ServiceNetwork, ValueProvider } from '../../src/node/services/service-network.js'
import { adaptiveRequestTimeoutMs, contactsListener } from '../../src/node/services/lookup-feedback.js'

/**
 * Any service on N real Dht instances, all on the routing simulator's
 * in-memory network and virtual clock (log-normal one-way latency with a
 * 50 ms median, optional loss): what a service costs in time on a wide-area
 * network, computed as fast as the CPU allows.
 *
 * Each simulated node gets a ServiceNetwork built here over its MemoryNode:
 * requests carry the service name in front of the payload
 * ([1 byte length][name][payload]) and the node's handler dispatches on it,
 * so the DHT and the services share the one simulated endpoint as they
 * share a link on a real node. Streams are not modelled. Each service's
 * request bytes out are counted per node (what a broadcaster uploads, say).
 */
export const SIM_EPOCH_MS = 1_735_689_600_000 // 2025-01-01T00:00:00Z: signed things need a plausible wall-clock time
const DEFAULT_TIMEOUT_MS = 5_000

function frame (service: string, payload: Uint8Array): Buffer {
  const name = Buffer.from(service, 'utf8')
  if (name.length > 255) throw new RangeError('service name too long')
  return Buffer.concat([Buffer.from([name.length]), name, payload])
}

function unframe (b: Buffer): { service: string, payload: Buffer } | undefined {
  if (b.length < 1 || b.length < 1 + b[0]) return undefined
  return { service: b.subarray(1, 1 + b[0]).toString('utf8'), payload: b.subarray(1 + b[0]) }
}

export class SimServiceNetwork implements ServiceNetwork {
  readonly handlers = new Map<string, ServiceHandler>()
  /** Virtual ms and hops of this node's FIND_VALUE lookups, in order. */
  readonly findValues: Array<{ ms: number, hops: number, found: boolean }> = []
  /** FIND_VALUE lookups that ran to their end (an aborted one is not in findValues). */
  findValuesDone = 0
  /** Request bytes this node sent, per service (framing included). */
  readonly bytesSent = new Map<string, number>()

  constructor (private readonly memory: MemoryNode, readonly dht: Dht, private readonly clockNow: () => number) {}

  get self (): Contact { return this.memory.contact }

  async closest (key: Buffer, opts: ClosestOptions = {}): Promise<Contact[]> {
    const r = await this.dht.findNode(key, { signal: opts.signal, onProgress: contactsListener(opts.onContacts) })
    return opts.count === undefined ? r.closest : r.closest.slice(0, opts.count)
  }

  async findValue (key: Buffer, kind: number, opts: { signal?: AbortSignal } = {}): Promise<FoundValue | undefined> {
    const t0 = this.clockNow()
    const r = await this.dht.findValue(key, kind, { signal: opts.signal })
    this.findValues.push({ ms: this.clockNow() - t0, hops: r.hops, found: r.value !== undefined })
    this.findValuesDone++
    if (this.findValues.length > 1000) this.findValues.shift()
    return r.value === undefined ? undefined : { value: r.value, from: r.valueFrom ?? this.self }
  }

  nearest (key: Buffer, count: number): Contact[] {
    return this.dht.table.closest(key, count)
  }

  requestTimeoutMs (to: Contact): number {
    return adaptiveRequestTimeoutMs(this.dht, to)
  }

  async request (to: Contact, service: string, payload: Uint8Array, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    const framed = frame(service, payload)
    this.bytesSent.set(service, (this.bytesSent.get(service) ?? 0) + framed.length)
    return await this.memory.port.send(to, framed, { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: opts.signal })
  }

  async openStream (): Promise<Duplex> {
    throw new Error('the simulated service network has no streams')
  }

  registerService (service: string, handler: ServiceHandler): void {
    this.handlers.set(service, handler)
  }

  registerValueProvider (kind: number, provider: ValueProvider): void {
    this.dht.registerValueProvider(kind, dhtValueProvider(provider))
  }

  /** Inbound request: the DHT's own, or a service's; garbage gets no reply. */
  async handle (from: Contact, raw: Buffer): Promise<Buffer> {
    const m = unframe(raw)
    if (m === undefined) throw new Error('malformed frame')
    if (m.service === 'dht') return await this.dht.handleRequest(from, m.payload)
    const h = this.handlers.get(m.service)?.onRequest
    if (h === undefined) throw new Error(`no service ${m.service}`)
    return Buffer.from(await h(m.payload, { from, signal: new AbortController().signal }))
  }
}

export interface SimNode {
  memory: MemoryNode
  dht: Dht
  network: SimServiceNetwork
}

/**
 * N simulated Dht nodes; `attach` puts the services under test on each (it
 * gets the node and returns whatever the benchmark wants to keep with it).
 */
export class SimDhtNetwork<T extends object = object> {
  readonly clock = new VirtualClock()
  readonly net: MemoryNetwork
  readonly prng: Prng
  readonly nodes: Array<SimNode & T> = []

  constructor (size: number, private readonly attach: (node: SimNode, sim: SimDhtNetwork<T>) => T, opts: Partial<MemoryNetworkOptions> = {}) {
    this.net = new MemoryNetwork(this.clock, opts)
    this.prng = new Prng((opts.seed ?? 1) + 2000)
    for (let i = 0; i < size; i++) this.add()
  }

  /** Wall-clock time as services see it (whole ms: signed records carry integers). */
  now (): number { return SIM_EPOCH_MS + Math.floor(this.clock.now()) }

  private add (): SimNode & T {
    const memory = this.net.addNode()
    const port: RpcPort = {
      self: memory.contact,
      now: () => this.clock.now(),
      send: async (to, payload, o) => await memory.port.send(to, frame('dht', payload), o)
    }
    // Simulated nodes live at 10.x addresses (a private range): follow them.
    const dht = new Dht(port, { clock: this.clock, randomBytes: n => this.prng.bytes(n), allowPrivateEndpoints: true })
    const network = new SimServiceNetwork(memory, dht, () => this.clock.now())
    memory.handler = async (from, payload) => await network.handle(from, payload)
    const base: SimNode = { memory, dht, network }
    const node = Object.assign(base, this.attach(base, this))
    this.nodes.push(node)
    return node
  }

  /** Nodes whose every join attempt failed (their table stayed empty); see joinAll. */
  joinFailures = 0
  /** Join attempts that were repeated after a failure. */
  joinRetries = 0

  /**
   * Everyone but node 0 joins through node 0's bare endpoint, `batch` at a time.
   * With loss, a join can fail (every ping to the seed lost): it is tried again,
   * up to `attempts` times, as a real node's refresh re-bootstraps an empty table.
   * A node that never joins is counted in joinFailures, not thrown: the
   * benchmark reports it.
   */
  async joinAll (batch = 25, onProgress?: (joined: number) => void, attempts = 3): Promise<void> {
    for (let i = 1; i < this.nodes.length; i += batch) {
      const group = this.nodes.slice(i, i + batch)
      await this.clock.drive(Promise.all(group.map(async n => { if (!await this.join(n, attempts)) this.joinFailures++ })))
      onProgress?.(Math.min(this.nodes.length, i + batch))
    }
  }

  /** Joins (again) through node 0; true once the node's table holds a contact. */
  async join (node: SimNode, attempts = 3): Promise<boolean> {
    for (let a = 0; a < attempts; a++) {
      if (a > 0) this.joinRetries++
      try {
        await node.dht.bootstrap([this.nodes[0].memory.contact.endpoint])
      } catch {}
      if (node.dht.table.size > 0) return true
    }
    return false
  }
}
