import { type Duplex, duplexPair } from 'node:stream'
import { type Identity, generateIdentity } from '../../src/node/identity/identity.js'
import { LinkError, LinkErrorCode } from '../../src/node/link/errors.js'
import { type Contact, makeContact } from '../../src/node/routing/contact.js'
import type {
  FindValueOptions, FoundValue, ServiceHandler, ServiceNetwork, ServiceRequestContext, ValueProvider
} from '../../src/node/services/service-network.js'

/**
 * An in-process ServiceNetwork over N simulated nodes, so that a service
 * (kv, names, mail, radio, chunks...) can be tested on many nodes in one
 * process before it meets the DHT and UDP.
 *
 *   const net = new MemoryServiceNetwork({ k: 8 })
 *   const nodes = net.addNodes(30)            // each has .identity and implements ServiceNetwork
 *   const kv = nodes.map(n => createKvService({ network: n, identity: n.identity }))
 *   net.setFault(nodes[3], { down: true })    // or { onRequest }, { onValue }: see NodeFault
 *
 * What it models, and what it does not:
 * - closest(key) is brute force: the `count` (default k) live nodes nearest `key` by XOR, nearest
 *   first, NEVER the calling node itself (a node's routing table does not hold itself; a service
 *   that may be one of the k closest checks its local store on its own). Down nodes are skipped,
 *   as a real lookup drops nodes that do not answer.
 * - findValue(key, kind) mirrors the DHT's: a value the caller's own provider holds answers at once
 *   (from = self); otherwise it asks the k closest live nodes in order, nearest first; a node
 *   without the value has its provider's onMiss called; a value the caller's provider.validate()
 *   refuses is skipped as a lie; the first valid value is returned and offered (provider.cache,
 *   one hop later) to the nearest asked node that lacked it, unless cacheAlongPath is false.
 *   A node's not-found count for a key is the number of distinct nodes that asked it in vain (one
 *   vote per asker, as the DHT's DemandCounter counts, without its decay). With notFoundStop the
 *   search ends once `quorum` asked nodes reported at least `count` (all asked nodes are among the
 *   k closest here, nearest first), and onNoValue hears how a search without a value ended.
 * - request() delivers the payload (copied) to the target's handler for `service` and returns its
 *   reply (copied). Failures reject with the link layer's codes, as the real node's would:
 *   LINK_TIMEOUT (target down or removed: at once, without waiting; or a hook outlived timeoutMs),
 *   LINK_UNKNOWN_SERVICE,
 *   LINK_HANDLER_FAILED (the handler threw), LINK_ABORTED (the signal fired), LINK_SELF.
 * - openStream() connects the two ends of a node:stream duplexPair (backpressure included).
 * - Every hop yields to the event loop (setImmediate), so concurrent operations interleave the way
 *   they would on a network; there is no latency and no loss, and nothing depends on wall time.
 * - Ids are SHA-256 of fresh ed25519 keys (or of the identities you pass), so runs are not
 *   reproducible bit for bit unless you pass fixed identities.
 */

export interface NodeFault {
  /** The node is down: lookups skip it, requests to it time out, streams to it fail. */
  down?: boolean
  /**
   * Intercepts every request this node receives. `real()` runs the node's own handler; return
   * anything else to make the node lie, or throw to make it fail (LINK_HANDLER_FAILED).
   */
  onRequest?: (req: { service: string, payload: Buffer, from: Contact }, real: () => Promise<Uint8Array>) => Promise<Uint8Array>
  /** Intercepts this node's FIND_VALUE answers: `real` is what its provider holds. */
  onValue?: (query: { kind: number, key: Buffer }, real: Uint8Array | undefined) => Uint8Array | undefined
}

export interface MemoryNetworkOptions {
  /** Bucket size k: how many nodes closest() returns and findValue() asks. Default 20. */
  k?: number
}

export interface MemoryNetworkStats {
  requests: number
  valueQueries: number
  /** Values a finder's validate() refused (lies), lookups went on past them. */
  rejectedValues: number
  /** CACHE_VALUE offers made along lookup paths. */
  cacheOffers: number
  streams: number
}

const hop = async (): Promise<void> => { await new Promise<void>(resolve => setImmediate(resolve)) }

function distanceCompare (key: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const da = a[i] ^ key[i]
    const db = b[i] ^ key[i]
    if (da !== db) return da - db
  }
  return 0
}

export class MemoryServiceNetwork {
  readonly k: number
  readonly stats: MemoryNetworkStats = { requests: 0, valueQueries: 0, rejectedValues: 0, cacheOffers: 0, streams: 0 }
  private readonly byId = new Map<string, MemoryServiceNode>()
  private nextPort = 1

  constructor (opts: MemoryNetworkOptions = {}) {
    this.k = opts.k ?? 20
  }

  addNode (identity: Identity = generateIdentity()): MemoryServiceNode {
    const id = identity.id.toString('hex')
    if (this.byId.has(id)) throw new Error('a node with this identity is already in the network')
    const node = new MemoryServiceNode(this, identity, { address: 'memory', port: this.nextPort++ })
    this.byId.set(id, node)
    return node
  }

  addNodes (n: number): MemoryServiceNode[] {
    return Array.from({ length: n }, () => this.addNode())
  }

  /** Takes a node out for good; requests to it then time out. */
  remove (node: MemoryServiceNode): void {
    this.byId.delete(node.self.id.toString('hex'))
  }

  get nodes (): MemoryServiceNode[] {
    return [...this.byId.values()]
  }

  /** Sets or clears (undefined) a node's fault. */
  setFault (node: MemoryServiceNode, fault: NodeFault | undefined): void {
    node.fault = fault
  }

  /** The node with this id if it is in the network and not down. */
  live (id: Uint8Array): MemoryServiceNode | undefined {
    const node = this.byId.get(Buffer.from(id).toString('hex'))
    return node === undefined || node.fault?.down === true ? undefined : node
  }

  /** The `count` live nodes nearest `key` (XOR), nearest first, without `exclude`. */
  closestNodes (key: Uint8Array, count = this.k, exclude?: MemoryServiceNode): MemoryServiceNode[] {
    const candidates = [...this.byId.values()].filter(n => n !== exclude && n.fault?.down !== true)
    candidates.sort((a, b) => distanceCompare(key, a.self.id, b.self.id))
    return candidates.slice(0, count)
  }
}

export class MemoryServiceNode implements ServiceNetwork {
  readonly self: Contact
  readonly services = new Map<string, ServiceHandler>()
  readonly providers = new Map<number, ValueProvider>()
  /** FIND_VALUE misses per key (hex): the distinct askers (hex ids) this node lacked it for. */
  readonly misses = new Map<string, Set<string>>()
  fault: NodeFault | undefined

  constructor (readonly network: MemoryServiceNetwork, readonly identity: Identity, endpoint: Contact['endpoint']) {
    this.self = makeContact(identity.id, endpoint, { publicKey: identity.publicKey, nonce: identity.nonce, rank: identity.rank })
  }

  async closest (key: Buffer, opts: { signal?: AbortSignal, count?: number } = {}): Promise<Contact[]> {
    throwIfAborted(opts.signal)
    await hop()
    throwIfAborted(opts.signal)
    return this.network.closestNodes(key, opts.count ?? this.network.k, this).map(n => ({ ...n.self }))
  }

  /** What a routing table would know: here every live node (the model has no partial views). */
  nearest (key: Buffer, count: number): Contact[] {
    return this.network.closestNodes(key, count, this).map(n => ({ ...n.self }))
  }

  async findValue (key: Buffer, kind: number, opts: FindValueOptions & { cacheAlongPath?: boolean } = {}): Promise<FoundValue | undefined> {
    throwIfAborted(opts.signal)
    const own = this.providers.get(kind)
    // As the DHT does: a value held locally answers at once.
    const local = await safeGet(own, key)
    if (local !== undefined) return { value: Buffer.from(local), from: { ...this.self } }
    let lacking: MemoryServiceNode | undefined
    let notFound = 0
    let votes = 0
    for (const node of this.network.closestNodes(key, this.network.k, this)) {
      throwIfAborted(opts.signal)
      await hop()
      if (node.fault?.down === true) continue // went down while we were asking others
      this.network.stats.valueQueries++
      const provider = node.providers.get(kind)
      let value = await safeGet(provider, key)
      if (node.fault?.onValue !== undefined) value = node.fault.onValue({ kind, key: Buffer.from(key) }, value)
      if (value === undefined) {
        lacking ??= node
        const hex = key.toString('hex')
        const askers = node.misses.get(hex) ?? new Set<string>()
        askers.add(this.self.id.toString('hex'))
        node.misses.set(hex, askers)
        const misses = askers.size
        notFound = Math.max(notFound, misses)
        try { provider?.onMiss?.(Buffer.from(key), { ...this.self }, misses) } catch { /* a hook must not break the reply */ }
        const stop = opts.notFoundStop
        if (stop !== undefined && misses >= stop.count && ++votes >= Math.max(1, stop.quorum)) {
          opts.onNoValue?.({ notFound, stoppedEarly: true })
          return undefined
        }
        continue
      }
      const found = Buffer.from(value)
      // A value our own provider rejects is a lie: the lookup goes on, as the DHT's does.
      if (own?.validate !== undefined && !own.validate(Buffer.from(key), found)) { this.network.stats.rejectedValues++; continue }
      if (lacking !== undefined && opts.cacheAlongPath !== false) this.offerCache(lacking, key, kind, found)
      return { value: found, from: { ...node.self } }
    }
    throwIfAborted(opts.signal)
    opts.onNoValue?.({ notFound, stoppedEarly: false })
    return undefined
  }

  /** CACHE_VALUE: the closest node on the path that lacked the value is offered a copy. */
  private offerCache (to: MemoryServiceNode, key: Buffer, kind: number, value: Buffer): void {
    const from = { ...this.self }
    this.network.stats.cacheOffers++
    void hop().then(async () => {
      const provider = this.network.live(to.self.id)?.providers.get(kind)
      await provider?.cache?.(Buffer.from(key), Buffer.from(value), from)
    }).catch(() => undefined)
  }

  async request (to: Contact, service: string, payload: Uint8Array, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    if (to.id.equals(this.self.id)) throw new LinkError(LinkErrorCode.SELF, 'a node does not send requests to itself')
    this.network.stats.requests++
    return await withDeadline(async (signal) => {
      await hop()
      const target = this.network.live(to.id)
      // A down node never answers; rather than spend wall time on the link timeout, fail as it would.
      if (target === undefined) throw new LinkError(LinkErrorCode.TIMEOUT, 'the peer does not answer (down)')
      const handler = target.services.get(service)
      if (handler?.onRequest === undefined) throw new LinkError(LinkErrorCode.UNKNOWN_SERVICE, `no service '${service}' at the peer`)
      const onRequest = handler.onRequest.bind(handler)
      const ctx: ServiceRequestContext = { from: { ...this.self }, signal }
      const copy = Buffer.from(payload)
      const real = async (): Promise<Uint8Array> => await onRequest(copy, ctx)
      let reply: Uint8Array
      try {
        reply = target.fault?.onRequest !== undefined
          ? await target.fault.onRequest({ service, payload: copy, from: ctx.from }, real)
          : await real()
      } catch (err) {
        throw new LinkError(LinkErrorCode.HANDLER_FAILED, `the peer's '${service}' handler failed`, { cause: err })
      }
      await hop()
      return Buffer.from(reply)
    }, opts.signal, opts.timeoutMs)
  }

  async openStream (to: Contact, service: string, opts: { signal?: AbortSignal } = {}): Promise<Duplex> {
    if (to.id.equals(this.self.id)) throw new LinkError(LinkErrorCode.SELF, 'a node does not open streams to itself')
    throwIfAborted(opts.signal)
    await hop()
    const target = this.network.live(to.id)
    if (target === undefined) throw new LinkError(LinkErrorCode.TIMEOUT, 'the peer does not answer')
    const handler = target.services.get(service)
    if (handler?.onStream === undefined) throw new LinkError(LinkErrorCode.UNKNOWN_SERVICE, `no stream service '${service}' at the peer`)
    this.network.stats.streams++
    const [mine, theirs] = duplexPair()
    handler.onStream(theirs, { from: { ...this.self }, signal: new AbortController().signal })
    return mine
  }

  registerService (service: string, handler: ServiceHandler): void {
    this.services.set(service, handler)
  }

  registerValueProvider (kind: number, provider: ValueProvider): void {
    if (this.providers.has(kind)) throw new Error(`value kind ${kind} already has a provider`) // as the DHT refuses it
    this.providers.set(kind, provider)
  }
}

/** A memory network of `count` fresh nodes. */
export function createMemoryNetwork (count: number, opts: MemoryNetworkOptions = {}): { network: MemoryServiceNetwork, nodes: MemoryServiceNode[] } {
  const network = new MemoryServiceNetwork(opts)
  return { network, nodes: network.addNodes(count) }
}

async function safeGet (provider: ValueProvider | undefined, key: Buffer): Promise<Uint8Array | undefined> {
  try {
    return await provider?.get(Buffer.from(key))
  } catch {
    return undefined // a provider that throws counts as a miss, as a dropped reply would
  }
}

function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new LinkError(LinkErrorCode.ABORTED, 'the request was aborted', { cause: signal.reason })
}

async function never (signal: AbortSignal): Promise<never> {
  return await new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

/**
 * Runs `work` with a signal that fires on the caller's abort or after `timeoutMs`, and rejects with
 * LINK_ABORTED / LINK_TIMEOUT accordingly (only a fault hook that never settles needs the timer).
 */
async function withDeadline<T> (work: (signal: AbortSignal) => Promise<T>, outer: AbortSignal | undefined, timeoutMs: number | undefined): Promise<T> {
  throwIfAborted(outer)
  const inner = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const onAbort = (): void => { inner.abort(new LinkError(LinkErrorCode.ABORTED, 'the request was aborted', { cause: outer?.reason })) }
  outer?.addEventListener('abort', onAbort, { once: true })
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => { inner.abort(new LinkError(LinkErrorCode.TIMEOUT, `no answer within ${timeoutMs} ms`)) }, timeoutMs)
    timer.unref()
  }
  try {
    return await Promise.race([work(inner.signal), never(inner.signal)])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    outer?.removeEventListener('abort', onAbort)
    if (!inner.signal.aborted) inner.abort() // releases the never() listener
  }
}
