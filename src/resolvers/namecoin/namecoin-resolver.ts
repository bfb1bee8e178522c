import { TORNET_SUFFIX } from '../../node/index.js'
import type { Resolver, ResolveTarget } from '../types.js'
import { RESOLVE_ERRORS } from '../types.js'
import { resolveError } from '../errors.js'
import { CachingNameSource } from './caching-name-source.js'
import { DEFAULT_DOMAIN_LIMITS, absoluteName, walkDomain, type DomainLimits, type FetchValue, type NsDelegation, type WalkResult } from './domain-lookup.js'
import { DomainValueError, isDnsLabel, isDnsName, isValidDomainName } from './domain-record.js'
import { createNameSource, validateNamecoinConfig, type NameSourceContext, type NamecoinConfig } from './namecoin-config.js'
import type { NameRecord, NameSource } from './name-source.js'

/**
 * `<name>.bit` → the `d/<name>` record → a ResolveTarget, per ifa-0001:
 *
 * - `sub.example.bit` walks d/example's `map` (explicit label, then "*");
 * - a `tornet` item wins: a Tornet reference → { kind: 'content' }, a
 *   `<name>.tor-net` → whatever the injected .tor-net resolver says;
 * - else DNS items, after suppression (an `ns` delegation above the target
 *   suppresses them except glue; `translate` at the target suppresses them;
 *   `alias` suppresses ip/ip6): `alias` is followed (.bit targets inside
 *   Namecoin, with loop detection; other names as below), ip/ip6 →
 *   { kind: 'clearnet', host, addresses };
 * - else tor/i2p/freenet → { kind: 'unsupported' } with a message for a page;
 * - a delegation to DNS nameservers → { kind: 'unsupported', network: 'dns' }.
 *
 * A record never yields the gateway's own pages (tornet.tor-net): that is an
 * invalid record, not a way to serve the dashboard under a .bit origin.
 *
 * Alias targets outside .bit: `.tor-net` → the .tor-net resolver, `.onion` /
 * `.i2p` → unsupported, anything else → { kind: 'clearnet', host: target,
 * addresses: [] } (a CNAME: addresses to be looked up in ordinary DNS).
 *
 * Values of names are cached (positive and negative TTLs) in front of the
 * backend, so imports and aliases share the cache.
 */

export interface NamecoinResolverOptions {
  source: NameSource
  /** How long a found name is remembered; default 10 minutes; 0 disables the cache. */
  cacheTtlMs?: number
  /** How long "no such name"/"expired" is remembered; default min(cacheTtlMs, 60 s). */
  negativeCacheTtlMs?: number
  maxCacheEntries?: number
  /** Resolves `<name>.tor-net` for `tornet` items and aliases that name one. */
  torNetResolver?: Resolver
  /** Tells a Tornet reference (the labels before ".tor-net") from a Tornet name. */
  isTornetReference?: (hostPart: string) => boolean
  limits?: Partial<DomainLimits>
  /** Aliases and translations followed for one host; default 8. */
  maxAliasHops?: number
  now?: () => number
}

export interface NamecoinResolution {
  target: ResolveTarget
  /** The .bit hosts visited, the requested one first (more than one when aliases were followed). */
  hosts: string[]
  /** The d/ record of the requested host. */
  record: NameRecord & { name: string }
  /** Items of the record(s) that were invalid and ignored, imports that failed, … */
  warnings: string[]
}

/**
 * Default test for "is this a Tornet reference?": only lowercase base32
 * labels, at least 100 characters in all (the content layer writes a
 * reference as two labels of 56). It cannot check the reference's version
 * and checksum: inject the content layer's `isReferenceHost` instead
 * (src/resolvers may not import src/node/services).
 */
export function looksLikeTornetReference (hostPart: string): boolean {
  const labels = hostPart.split('.')
  return labels.every(l => l.length > 0 && l.length <= 63 && /^[a-z2-7]+$/.test(l)) && labels.join('').length >= 100
}

type Step = { target: ResolveTarget } | { follow: string }

export class NamecoinResolver implements Resolver {
  private readonly source: CachingNameSource
  private readonly limits: DomainLimits
  private readonly maxAliasHops: number
  private readonly isReference: (hostPart: string) => boolean

  constructor (private readonly opts: NamecoinResolverOptions) {
    const ttlMs = opts.cacheTtlMs ?? 10 * 60_000
    this.source = new CachingNameSource(opts.source, {
      ttlMs,
      negativeTtlMs: opts.negativeCacheTtlMs ?? Math.min(ttlMs, 60_000),
      maxEntries: opts.maxCacheEntries,
      now: opts.now
    })
    this.limits = { ...DEFAULT_DOMAIN_LIMITS, ...opts.limits }
    this.maxAliasHops = opts.maxAliasHops ?? 8
    this.isReference = opts.isTornetReference ?? looksLikeTornetReference
  }

  static fromConfig (config: NamecoinConfig, extras: Omit<NamecoinResolverOptions, 'source' | 'cacheTtlMs' | 'negativeCacheTtlMs'> = {}, ctx: NameSourceContext = {}): NamecoinResolver {
    const c = validateNamecoinConfig(config)
    return new NamecoinResolver({ ...extras, source: createNameSource(c, ctx), cacheTtlMs: c.cacheTtlMs, negativeCacheTtlMs: c.negativeCacheTtlMs })
  }

  /** The backend, uncached (ElectrumxSource or NamecoinRpcSource), for status pages and `tornet resolve`. */
  get backend (): NameSource { return this.opts.source }

  async resolve (host: string, opts?: { signal?: AbortSignal }): Promise<ResolveTarget> {
    return (await this.resolveDetailed(host, opts)).target
  }

  /** Like resolve(), with the record and the warnings (for the CLI and the dashboard). */
  async resolveDetailed (host: string, opts: { signal?: AbortSignal } = {}): Promise<NamecoinResolution> {
    const signal = opts.signal
    const requested = host.toLowerCase().replace(/\.$/, '')
    const hosts: string[] = []
    const warnings: string[] = []
    let record: (NameRecord & { name: string }) | undefined
    let current = requested
    for (;;) {
      if (hosts.includes(current)) {
        throw resolveError(RESOLVE_ERRORS.invalidRecord, `${requested}: alias loop ${[...hosts, current].join(' → ')}.`)
      }
      if (hosts.length > this.maxAliasHops) {
        throw resolveError(RESOLVE_ERRORS.invalidRecord, `${requested}: more than ${this.maxAliasHops} aliases (${hosts.join(' → ')}).`)
      }
      hosts.push(current)
      const { name, sub } = this.splitHost(current, hosts.length === 1 ? undefined : requested)
      const rec = await this.fetchRecord(name, requested, current, signal)
      record ??= { ...rec, name: `d/${name}` }
      let walk: WalkResult
      try {
        walk = await walkDomain(name, sub, rec.value, this.fetchValue, { limits: this.limits, signal })
      } catch (err) {
        if (err instanceof DomainValueError) {
          throw resolveError(RESOLVE_ERRORS.invalidRecord, `${current}: the Namecoin record d/${name} is unusable: ${err.message}.`)
        }
        throw err
      }
      warnings.push(...walk.warnings)
      const step = await this.interpret(walk, current, requested, signal)
      if ('target' in step) return { target: step.target, hosts, record, warnings }
      if (step.follow === 'bit' || step.follow.endsWith('.bit')) { current = step.follow; continue }
      return { target: await this.outside(step.follow, requested, signal), hosts, record, warnings }
    }
  }

  /** Closes backend connections (ElectrumX); the resolver reconnects when used again. */
  async close (): Promise<void> {
    const inner = this.opts.source as Partial<{ close: () => void | Promise<void> }>
    await inner.close?.()
  }

  private readonly fetchValue: FetchValue = async (name, signal) => {
    const rec = await this.source.nameShow(name, signal)
    if (rec === undefined) return undefined
    if (rec.expiresIn !== undefined && rec.expiresIn <= 0) throw resolveError(RESOLVE_ERRORS.expired, `The Namecoin name ${name} has expired.`)
    return rec.value
  }

  private splitHost (host: string, aliasOf: string | undefined): { name: string, sub: string[] } {
    const bad = (why: string): never => {
      if (aliasOf !== undefined) throw resolveError(RESOLVE_ERRORS.invalidRecord, `${aliasOf} points to ${host}, which is not a valid .bit name: ${why}.`)
      throw resolveError(RESOLVE_ERRORS.invalidName, `${host} is not a valid .bit name: ${why}.`)
    }
    if (host === 'bit') bad('there is no name before .bit')
    if (!host.endsWith('.bit')) throw resolveError(RESOLVE_ERRORS.notTornet, `${host} is not a .bit name.`)
    if (host.length > 253) bad('longer than 253 characters')
    const labels = host.slice(0, -'.bit'.length).split('.')
    const name = labels.pop() as string
    if (!isValidDomainName(name)) {
      bad(`"${name}" is not a Namecoin domain (lowercase letters, digits and single hyphens, at most 63 characters, not only digits)`)
    }
    for (const label of labels) {
      if (!isDnsLabel(label)) bad(`"${label}" is not a DNS label`)
    }
    return { name, sub: labels }
  }

  private async fetchRecord (name: string, requested: string, current: string, signal?: AbortSignal): Promise<NameRecord> {
    const via = current === requested ? requested : `${requested} (an alias of ${current})`
    const rec = await this.source.nameShow(`d/${name}`, signal)
    if (rec === undefined) {
      throw resolveError(RESOLVE_ERRORS.notFound, `${via}: no Namecoin name d/${name} is registered.`)
    }
    if (rec.expiresIn !== undefined && rec.expiresIn <= 0) {
      throw resolveError(RESOLVE_ERRORS.expired, `${via}: the Namecoin name d/${name} has expired (last updated at block ${rec.height}).`)
    }
    return rec
  }

  private async interpret (walk: WalkResult, host: string, requested: string, signal?: AbortSignal): Promise<Step> {
    if (walk.kind === 'translate') return { follow: walk.host }
    if (walk.kind === 'nxdomain') {
      if (walk.ns !== undefined) return { target: dnsDelegation(host, walk.ns) }
      throw resolveError(RESOLVE_ERRORS.notFound, `${host}: ${walk.fqdn} has no "${walk.missing}" entry (nor "*") in its Namecoin map.`)
    }
    const { items } = walk.node
    if (items.tornet !== undefined) return { target: await this.tornetTarget(items.tornet, host, signal) }
    const glue = walk.ns?.servers.includes(walk.fqdn) === true
    if ((walk.ns === undefined || glue) && items.translate === undefined) {
      if (items.alias !== undefined) return { follow: absoluteName(items.alias, walk.base, walk.apex) }
      const addresses = [...items.ip ?? [], ...items.ip6 ?? []]
      if (addresses.length > 0) return { target: { kind: 'clearnet', host: requested, addresses } }
    }
    if (items.tor !== undefined && items.tor.length > 0) {
      return { target: unsupported('tor', items.tor[0], `${host} points to the Tor onion service ${items.tor[0]}. Tornet does not carry Tor traffic: open http://${items.tor[0]}/ in Tor Browser.`) }
    }
    if (items.i2p !== undefined && items.i2p.length > 0) {
      return { target: unsupported('i2p', items.i2p[0], `${host} points to the I2P site ${items.i2p[0]}. Tornet does not carry I2P traffic: open it through an I2P router.`) }
    }
    if (items.freenet !== undefined) {
      return { target: unsupported('freenet', items.freenet, `${host} points to the Freenet/Hyphanet key ${items.freenet}. Open it through a Freenet node.`) }
    }
    if (walk.ns !== undefined) return { target: dnsDelegation(host, walk.ns) }
    const detail = walk.warnings.length > 0 ? ` Ignored: ${walk.warnings.slice(0, 5).join('; ')}${walk.warnings.length > 5 ? '; …' : ''}` : ''
    const what = items.translate !== undefined ? `only translates the names below it (to ${items.translate})` : 'has no address Tornet can use (no tornet, ip, ip6, alias, tor or i2p item)'
    throw resolveError(RESOLVE_ERRORS.invalidRecord, `${host}: the Namecoin record ${what}.${detail}`)
  }

  private async tornetTarget (value: string, host: string, signal?: AbortSignal): Promise<ResolveTarget> {
    const slash = value.indexOf('/')
    const hostPart = (slash === -1 ? value : value.slice(0, slash)).toLowerCase().replace(/\.$/, '')
    const path = slash === -1 || slash === value.length - 1 ? undefined : value.slice(slash)
    const inner = hostPart.endsWith(TORNET_SUFFIX) ? hostPart.slice(0, -TORNET_SUFFIX.length) : hostPart
    if (inner !== '' && this.isReference(inner)) {
      return path === undefined ? { kind: 'content', reference: inner } : { kind: 'content', reference: inner, path }
    }
    if (inner === '' || !isDnsName(inner) || inner.endsWith('.')) {
      throw resolveError(RESOLVE_ERRORS.invalidRecord, `${host}: the "tornet" item ${JSON.stringify(value)} is neither a Tornet reference nor a <name>.tor-net name.`)
    }
    const target = await this.viaTorNet(inner + TORNET_SUFFIX, host, signal)
    return path !== undefined && target.kind === 'content' && target.path === undefined ? { ...target, path } : target
  }

  private async viaTorNet (torNetHost: string, host: string, signal?: AbortSignal): Promise<ResolveTarget> {
    if (this.opts.torNetResolver === undefined) {
      throw resolveError(RESOLVE_ERRORS.invalidRecord, `${host} points to the Tornet name ${torNetHost}, but no .tor-net resolver is configured to follow it.`)
    }
    const target = await this.opts.torNetResolver.resolve(torNetHost, { signal })
    // tornet.tor-net is this machine's own dashboard. A record pointing there would put the
    // dashboard (its CSRF token, peers, published references) under the record's origin,
    // readable by that origin's scripts: no record may name a local page.
    if (target.kind === 'gateway') {
      throw resolveError(RESOLVE_ERRORS.invalidRecord, `${host} points to ${torNetHost}, the gateway's own pages, which no name may point to.`)
    }
    return target
  }

  /** An alias or translation target outside .bit. */
  private async outside (target: string, requested: string, signal?: AbortSignal): Promise<ResolveTarget> {
    if (target === 'tor-net' || target.endsWith(TORNET_SUFFIX)) {
      const inner = target.slice(0, -TORNET_SUFFIX.length)
      if (inner !== '' && this.isReference(inner)) return { kind: 'content', reference: inner }
      return await this.viaTorNet(target, requested, signal)
    }
    if (target.endsWith('.onion')) return unsupported('tor', target, `${requested} is an alias of the Tor onion service ${target}. Open http://${target}/ in Tor Browser.`)
    if (target.endsWith('.i2p')) return unsupported('i2p', target, `${requested} is an alias of the I2P site ${target}. Open it through an I2P router.`)
    return { kind: 'clearnet', host: target, addresses: [] }
  }
}

function unsupported (network: string, address: string, message: string): ResolveTarget {
  return { kind: 'unsupported', network, address, message }
}

function dnsDelegation (host: string, ns: NsDelegation): ResolveTarget {
  return unsupported('dns', ns.servers.join(' '),
    `${host} is delegated (from ${ns.owner}) to the DNS servers ${ns.servers.join(', ')}, which Tornet does not query. ` +
    'Use a Namecoin DNS resolver such as ncdns to open it.')
}
