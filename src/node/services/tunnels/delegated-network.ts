import type { Duplex } from 'node:stream'
import { sha256 } from '../../crypto/hash.js'
import { makeContact, type Contact } from '../../routing/contact.js'
import type { ClosestOptions, FindValueOptions, FoundValue, ServiceHandler, ServiceNetwork, ValueProvider } from '../service-network.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import type { DelegateSpec } from './delegate-spec.js'
import { RemoteServiceNetwork } from './remote-network.js'
import type { Circuit, TunnelService } from './tunnel-api.js'

/**
 * Delegated lookups (the seed's remark on asking a node nearer the backbone):
 * this node's lookups — closest and FIND_VALUE — run at a chosen peer through
 * a 1-hop circuit (purpose 'delegate'), and everything else (requests,
 * streams, the handlers this node serves) stays on its own network.
 *
 * It is about speed, not anonymity: the delegate knows who asks. So when the
 * delegate cannot be reached (no circuit, its exit refuses), the lookup runs
 * here instead and the failure is logged, rather than failing the caller.
 */
/**
 * The delegate as a contact: the routing table's (it carries the verified
 * rank) when the node knows it, else one made from the key and endpoint.
 */
export function delegateContact (spec: DelegateSpec, known: () => Contact[]): Contact {
  const id = spec.publicKey === undefined ? undefined : sha256(spec.publicKey)
  const match = known().find(c => id !== undefined
    ? c.id.equals(id)
    : c.endpoint.address === spec.endpoint.address && c.endpoint.port === spec.endpoint.port && c.publicKey !== undefined)
  if (match !== undefined) return match
  if (id === undefined || spec.publicKey === undefined) {
    throw new TunnelError(TunnelErrorCode.NO_RELAYS,
      `no known peer at ${spec.endpoint.address}:${spec.endpoint.port}: give the delegate as KEYHEX@host:port, or let the node meet it first`)
  }
  return makeContact(id, spec.endpoint, { publicKey: spec.publicKey })
}

/** A 1-hop 'delegate' circuit to `to`, built on first use and rebuilt once it has closed. */
export function delegateCircuit (tunnels: Pick<TunnelService, 'build'>, to: () => Contact): (signal?: AbortSignal) => Promise<Circuit> {
  let current: Promise<Circuit> | undefined
  return async (signal) => {
    if (current !== undefined) {
      const c = await current.catch(() => undefined)
      if (c !== undefined && c.info.state !== 'closed') return c
      current = undefined
    }
    const building = tunnels.build({ hops: 1, purpose: 'delegate', lastHop: to(), signal })
    current = building
    building.catch(() => { if (current === building) current = undefined })
    return await building
  }
}

export class DelegatedNetwork implements ServiceNetwork {
  readonly remote: RemoteServiceNetwork

  constructor (private readonly local: ServiceNetwork, circuit: (signal?: AbortSignal) => Promise<Circuit>,
    private readonly log: (message: string) => void = () => {}) {
    this.remote = new RemoteServiceNetwork({ self: local.self, circuit })
  }

  get self (): Contact { return this.local.self }

  async closest (key: Buffer, opts: ClosestOptions = {}): Promise<Contact[]> {
    return await this.delegated(async () => await this.remote.closest(key, opts), async () => await this.local.closest(key, opts), opts.signal)
  }

  async findValue (key: Buffer, kind: number, opts: FindValueOptions = {}): Promise<FoundValue | undefined> {
    return await this.delegated(async () => await this.remote.findValue(key, kind, opts), async () => await this.local.findValue(key, kind, opts), opts.signal)
  }

  nearest (key: Buffer, count: number): Contact[] { return this.local.nearest?.(key, count) ?? [] }
  requestTimeoutMs (to: Contact): number { return this.local.requestTimeoutMs?.(to) ?? 5000 }

  async request (to: Contact, service: string, payload: Uint8Array, opts?: { signal?: AbortSignal, timeoutMs?: number }): Promise<Buffer> {
    return await this.local.request(to, service, payload, opts)
  }

  async openStream (to: Contact, service: string, opts?: { signal?: AbortSignal }): Promise<Duplex> {
    return await this.local.openStream(to, service, opts)
  }

  registerService (service: string, handler: ServiceHandler): void { this.local.registerService(service, handler) }

  registerValueProvider (kind: number, provider: ValueProvider): void {
    this.local.registerValueProvider(kind, provider)
    // Only to check the values the delegate brings back (the remote network registers nothing).
    this.remote.registerValueProvider(kind, provider)
  }

  private async delegated<T> (remote: () => Promise<T>, local: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await remote()
    } catch (err) {
      if (signal?.aborted === true) throw err
      this.log(`the delegate could not run a lookup (${(err as Error).message}); running it here`)
      return await local()
    }
  }
}
