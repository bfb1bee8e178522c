import { TORNET_SUFFIX } from '../node/index.js'
import { resolveError, ResolverErrorCode } from './errors.js'
import type { Resolver, ResolveTarget } from './types.js'

/** A resolver that can also answer from its cache without waiting (see TorNetResolver.resolveCached). */
export interface CachingResolver extends Resolver {
  resolveCached?: (host: string) => ResolveTarget | undefined
}

/**
 * The one resolver the gateway and the CLI use: picks the scheme by suffix
 * (`.tor-net`, `.bit`) and normalises the host first (lowercase, no trailing
 * dot, no port). A `.bit` host with no Namecoin backend configured gets an
 * error that says how to configure one.
 */
export class ResolverChain implements CachingResolver {
  constructor (private readonly schemes: { torNet: CachingResolver, bit?: CachingResolver }) {}

  /**
   * resolve(host)'s answer when a scheme has it cached, else undefined. For
   * the gateway's hot path: `host` must already be normalised (lowercase, no
   * port or trailing dot); another spelling just misses.
   */
  resolveCached (host: string): ResolveTarget | undefined {
    if (host.endsWith(TORNET_SUFFIX)) return this.schemes.torNet.resolveCached?.(host)
    if (host.endsWith('.bit')) return this.schemes.bit?.resolveCached?.(host)
    return undefined
  }

  async resolve (host: string, opts: { signal?: AbortSignal, isolation?: string } = {}): Promise<ResolveTarget> {
    const h = normaliseHost(host)
    if (h.endsWith(TORNET_SUFFIX)) return await this.schemes.torNet.resolve(h, opts)
    if (h.endsWith('.bit')) {
      if (this.schemes.bit === undefined) {
        throw resolveError(ResolverErrorCode.unavailable, `${h}: no Namecoin backend is configured. Add "namecoin": { "backend": "electrumx", "electrumx": { "servers": ["host:50002:s"] } } (or a Namecoin Core "rpc" backend) to config.json`)
      }
      return await this.schemes.bit.resolve(h, opts)
    }
    throw resolveError(ResolverErrorCode.notTornet, `${h} is not a Tornet (.tor-net) or Namecoin (.bit) host`)
  }
}

export function normaliseHost (host: string): string {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[')) return h // IPv6 literal: never a Tornet host
  const colon = h.lastIndexOf(':')
  if (colon !== -1 && h.indexOf(':') === colon) h = h.slice(0, colon)
  if (h.endsWith('.')) h = h.slice(0, -1)
  return h
}
