import { availableParallelism, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { mineIdentity } from '../src/node/identity/miner.js'
import { nodeIdOf } from '../src/node/identity/identity.js'
import { isTornetError } from '../src/node/errors.js'
import { IdentityErrorCode } from '../src/node/identity/errors.js'
import { defaultConfig } from '../src/node/config.js'
import { simulateSybil, type SybilOptions, type SybilReport } from '../src/node/routing/simulator/sybil-simulation.js'
import { type RateSample, emit, progress, steadyRate } from './util.js'

/**
 * Sybil and eclipse attacks on the simulator (routing/simulator/sybil-simulation.ts:
 * the real lookup runner over a converged network whose tables keep full
 * buckets as RoutingTable does), with an attacker holding 1%, 10% and 30% of
 * the ids, and what those ids cost at the rank-mining rate measured here.
 *
 *   garbage  a chunk stored on the honest nodes among its k closest; the
 *            attacker's ids (at random places: an id is a key's hash) answer
 *            every request with each other (never the real holders), half
 *            the FIND_VALUEs with a garbage value, and name made-up ids next
 *            to the chunk (no rank behind them: refused at the handshake).
 *            success = the lookup returns the value and it hashes to the id.
 *   eclipse  an honest node as target; the attacker grinds 40 of its ids to
 *            share enough leading bits with it that only ~5 honest nodes do
 *            (2^bits key pairs each), mines them 2 bits above the network's
 *            minimum rank (to outrank the target's neighbours in buckets),
 *            and answers as above. success = the lookup reports the target.
 *
 * Each attack is shown step by step as the defences were added:
 *   plain     one lookup path, values taken as they come, buckets by rank first
 *   verify    + values checked against the chunk id (the chunk provider's validate)
 *   disjoint  + 2 disjoint lookup paths (S/Kademlia; Dht.disjointPaths)
 *   earned    + a higher rank alone no longer evicts a bucket member (RoutingTable)
 * The headline figures (sybil.success_at_*, sybil.eclipse_success_at_*) are
 * the shipped code: all of them.
 *
 * Cost: each attacker id must reach the network's minimum rank (config
 * minRank, 21) to get past the handshake: 2^rank hashes expected, at the rate
 * the shipped miner reaches on this machine (all cores, measured first);
 * grinding an id's prefix draws 2^bits key pairs (ed25519 keygen + SHA-256,
 * measured on one core, scaled to all cores).
 *
 *   npm run bench -- sybil [--quick] [--size N] [--lookups N] [--seed N]
 */
export const summary = 'Sybil/eclipse attacks at 1/10/30% of ids on the simulator: lookup success and attacker hash-hours (--quick)'

const FRACTIONS: Array<[string, number]> = [['1pct', 0.01], ['10pct', 0.1], ['30pct', 0.3]]

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      size: { type: 'string' },
      lookups: { type: 'string' },
      seed: { type: 'string', default: '1' },
      seconds: { type: 'string' }
    }
  })
  const quick = values.quick === true
  const size = Number(values.size ?? (quick ? 5000 : 10_000))
  const lookups = Number(values.lookups ?? (quick ? 100 : 200))
  const seed = Number(values.seed)
  const seconds = Number(values.seconds ?? (quick ? 2 : 4))
  if (!(size >= 100) || !(lookups >= 1) || !Number.isInteger(seed) || !(seconds >= 1)) {
    throw new Error('usage: sybil [--quick] [--size N>=100] [--lookups N>=1] [--seed N] [--seconds S>=1]')
  }
  const minRank = defaultConfig().minRank
  const threads = availableParallelism()
  const started = performance.now()

  progress(`measuring the rank miner: ${threads} threads, ${seconds} s`)
  const hashRate = await minerRate(threads, seconds)
  const keyRate = keygenRate(Math.min(2, seconds)) * threads
  // Other work on the machine slows the miner and so inflates the hours below: the load says how much.
  emit('sybil.pow_hashes_per_s', Math.round(hashRate), 'hashes/s', { threads, load1: loadavg()[0] })
  emit('sybil.keygen_per_s', Math.round(keyRate), 'keys/s', { threads, note: 'one core measured, times threads' })
  const hours = (hashes: number): number => hashes / hashRate / 3600
  const keyHours = (keys: number): number => keys / keyRate / 3600
  const extra = { size, lookups, seed, minRank }

  const base: Partial<SybilOptions> = { size, lookups, seed, minRank, attackerRank: minRank }
  const garbageSteps: Array<[string, Partial<SybilOptions>]> = [
    ['plain', { verify: false, paths: 1 }],
    ['verify', { verify: true, paths: 1 }],
    ['disjoint', { verify: true, paths: 2 }]
  ]
  for (const [label, fraction] of FRACTIONS) {
    let shipped: SybilReport | undefined
    for (const [step, opts] of garbageSteps) {
      progress(`garbage attack, ${label} of ids, step ${step}`)
      const r = await simulateSybil({ ...base, attack: 'garbage', fraction, ...opts })
      emit(`sybil.${step}.success_at_${label}`, r.success, 'fraction', { ...extra, queries_mean: round(r.queriesMean) })
      shipped = r
    }
    const r = shipped as SybilReport
    emit(`sybil.success_at_${label}`, r.success, 'fraction', { ...extra, ...(label === '10pct' ? { target: 0.99 } : {}), queries_mean: round(r.queriesMean) })
    emit(`sybil.attacker_ids_${label}`, r.attackerIds, 'ids', extra)
    emit(`sybil.attacker_hash_hours_${label}`, round(hours(r.rankHashes)), 'hash-hours', { ...extra, hashes: r.rankHashes, note: `ids × 2^${minRank} at the measured rate` })
    const atMillion = Math.round(1_000_000 * fraction) * 2 ** minRank
    emit(`sybil.attacker_hash_hours_${label}_of_1m_nodes`, round(hours(atMillion)), 'hash-hours', { hashes: atMillion })
  }

  const eclipseSteps: Array<[string, Partial<SybilOptions>]> = [
    ['plain', { paths: 1, admission: 'rank' }],
    ['disjoint', { paths: 2, admission: 'rank' }],
    ['earned', { paths: 2, admission: 'earned' }]
  ]
  const groundRank = minRank + 2
  for (const [label, fraction] of FRACTIONS) {
    let shipped: SybilReport | undefined
    for (const [step, opts] of eclipseSteps) {
      progress(`eclipse attack, ${label} of ids, step ${step}`)
      const r = await simulateSybil({ ...base, attack: 'eclipse', fraction, groundRank, ...opts })
      emit(`sybil.${step}.eclipse_success_at_${label}`, r.success, 'fraction', { ...extra, queries_mean: round(r.queriesMean) })
      shipped = r
    }
    const r = shipped as SybilReport
    emit(`sybil.eclipse_success_at_${label}`, r.success, 'fraction', { ...extra, ground_ids: r.groundIds, grind_bits: r.grindBits, ground_rank: groundRank, queries_mean: round(r.queriesMean) })
    emit(`sybil.eclipse_attacker_hash_hours_${label}`, round(hours(r.rankHashes)), 'hash-hours', { ...extra, hashes: r.rankHashes })
    emit(`sybil.eclipse_grind_hours_${label}`, round(keyHours(r.grindKeys)), 'hours', { ...extra, key_pairs: r.grindKeys, threads })
  }
  emit('sybil.wall_s', round((performance.now() - started) / 1000), 's')
}

/** The shipped miner's rate on all cores, mining a rank it will not reach for `seconds`. */
async function minerRate (threads: number, seconds: number): Promise<number> {
  const samples: RateSample[] = []
  try {
    await mineIdentity({
      rank: 60,
      threads,
      signal: AbortSignal.timeout(seconds * 1000),
      onProgress: p => samples.push({ seconds: p.elapsedSeconds, count: p.hashes })
    })
    throw new Error('the miner reached rank 60; this cannot be a fair measurement')
  } catch (err) {
    if (!isTornetError(err, IdentityErrorCode.MINING_ABORTED)) throw err
  }
  return steadyRate(samples, 0.5)
}

/** Key pairs (ed25519 keygen + the id's SHA-256) per second on this thread: the cost of one grinding draw. */
function keygenRate (seconds: number): number {
  let n = 0
  const t0 = performance.now()
  let sink = 0
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 50; i++) sink ^= nodeIdOf(ed25519.keygen().publicKey)[0]
    n += 50
  }
  return (n + (sink & 0)) / ((performance.now() - t0) / 1000)
}

function round (v: number): number {
  return Math.round(v * 1e6) / 1e6
}
