import { endpointKey, type Endpoint } from '../../types.js'
import { makeContact, type Contact } from '../contact.js'
import type { RpcPort } from '../dht.js'
import { idsEqual } from '../distance.js'
import { nodeIdOf, rankOf } from '../../identity/identity.js'
import { LatencyModel, type LatencyOptions } from './latency-model.js'
import { Prng } from './prng.js'
import type { VirtualClock } from './virtual-clock.js'
import { TornetError } from '../../errors.js'

/**
 * An in-process network of Dht instances on the virtual clock: what the link
 * layer will provide, reduced to the RPC port. A request takes the pair's
 * latency each way, may be lost, reaches whoever listens at the endpoint, and
 * is refused when the listener's id is not the one asked for (as an
 * authenticated handshake would). A dead node never answers. Handlers can be
 * replaced to make a node lie.
 */
export type RequestHandler = (from: Contact, payload: Buffer) => Promise<Buffer>

export interface MemoryNode {
  readonly index: number
  readonly contact: Contact
  readonly port: RpcPort
  alive: boolean
  handler?: RequestHandler
}

export interface MemoryNetworkOptions {
  seed: number
  loss: number
  latency: Partial<LatencyOptions>
}

export class MemoryNetwork {
  readonly nodes: MemoryNode[] = []
  readonly prng: Prng
  readonly options: MemoryNetworkOptions
  private readonly byEndpoint = new Map<string, MemoryNode>()
  private readonly latency: LatencyModel
  messages = 0
  bytes = 0

  constructor (readonly clock: VirtualClock, options: Partial<MemoryNetworkOptions> = {}) {
    this.options = { seed: 1, loss: 0, latency: {}, ...options }
    this.prng = new Prng(this.options.seed)
    this.latency = new LatencyModel({ seed: this.options.seed, ...this.options.latency })
  }

  /** A node with a fresh pseudo-identity (its id is the hash of a random 32-byte "public key"). */
  addNode (endpoint?: Endpoint): MemoryNode {
    const index = this.nodes.length
    const publicKey = this.prng.bytes(32)
    const nonce = this.prng.bytes(8)
    const ep = endpoint ?? { address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`, port: 7000 }
    const contact = makeContact(nodeIdOf(publicKey), ep, { publicKey, nonce, rank: rankOf(publicKey, nonce) })
    const node: MemoryNode = {
      index,
      contact,
      alive: true,
      port: {
        self: contact,
        now: () => this.clock.now(),
        send: async (to, payload, opts) => await this.send(node, to, payload, opts)
      }
    }
    this.nodes.push(node)
    this.byEndpoint.set(endpointKey(ep), node)
    return node
  }

  private async send (from: MemoryNode, to: Contact, payload: Buffer, opts: { timeoutMs: number, signal?: AbortSignal }): Promise<Buffer> {
    return await new Promise<Buffer>((resolve, reject) => {
      let open = true
      const close = (): boolean => {
        if (!open) return false
        open = false
        cancelTimeout()
        opts.signal?.removeEventListener('abort', onAbort)
        return true
      }
      const onAbort = (): void => { if (close()) reject(new TornetError('LINK_ABORTED', 'request aborted')) }
      const cancelTimeout = this.clock.setTimer(opts.timeoutMs, () => { if (close()) reject(new TornetError('LINK_TIMEOUT', 'request timed out')) })
      if (opts.signal?.aborted === true) { onAbort(); return }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      this.messages++; this.bytes += payload.length
      const dest = this.byEndpoint.get(endpointKey(to.endpoint))
      if (!from.alive || dest === undefined || !dest.alive || this.lost()) return
      const there = this.latency.sample(from.index, dest.index, this.prng.normal())
      this.clock.setTimer(there, () => {
        if (!dest.alive) return
        if (to.id.length > 0 && !idsEqual(to.id, dest.contact.id)) {
          // The handshake proves a different key: fail fast, as the link layer would.
          const back = this.latency.sample(from.index, dest.index, this.prng.normal())
          this.clock.setTimer(back, () => { if (close()) reject(new TornetError('LINK_WRONG_PEER', 'a different node answered')) })
          return
        }
        const handler = dest.handler
        if (handler === undefined) return
        handler(from.contact, payload).then(reply => {
          this.messages++; this.bytes += reply.length
          if (this.lost()) return
          const back = this.latency.sample(from.index, dest.index, this.prng.normal())
          this.clock.setTimer(back, () => { if (close()) resolve(reply) })
        }, () => { /* a refused request gets no reply */ })
      })
    })
  }

  private lost (): boolean {
    return this.options.loss > 0 && this.prng.float() < this.options.loss
  }
}
