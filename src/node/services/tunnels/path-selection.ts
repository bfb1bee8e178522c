import { isIPv4, isIPv6 } from 'node:net'
import type { Contact } from '../../routing/contact.js'
import type { Endpoint } from '../../types.js'
import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * Picks the relays of a circuit (pure: the candidates and the randomness come
 * from the caller). Tor's rules, scaled to Tornet: a relay must have proved
 * its rank (an identity costs work, so a Sybil flood costs work too), no two
 * hops may sit in the same /16 (one operator's address block cannot see both
 * ends), and no relay appears twice.
 *
 * Loopback addresses (every node of a local test network is 127.0.0.1) would
 * all share one /16; they are told apart by port instead, so a test network
 * builds real 3-hop circuits while the rule still holds for real addresses.
 */
export interface PathOptions {
  hops: number
  minRank: number
  /** This node's id: never a hop of its own circuit. */
  self: Buffer
  lastHop?: Contact
  exclude?: Buffer[]
  /** A number in [0, 1) (Math.random by default; tests fix it). */
  random?: () => number
}

/** The "network" a relay sits in for the distinctness rule: its /16 (IPv4), /32 (IPv6), or address:port on loopback. */
export function networkOf (e: Endpoint): string {
  const a = e.address
  if (isIPv4(a)) {
    const [o1, o2] = a.split('.')
    if (o1 === '127') return `loopback:${e.port}`
    return `v4:${o1}.${o2}`
  }
  if (isIPv6(a)) {
    if (a === '::1') return `loopback:${e.port}`
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
    if (mapped !== null) return networkOf({ address: mapped[1], port: e.port })
    const groups = expandV6(a)
    return `v6:${groups[0]}:${groups[1]}`
  }
  // Not an IP address (in-memory test transports): no network to share, each endpoint stands alone.
  return `other:${a}:${e.port}`
}

function expandV6 (a: string): string[] {
  const [head, tail] = a.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === undefined || tail === '' ? [] : tail.split(':')
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0')
  return [...h, ...fill, ...t].map(g => g.toLowerCase().replace(/^0+(?=.)/, ''))
}

/** Whether `c` can carry a circuit hop at all: a verified key, enough rank, not us, not excluded. */
export function usableRelay (c: Contact, opts: Pick<PathOptions, 'minRank' | 'self' | 'exclude'>): boolean {
  if (c.id.length !== 32 || c.publicKey?.length !== 32) return false
  if (c.rank < opts.minRank) return false
  if (c.id.equals(opts.self)) return false
  return !(opts.exclude ?? []).some(x => x.equals(c.id))
}

/**
 * `hops` relays, entry first; `lastHop` (when given) is the last one and
 * counts for the rules like any other. Throws TunnelError NO_RELAYS when the
 * candidates cannot fill the path.
 */
export function selectPath (candidates: Contact[], opts: PathOptions): Contact[] {
  const random = opts.random ?? Math.random
  if (!Number.isInteger(opts.hops) || opts.hops < 1) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `a circuit needs at least one hop (asked for ${opts.hops})`)
  }
  const usedIds = new Set<string>()
  const usedNets = new Set<string>()
  const take = (c: Contact): void => { usedIds.add(c.id.toString('hex')); usedNets.add(networkOf(c.endpoint)) }
  if (opts.lastHop !== undefined) take(opts.lastHop)
  const pool = candidates.filter(c => usableRelay(c, opts))
  // Fisher–Yates with the caller's randomness, so picks are uniform and tests repeatable.
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  const wanted = opts.lastHop === undefined ? opts.hops : opts.hops - 1
  const path: Contact[] = []
  for (const c of pool) {
    if (path.length >= wanted) break
    if (usedIds.has(c.id.toString('hex')) || usedNets.has(networkOf(c.endpoint))) continue
    take(c)
    path.push(c)
  }
  if (path.length < wanted) {
    throw new TunnelError(TunnelErrorCode.NO_RELAYS,
      `only ${path.length} of the ${wanted} relays a ${opts.hops}-hop circuit needs are known (rank ≥ ${opts.minRank}, distinct /16 networks): ` +
      'let the node join the network longer (tornet peers), or ask for fewer hops')
  }
  if (opts.lastHop !== undefined) path.push(opts.lastHop)
  return path
}
