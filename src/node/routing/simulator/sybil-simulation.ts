import { sha256 } from '../../crypto/hash.js'
import { makeContact, roundTripsTo, type Contact } from '../contact.js'
import { runLookup, updateFailureRate, type LookupRequest, type QueryResult } from '../lookup.js'
import { networkRttSample, RequestTimeouts } from '../request-timeouts.js'
import { commonPrefixLength, idFingerprint } from '../distance.js'
import { CompactNetwork } from './compact-network.js'
import { LatencyModel } from './latency-model.js'
import { Prng } from './prng.js'
import { VirtualClock } from './virtual-clock.js'

/**
 * Sybil and eclipse attacks on a converged network, through the real lookup
 * runner (lookup.ts) on a virtual clock. An attacker holds `fraction` of the
 * node ids; its nodes collude:
 *
 *  - to every request they answer with the colluders closest to the target
 *    (never an honest node: the real providers are never named), and to a
 *    FIND_VALUE, `garbageShare` of the time, with a garbage value instead;
 *  - with `fabricate`, half of the contacts they name are made up: ids a few
 *    bits from the target (free to make, but with no rank proof behind them),
 *    at addresses where nobody answers for them — the link refuses a peer
 *    below the network's minimum rank, one round trip later.
 *
 * Attack "garbage": the target is a chunk id (the SHA-256 of a random value)
 * stored on the honest nodes among its k closest; the attacker's ids are
 * spread at random (an id is the hash of a key: it cannot be chosen). A
 * lookup succeeds when it returns a value whose hash is the chunk id.
 *
 * Attack "eclipse": the target is an honest node's id. The attacker grinds
 * `grindIds` of its ids to share `grindBits` leading bits with it (keys
 * drawn until the id's prefix matches: 2^grindBits key pairs each) so that
 * they crowd the buckets that hold the target, and mines them to
 * `attackerRank`. Tables keep a full bucket's best members as RoutingTable
 * does: higher rank first, then the longer connected (the target and its
 * honest neighbours were there first). A lookup succeeds when the target is
 * among the k closest it reports.
 *
 * Honest nodes mine the network's minimum rank: their ranks run minRank,
 * minRank + 1, … with probability 1/2, 1/4, … (a miner stops at the first
 * nonce that reaches the minimum, which sometimes has more zero bits).
 */
export interface SybilOptions {
  attack: 'garbage' | 'eclipse'
  size: number
  fraction: number
  lookups: number
  seed: number
  k: number
  alpha: number
  loss: number
  minRank: number
  attackerRank: number
  /** FIND_VALUE answers from the attacker that are a garbage value rather than contacts. */
  garbageShare: number
  fabricate: boolean
  /** Verify a value against the chunk id before stopping on it (as the chunk provider's validate does). */
  verify: boolean
  /** Disjoint lookup paths (LookupOptions.paths). */
  paths: number
  /** Drop contacts whose rank proof is below minRank before asking them (needs nonces in replies). */
  checkRank: boolean
  /**
   * How a full bucket picks its members. 'earned' (RoutingTable today): the
   * longer connected first, rank among equals — a higher rank alone never
   * evicts. 'rank' (before): rank first, then time connected, so ids mined a
   * bit above the network push long-lived members out.
   */
  admission: 'earned' | 'rank'
  /** Eclipse: the rank the ground ids are mined to (default attackerRank). */
  groundRank?: number
  /** Eclipse: attacker ids ground near the target (at most the attacker's ids). */
  grindIds: number
  /** Eclipse: leading bits they share with the target; default ceil(log2(size / k)) + 2. */
  grindBits?: number
}

export const DEFAULT_SYBIL: SybilOptions = {
  attack: 'garbage',
  size: 10_000,
  fraction: 0.1,
  lookups: 500,
  seed: 1,
  k: 20,
  alpha: 3,
  loss: 0.01,
  minRank: 21,
  attackerRank: 21,
  garbageShare: 0.5,
  fabricate: true,
  verify: true,
  paths: 1,
  checkRank: false,
  admission: 'earned',
  grindIds: 40
}

export interface SybilReport {
  lookups: number
  /** Share of honest lookups that succeeded (see above). */
  success: number
  attackerIds: number
  /** Attacker ids ground near the target (eclipse). */
  groundIds: number
  grindBits: number
  /** Expected hashes to mine every attacker id to its rank: ids × 2^rank. */
  rankHashes: number
  /** Expected key pairs drawn to grind the ids near the target: groundIds × 2^grindBits. */
  grindKeys: number
  queriesMean: number
  elapsedMsP50: number
}

/** The simulator never checks keys: one placeholder stands for every node's key. */
const SIM_KEY = Buffer.alloc(32)

export async function simulateSybil (options: Partial<SybilOptions> = {}): Promise<SybilReport> {
  const o: SybilOptions = { ...DEFAULT_SYBIL, ...options }
  const prng = new Prng(o.seed)
  const world = buildWorld(o, prng)
  const { net, evil, colluders, rank } = world
  const latency = new LatencyModel({ seed: o.seed })
  const clock = new VirtualClock()
  const globalRtt = networkRttSample()
  let failureRate = 0
  let successes = 0
  let queries = 0
  const elapsed: number[] = []
  const honest: number[] = []
  for (let i = 0; i < net.size; i++) if (evil[i] === 0) honest.push(i)

  for (let n = 0; n < o.lookups; n++) {
    let origin = honest[prng.int(honest.length)]
    while (origin === world.targetIndex) origin = honest[prng.int(honest.length)]
    let target: Buffer
    let value: Buffer | undefined
    const holders = new Set<number>()
    if (o.attack === 'garbage') {
      value = prng.bytes(64)
      target = sha256(value)
      for (const i of net.trueClosest(target, o.k, false)) if (evil[i] === 0) holders.add(i)
    } else {
      target = net.id(world.targetIndex)
    }
    const indexOf = new WeakMap<Contact, number>()
    const contactFor = (i: number): Contact => {
      const c = makeContact(net.id(i), simEndpoint(i), { publicKey: SIM_KEY, rank: rank[i], nonce: SIM_NONCE })
      indexOf.set(c, i)
      return c
    }
    let fakes = 0
    const fabricated = (): Contact => {
      // A made-up id a few bits from the target: closer than anything real, free to make, no rank proof.
      const id = prng.bytes(32)
      target.copy(id, 0, 0, 8)
      return makeContact(id, { address: `198.18.${(fakes >> 8) & 255}.${fakes++ & 255}`, port: 9000 }, { publicKey: SIM_KEY, rank: 0, nonce: SIM_NONCE })
    }
    const rtt = new RequestTimeouts({}, globalRtt)
    const seeds = net.closest(origin, target, o.k).map(contactFor)
    for (const s of seeds) rtt.primePeer(s.id.toString('hex'), 2 * latency.base(origin, indexOf.get(s) as number))

    const query = async (contact: Contact, req: LookupRequest, signal: AbortSignal): Promise<QueryResult> => {
      queries++
      const peer = indexOf.get(contact)
      return await new Promise<QueryResult>((resolve, reject) => {
        const onAbort = (): void => { reject(new Error('aborted')) }
        if (signal.aborted) { onAbort(); return }
        signal.addEventListener('abort', onAbort, { once: true })
        const settle = (ms: number, f: () => void): void => {
          clock.setTimer(ms, () => { signal.removeEventListener('abort', onAbort); if (!signal.aborted) f() })
        }
        if (peer === undefined) {
          // Nobody holds that id's key with a valid rank: the handshake is refused after a round trip.
          settle(2 * latency.sample(origin, net.size + fakes, prng.normal()), () => { reject(new Error('handshake refused: rank below minimum')) })
          return
        }
        if (prng.float() < o.loss || prng.float() < o.loss) return
        const ms = 1 + latency.sample(origin, peer, prng.normal()) + latency.sample(origin, peer, prng.normal())
        const known = new Set(req.known)
        let reply: QueryResult
        if (evil[peer] === 1) {
          if (req.kind !== 0 && prng.float() < o.garbageShare) {
            reply = { contacts: [], value: prng.bytes(64) }
          } else {
            const picked = net.closestAmong(colluders, target, req.count, origin).filter(i => !known.has(idFingerprint(net.id(i))))
            const contacts = picked.map(contactFor)
            if (o.fabricate && !o.checkRank) for (let j = 0; j < contacts.length; j += 2) contacts[j] = fabricated()
            reply = { contacts }
          }
        } else if (req.kind !== 0 && holders.has(peer) && value !== undefined) {
          reply = { contacts: [], value }
        } else {
          const picked = net.closest(peer, target, req.count, origin).filter(i => !known.has(idFingerprint(net.id(i))))
          reply = { contacts: picked.map(contactFor) }
        }
        settle(ms, () => { resolve(reply) })
      })
    }

    const t = target
    const result = await clock.drive(runLookup({
      target,
      kind: o.attack === 'garbage' ? 1 : 0,
      seeds,
      query,
      clock,
      rtt,
      self: net.id(origin),
      k: o.k,
      alpha: o.alpha,
      failureRate,
      roundTrips: roundTripsTo,
      paths: o.paths,
      acceptValue: o.verify ? v => sha256(v).equals(t) : undefined,
      admitContact: o.checkRank ? c => c.rank >= o.minRank : undefined
    }))
    failureRate = updateFailureRate(failureRate, result)
    elapsed.push(result.elapsedMs)
    const ok = o.attack === 'garbage'
      ? result.value !== undefined && sha256(result.value).equals(target)
      : result.closest.some(c => c.id.equals(target))
    if (ok) successes++
  }
  elapsed.sort((a, b) => a - b)
  return {
    lookups: o.lookups,
    success: successes / o.lookups,
    attackerIds: colluders.length,
    groundIds: world.groundIds,
    grindBits: world.grindBits,
    rankHashes: (colluders.length - world.groundIds) * 2 ** o.attackerRank + world.groundIds * 2 ** (o.groundRank ?? o.attackerRank),
    grindKeys: world.groundIds * 2 ** world.grindBits,
    queriesMean: queries / o.lookups,
    elapsedMsP50: elapsed[Math.floor(elapsed.length / 2)] ?? 0
  }
}

interface World {
  net: CompactNetwork
  /** 1 = the attacker's, by sorted index. */
  evil: Uint8Array
  /** The attacker's node indices, ascending. */
  colluders: Uint32Array
  rank: Uint8Array
  targetIndex: number
  groundIds: number
  grindBits: number
}

/** Default grind depth: deep enough that only a handful of honest nodes (about k / 4) share the prefix. */
export function defaultGrindBits (size: number, k: number): number {
  return Math.ceil(Math.log2(Math.max(2, size / k))) + 2
}

function buildWorld (o: SybilOptions, prng: Prng): World {
  const attackers = Math.round(o.size * o.fraction)
  const grindBits = o.grindBits ?? defaultGrindBits(o.size, o.k)
  const entries: Array<{ id: Buffer, evil: boolean, rank: number, fresh: boolean }> = []
  for (let i = 0; i < o.size; i++) {
    const evil = i >= o.size - attackers
    entries.push({ id: prng.bytes(32), evil, rank: evil ? o.attackerRank : honestRank(o.minRank, prng), fresh: false })
  }
  const target = entries[0].id
  let groundIds = 0
  if (o.attack === 'eclipse') {
    for (let i = o.size - attackers; i < o.size && groundIds < o.grindIds; i++, groundIds++) {
      const id = entries[i].id
      const whole = grindBits >> 3
      target.copy(id, 0, 0, whole)
      const rest = grindBits & 7
      if (rest > 0) {
        const mask = (0xff << (8 - rest)) & 0xff
        id[whole] = (target[whole] & mask) | (id[whole] & ~mask & 0xff)
      }
      if (id.equals(target)) id[31] ^= 1
      // Ground for this target, so newer than the target and its neighbours.
      entries[i].fresh = true
      entries[i].rank = o.groundRank ?? o.attackerRank
    }
  }
  entries.sort((a, b) => Buffer.compare(a.id, b.id))
  for (let i = 1; i < entries.length; i++) if (entries[i].id.equals(entries[i - 1].id)) throw new Error('sybil: duplicate id (change the seed)')
  const ids = new Uint8Array(o.size * 32)
  const evil = new Uint8Array(o.size)
  const rank = new Uint8Array(o.size)
  const priority = new Uint8Array(o.size)
  const colluders: number[] = []
  let targetIndex = -1
  entries.forEach((e, i) => {
    ids.set(e.id, i * 32)
    evil[i] = e.evil ? 1 : 0
    rank[i] = e.rank
    // A full bucket keeps (see `admission`): ids ground for this attack are the newest.
    const old = e.fresh ? 0 : 1
    priority[i] = o.admission === 'earned' ? old * 128 + Math.min(127, e.rank) : Math.min(255, e.rank * 2 + old)
    if (e.evil) colluders.push(i)
    if (e.id === target) targetIndex = i
  })
  const net = CompactNetwork.build({ size: o.size, seed: o.seed + 7, k: o.k, ids, priority })
  if (o.attack === 'eclipse' && commonPrefixLength(net.id(targetIndex), target) !== 256) throw new Error('sybil: target lost')
  return { net, evil, colluders: Uint32Array.from(colluders), rank, targetIndex, groundIds, grindBits }
}

function honestRank (minRank: number, prng: Prng): number {
  let r = minRank
  while (r < 64 && prng.float() < 0.5) r++
  return r
}

/** Placeholder nonce: the simulated rank is given, not derived. */
const SIM_NONCE = Buffer.alloc(8)

function simEndpoint (i: number): { address: string, port: number } {
  return { address: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, port: 7000 + (i >>> 24) }
}
