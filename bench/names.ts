import { parseArgs } from 'node:util'
import { nodeResolver } from '../src/cli/serve/node-resolver.js'
import type { NameTarget } from '../src/node/services/names/registration.js'
import { run as runPow } from './names-pow.js'
import { startLocalNet, type LocalNet } from './support/local-net.js'
import { bitFigures } from './support/names-bit-figures.js'
import { spvFigures } from './support/names-spv-figures.js'
import { SimNamesNetwork } from './support/sim-names-network.js'
import { median, percentile, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * Resolving `<name>.tor-net` (issue 5):
 *
 *   names.resolve_cached_ms   a hit in the gateway's resolver cache: nodeResolver(node).resolve()
 *                             of a name it resolved before (median of --cached calls; target ≤ 1 ms)
 *   names.resolve_udp20_ms    20 real nodes on 127.0.0.1 (UDP, LMDB): names registered from one
 *                             node, each resolved from every other node through a FRESH resolver
 *                             (nothing cached in the resolver; the node's link sessions are warm
 *                             from joining). Median wall ms (target ≤ 50 ms)
 *   names.resolve_sim1k_ms    1,000 real Dht instances, each with the real names service, on the
 *                             routing simulator's in-memory network and virtual clock (one-way
 *                             latency log-normal, median 50 ms; --loss, default 1%): virtual ms of
 *                             the first names.lookup of each of --sim-names names, from a random
 *                             node (median; target ≤ 300 ms, p99 ≤ 1,500 ms). names.lookup runs
 *                             FIND_VALUE and asks replicas while its closest-nodes lookup runs,
 *                             with adaptive time-outs, and answers once the owner vote is settled
 *                             (records/early-read.ts). names.sim1k_find_value_ms is the FIND_VALUE
 *                             part of lookups that ran to their end (a read that settles first
 *                             stops its FIND_VALUE).
 *   names.register_pow_s      registration proof of work at the default difficulty, mean over
 *                             --pow-rounds rounds (bench/names-pow.ts, which emits its own
 *                             baseline figures beside it)
 *
 *   names.bit_resolve_cold_ms / names.bit_resolve_cached_ms
 *                             `.bit` through the ElectrumX backend with proofs, on two local TLS
 *                             test servers, with their baselines (bench/support/names-bit-figures.ts;
 *                             also `npm run bench -- names-bit`)
 *   names.header_verify_per_s / names.header_accept_per_s
 *                             Namecoin AuxPoW headers verified, and accepted into the LMDB chain,
 *                             per CPU second, with the projection for the chain since the
 *                             checkpoint and their baselines (bench/support/names-spv-figures.ts;
 *                             also `npm run bench -- namecoin-spv`)
 *
 * Registrations on the simulated network and on the 20 nodes use a lower difficulty (--difficulty,
 * default 16; 0 in the simulator) so the run stays short: it changes what a registration costs,
 * not what a lookup does.
 *
 *   npm run bench -- names [--sim-names 40] [--loss 0.01] [--seed 1] [--udp-names 3] [--cached 20000]
 *                          [--difficulty 16] [--pow-rounds 5]
 *                          [--bit-runs 15] [--spv-rounds 3] [--spv-seconds 3] [--headers 470000]
 *                          [--skip udp,sim,pow,bit,spv]
 */
export const summary = 'name resolution: cached, 20 real UDP nodes, 1,000 simulated nodes; registration proof of work; .bit with proofs; Namecoin header verification'

function contentTarget (i: number): NameTarget {
  return { kind: 'content', value: Buffer.alloc(64, i & 0xff) }
}

async function simulated (opts: { names: number, loss: number, seed: number }): Promise<void> {
  const t0 = performance.now()
  progress('sim1k: 1,000 Dht + names services joining on the virtual network…')
  const sim = new SimNamesNetwork(1000, { seed: opts.seed, loss: opts.loss })
  await sim.joinAll()
  progress(`sim1k: joined in ${round((performance.now() - t0) / 1000, 1)} s wall; registering ${opts.names} names…`)
  const owners: number[] = []
  // With loss, a registration can fail (e.g. the owner's table emptied after lost replies). A
  // real node's refresh would re-bootstrap and the user would try again: so does the bench,
  // once; a name that still fails is counted, and not looked up.
  const registered: boolean[] = []
  let registrationRetries = 0
  for (let i = 0; i < opts.names; i++) {
    const owner = sim.prng.int(sim.nodes.length)
    owners.push(owner)
    const node = sim.nodes[owner]
    let ok = false
    for (let attempt = 0; attempt < 2 && !ok; attempt++) {
      if (attempt > 0) {
        registrationRetries++
        progress(`sim1k: registering sim-name-${i} from node ${owner} failed; it re-joins and tries again`)
        if (node.dht.table.size < 2) await sim.clock.drive(sim.join(node))
      }
      try {
        await sim.clock.drive(node.names.register(`sim-name-${i}`, contentTarget(i)))
        ok = true
      } catch {}
    }
    registered.push(ok)
  }
  const failedRegistrations = registered.filter(r => !r).length
  // Two cold lookups per name from distinct random nodes: the first reaches only the replicas
  // and whatever lay on its path; the second may meet a copy the first cached along its path.
  const first: number[] = []
  const second: number[] = []
  const findValue: number[] = []
  const hops: number[] = []
  let failed = 0
  for (let i = 0; i < opts.names; i++) {
    if (!registered[i]) continue
    for (const into of [first, second]) {
      let from: number
      do from = sim.prng.int(sim.nodes.length); while (from === owners[i])
      const node = sim.nodes[from]
      const start = sim.clock.now()
      const findsBefore = node.network.findValuesDone
      try {
        const rec = await sim.clock.drive(node.names.lookup(`sim-name-${i}`))
        if (!rec.owner.equals(sim.nodes[owners[i]].identity.publicKey)) { failed++; continue }
        into.push(sim.clock.now() - start)
        if (into === first && node.network.findValuesDone > findsBefore) {
          const fv = node.network.findValues[node.network.findValues.length - 1]
          if (fv !== undefined) { findValue.push(fv.ms); hops.push(fv.hops) }
        }
      } catch {
        failed++
      }
    }
  }
  const extra = { nodes: 1000, names: opts.names, loss: opts.loss, seed: opts.seed, latency: 'log-normal one-way, median 50 ms', clock: 'virtual' }
  emit('names.resolve_sim1k_ms', round(median(first), 1), 'ms', {
    ...extra,
    p90: round(percentile(first, 90), 1),
    p99: round(percentile(first, 99), 1),
    failed,
    failed_registrations: failedRegistrations,
    registration_retries: registrationRetries,
    join_failures: sim.joinFailures,
    join_retries: sim.joinRetries
  })
  emit('names.sim1k_second_lookup_ms', round(median(second), 1), 'ms', { ...extra, p90: round(percentile(second, 90), 1) })
  emit('names.sim1k_find_value_ms', round(median(findValue), 1), 'ms', { ...extra, p90: round(percentile(findValue, 90), 1), hopsP50: median(hops), samples: findValue.length })
  emit('names.sim1k_wall_s', round((performance.now() - t0) / 1000, 1), 's')
}

async function loopback (opts: { names: number, cached: number, difficulty: number }): Promise<void> {
  progress('udp20: starting 20 nodes on 127.0.0.1…')
  let net: LocalNet | undefined
  try {
    net = await startLocalNet(20, { nameDifficulty: opts.difficulty })
    const nodes = net.nodes
    const uncached: number[] = []
    for (let i = 0; i < opts.names; i++) {
      const name = `udp-name-${i}-${Date.now().toString(36)}`
      const owner = (i * 7) % nodes.length
      progress(`udp20: node ${owner} registers ${name}.tor-net (difficulty ${opts.difficulty})…`)
      await nodes[owner].names.register(name, contentTarget(i))
      for (let j = 0; j < nodes.length; j++) {
        if (j === owner) continue
        const resolver = nodeResolver(nodes[j])
        const t = performance.now()
        const target = await resolver.resolve(`${name}.tor-net`)
        uncached.push(performance.now() - t)
        if (target.kind !== 'content') throw new Error(`udp20: ${name}.tor-net resolved to ${target.kind}`)
      }
    }
    emit('names.resolve_udp20_ms', round(median(uncached), 2), 'ms', {
      target: 50, nodes: 20, samples: uncached.length, p90: round(percentile(uncached, 90), 2), max: round(Math.max(...uncached), 2), difficulty: opts.difficulty
    })

    progress(`cached: ${opts.cached} resolver cache hits…`)
    const name = `cached-name-${Date.now().toString(36)}`
    await nodes[1].names.register(name, contentTarget(99))
    const resolver = nodeResolver(nodes[2])
    await resolver.resolve(`${name}.tor-net`)
    const hits: number[] = []
    for (let i = 0; i < opts.cached; i++) {
      const t = performance.now()
      await resolver.resolve(`${name}.tor-net`)
      hits.push(performance.now() - t)
    }
    emit('names.resolve_cached_ms', round(median(hits), 4), 'ms', {
      target: 1, samples: hits.length, p99: round(percentile(hits, 99), 4), via: 'nodeResolver (ResolverChain → TorNetResolver TTL cache)'
    })
  } finally {
    await net?.close()
  }
}

export async function run (args: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'sim-names': { type: 'string', default: '40' },
      loss: { type: 'string', default: '0.01' },
      seed: { type: 'string', default: '1' },
      'udp-names': { type: 'string', default: '3' },
      cached: { type: 'string', default: '20000' },
      difficulty: { type: 'string', default: '16' },
      'pow-rounds': { type: 'string', default: '5' },
      'bit-runs': { type: 'string', default: '15' },
      'spv-rounds': { type: 'string', default: '3' },
      'spv-seconds': { type: 'string', default: '3' },
      headers: { type: 'string', default: '470000' },
      skip: { type: 'string', default: '' }
    }
  })
  const skip = new Set(values.skip.split(',').filter(s => s !== ''))
  const simNames = Number(values['sim-names'])
  const loss = Number(values.loss)
  const seed = Number(values.seed)
  const udpNames = Number(values['udp-names'])
  const cached = Number(values.cached)
  const difficulty = Number(values.difficulty)
  const bitRuns = Number(values['bit-runs'])
  const spvRounds = Number(values['spv-rounds'])
  const spvSeconds = Number(values['spv-seconds'])
  const headers = Number(values.headers)
  if (!Number.isInteger(simNames) || simNames < 1 || !(loss >= 0 && loss < 1) || !Number.isInteger(seed) ||
      !Number.isInteger(udpNames) || udpNames < 1 || !Number.isInteger(cached) || cached < 1 ||
      !Number.isInteger(difficulty) || difficulty < 0 || difficulty > 40 || !Number.isInteger(bitRuns) || bitRuns < 1 ||
      !Number.isInteger(spvRounds) || spvRounds < 1 || !(spvSeconds > 0) || !Number.isInteger(headers) || headers < 1) {
    throw new Error('usage: names [--sim-names N] [--loss 0..1] [--seed N] [--udp-names N] [--cached N] [--difficulty 0..40] [--pow-rounds N] ' +
      '[--bit-runs N] [--spv-rounds N] [--spv-seconds S] [--headers N] [--skip udp,sim,pow,bit,spv]')
  }
  if (!skip.has('udp')) await loopback({ names: udpNames, cached, difficulty })
  if (!skip.has('sim')) await simulated({ names: simNames, loss, seed })
  if (!skip.has('pow')) await runPow(['--rounds', values['pow-rounds']])
  if (!skip.has('bit')) await bitFigures({ runs: bitRuns, cachedPerRun: 50 })
  if (!skip.has('spv')) await spvFigures({ seconds: spvSeconds, headers, rounds: spvRounds })
}
