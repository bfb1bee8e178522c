import { DASHBOARD_HOST, MAIL_HOST, SEARCH_HOST, TORNET_SUFFIX, TtlCache, parseKeyHost } from '../node/index.js'
import { resolveError, ResolverErrorCode, isResolveError } from './errors.js'
import type { Resolver, ResolveTarget } from './types.js'

/**
 * `.tor-net` hosts:
 *   tornet.tor-net            → the gateway's own dashboard
 *   <reference>.tor-net       → content, addressed directly (two base32 labels)
 *   <service key>.tor-net     → a hidden service by its own key (one checked base32
 *                               label of 56: src/node/services/tunnels/hidden-address.ts)
 *   <name>.tor-net            → the Tornet name registry's record for <name>
 *   <sub>.<name>.tor-net      → the name's content, under the directory <sub>/
 *                               (a site's sub-domains are its top-level folders)
 * Names are looked up through an injected function (the names service), so
 * this file knows nothing of the network. Found names are cached for
 * `cacheTtlMs`, missing ones for `negativeTtlMs`; resolveCached() answers
 * from those caches without waiting (the gateway's path for a page served
 * before).
 */
export type NameTarget =
  | { kind: 'content', reference: string }
  | { kind: 'hidden-service', publicKey: string }
  | { kind: 'mailbox', publicKey: string }
  | { kind: 'station', publicKey: string }

export interface TorNetResolverOptions {
  /** `isolation`: the proxy user name, when the caller had one (lookups through a circuit for it). */
  lookupName: (name: string, signal?: AbortSignal, isolation?: string) => Promise<NameTarget | undefined>
  isReferenceHost: (hostPart: string) => boolean
  cacheTtlMs?: number
  negativeTtlMs?: number
  maxCacheEntries?: number
  now?: () => number
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

interface HostEntry {
  target: ResolveTarget
  /** For a name: the name and the cache entry the target came from, which must still be current. */
  name?: string
  record?: NameTarget
}

const GATEWAY_TARGET: ResolveTarget = Object.freeze({ kind: 'gateway' })

export class TorNetResolver implements Resolver {
  private readonly cache: TtlCache<string, NameTarget | null>
  // Host → its answer, so that a repeated host costs one map lookup instead of parsing (and, for a
  // reference, base32-decoding and checksumming) it again. Bounded like the name cache.
  private readonly hosts = new Map<string, HostEntry>()
  private readonly maxHosts: number
  private readonly ttl: number
  private readonly negativeTtl: number

  constructor (private readonly opts: TorNetResolverOptions) {
    this.maxHosts = opts.maxCacheEntries ?? 10_000
    this.cache = new TtlCache({ maxEntries: this.maxHosts, now: opts.now })
    this.ttl = opts.cacheTtlMs ?? 60_000
    this.negativeTtl = opts.negativeTtlMs ?? 15_000
  }

  /**
   * What resolve(host) would answer now, when that needs no lookup: a
   * reference or the gateway host seen before, or a name whose cache entry
   * is still live. Undefined otherwise (and for every error).
   */
  resolveCached (host: string): ResolveTarget | undefined {
    const entry = this.hosts.get(host)
    if (entry === undefined) return undefined
    if (entry.name !== undefined && this.cache.get(entry.name) !== entry.record) {
      this.hosts.delete(host) // the name expired or changed: look it up again
      return undefined
    }
    return entry.target
  }

  async resolve (host: string, opts: { signal?: AbortSignal, isolation?: string } = {}): Promise<ResolveTarget> {
    const known = this.resolveCached(host)
    if (known !== undefined) return known
    if (!host.endsWith(TORNET_SUFFIX)) throw resolveError(ResolverErrorCode.notTornet, `${host} is not a .tor-net host`)
    if (host === DASHBOARD_HOST || host === MAIL_HOST || host === SEARCH_HOST) return this.remember(host, { target: GATEWAY_TARGET })
    const rest = host.slice(0, -TORNET_SUFFIX.length)
    if (rest.length === 0) throw resolveError(ResolverErrorCode.invalidName, 'empty .tor-net name')
    if (this.opts.isReferenceHost(host)) return this.remember(host, { target: { kind: 'content', reference: rest } })
    const key = parseKeyHost(rest)
    if (key.kind === 'key') return this.remember(host, { target: { kind: 'hidden-service', publicKey: key.publicKey.toString('hex') } })
    // No name has this shape, so a lookup could only fail later and vaguer.
    if (key.kind === 'bad') throw resolveError(ResolverErrorCode.invalidName, `${host} is not a valid hidden-service address: ${key.why}`)
    const labels = rest.split('.')
    if (!labels.every(l => LABEL.test(l))) {
      throw resolveError(ResolverErrorCode.invalidName, `"${host}" is not a valid .tor-net name: use letters, digits and hyphens`)
    }
    const name = labels[labels.length - 1]
    const sub = labels.slice(0, -1).reverse()
    const record = await this.lookup(name, opts.signal, opts.isolation)
    if (sub.length === 0) {
      return this.remember(host, { name, record, target: record.kind === 'content' ? { kind: 'content', reference: record.reference } : { ...record } })
    }
    if (record.kind !== 'content') {
      throw resolveError(ResolverErrorCode.notFound, `${name}.tor-net names a ${record.kind}, which has no sub-domains`)
    }
    return this.remember(host, { name, record, target: { kind: 'content', reference: record.reference, path: '/' + sub.join('/') + '/' } })
  }

  private remember (host: string, entry: HostEntry): ResolveTarget {
    // Targets are shared by every request for the host from now on: nobody may change them.
    Object.freeze(entry.target)
    if (this.hosts.size >= this.maxHosts) this.hosts.delete(this.hosts.keys().next().value as string)
    this.hosts.set(host, entry)
    return entry.target
  }

  private async lookup (name: string, signal?: AbortSignal, isolation?: string): Promise<NameTarget> {
    const cached = this.cache.get(name)
    if (cached === null) throw notFound(name)
    if (cached !== undefined) return cached
    let found: NameTarget | undefined
    try {
      found = await this.opts.lookupName(name, signal, isolation)
    } catch (err) {
      if (isResolveError(err)) throw err
      throw resolveError(ResolverErrorCode.unavailable, `could not look up ${name}.tor-net on the network: ${(err as Error).message}`, err)
    }
    if (found === undefined) {
      this.cache.set(name, null, this.negativeTtl)
      throw notFound(name)
    }
    this.cache.set(name, found, this.ttl)
    return found
  }
}

function notFound (name: string): Error {
  return resolveError(ResolverErrorCode.notFound, `${name}.tor-net is not registered (or its registration expired). Check the spelling; a name's owner registers it with "tornet name register".`)
}
