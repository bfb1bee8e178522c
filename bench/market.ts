import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { FairScheduler, standingWeight } from '../src/node/accounting/fair-scheduler.js'
import { Ledger, ledgerDatabases } from '../src/node/accounting/ledger/ledger.js'
import { Cause } from '../src/node/accounting/price.js'
import { generateIdentity } from '../src/node/identity/identity.js'
import { MarketSimulation, type PhaseReport } from '../src/node/routing/simulator/market-simulation.js'
import { percentile } from '../src/node/routing/simulator/stats.js'
import { openStore } from '../src/node/store/environment.js'
import { createTestnet } from '../src/node/testnet.js'
import { emit, progress } from './util.js'

/**
 * The credit market (issue 19):
 *  - market.ledger_updates_per_s: charges per second a real Ledger on a real LMDB store takes,
 *    every one on disk (the last flush awaited) — against the peer accounts' per-packet
 *    addTraffic on the same store in the same run (the hot path it sits beside: ratio), and
 *    against the ledger entries a real-UDP download actually makes per second (two testnet
 *    nodes, --mib MiB): the headroom, which must stay far above 1 so accounting never slows
 *    transfers.
 *  - On the simulator (src/node/routing/simulator/market-simulation.ts): 1,000 nodes, Zipf
 *    demand over 10,000 chunks, half the nodes freeloading (fetch; never answer, serve or
 *    cache), every contributor serving through its own FairScheduler weighted by standingWeight
 *    of its books with the requester (chunks at the real prices and lookup answers; debts; a
 *    requester that left the stranger probe unanswered weighs 1), caching along lookup paths by
 *    expected revenue. A
 *    history phase first (every node fetches `--history` ÷ 1,000 chunks on average, at idle
 *    load: the books and caches of a network that has been running; its first and last tenth
 *    give the cache-hit growth), then `--fetches` at idle load and as many at saturation:
 *      market.freeloader_latency_ratio   freeloader ÷ contributor median fetch latency, saturated
 *      market.idle_latency_ratio         the same, idle
 *      market.popular_hops_p50           lookup rounds for the top 1 % chunks (after the history)
 *      market.cache_hit_growth           cached-copy hit rate, last tenth ÷ first tenth of the history
 *  - market.one_server_freeloader_latency_ratio: one server's FairScheduler alone, 1,000
 *    requesters, half freeloaders (weight 1), half with standing, Poisson load at 97 %.
 *  - market.udp_freeloader_latency_ratio: the same on real UDP nodes (see priorityOnUdp), against
 *    the same race with equal standing in the same run.
 *
 *   npm run bench -- market [--quick] [--mib 32] [--updates 2000000] [--priority-mib 16]
 *                           [--history 1000000] [--fetches 100000] [--saturated-load 1] [--idle-load 0.3] [--sim-only]
 *   --quick: 10× fewer ledger updates, 8 MiB transfers, a history of 300,000 fetches
 */
export const summary = 'ledger updates/s on real LMDB vs addTraffic and vs a real-UDP transfer; freeloader/contributor latency under the fair scheduler'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      'sim-only': { type: 'boolean', default: false },
      mib: { type: 'string' },
      updates: { type: 'string' },
      'priority-mib': { type: 'string' },
      history: { type: 'string' },
      fetches: { type: 'string' },
      'saturated-load': { type: 'string', default: '1' },
      'idle-load': { type: 'string', default: '0.3' }
    }
  })
  const quick = values.quick === true
  const num = (v: string | undefined, full: number, fast: number): number => v === undefined ? (quick ? fast : full) : Number(v)
  marketSimulation(num(values.history, 1_000_000, 300_000), num(values.fetches, 100_000, 50_000), Number(values['saturated-load']), Number(values['idle-load']))
  schedulerLatency()
  if (values['sim-only'] === true) return
  await ledgerThroughput(num(values.updates, 2_000_000, 200_000), num(values.mib, 32, 8))
  await priorityOnUdp(num(values['priority-mib'], 16, 8))
}

/** The network figures, on the simulator (see the top of this file). */
function marketSimulation (history: number, fetches: number, saturatedLoad: number, idleLoad: number): void {
  const t0 = performance.now()
  const sim = new MarketSimulation()
  const o = sim.options
  const setup = { nodes: o.nodes, chunks: o.chunks, zipf: o.zipf, freeloaders: o.nodes - sim.contributor.reduce((a, b) => a + b, 0), cache_slots: o.cacheSlots, service_ms: o.serviceMs, concurrency: o.concurrency, alpha: o.alpha }
  const describe = (r: PhaseReport): Record<string, unknown> => {
    const contributors = r.fetches.filter(f => !f.freeloader)
    return {
      load: r.load,
      fetches: r.fetches.length,
      freeloader_p50_ms: r.freeloaderP50,
      contributor_p50_ms: r.contributorP50,
      queued_only_ratio: r.queuedRatio,
      queued_share: r.fetches.filter(f => f.queued).length / r.fetches.length,
      contributor_fetches_with_standing: contributors.filter(f => f.gave).length / contributors.length,
      // The scheduler's own effect: freeloaders against contributor fetches that met a server they had served.
      with_standing_ratio: r.freeloaderP50 / percentile(contributors.filter(f => f.gave).map(f => f.latencyMs), 50),
      mean_offered_load: r.meanOfferedLoad,
      max_offered_load: r.maxOfferedLoad,
      refused: r.refused
    }
  }
  progress(`market simulation: ${o.nodes} nodes, ${o.chunks} chunks; history of ${history} fetches at load ${idleLoad}`)
  const past = sim.runPhase(history, idleLoad)
  progress(`  ${((performance.now() - t0) / 1000).toFixed(1)} s; ${fetches} fetches idle (load ${idleLoad})`)
  const idle = sim.runPhase(fetches, idleLoad)
  progress(`  ${((performance.now() - t0) / 1000).toFixed(1)} s; ${fetches} fetches saturated (load ${saturatedLoad})`)
  const busy = sim.runPhase(fetches, saturatedLoad)
  const seconds = (performance.now() - t0) / 1000
  emit('market.freeloader_latency_ratio', busy.latencyRatio, 'ratio', { target: '>= 3', ...describe(busy), ...setup, history, sim_seconds: seconds })
  emit('market.idle_latency_ratio', idle.latencyRatio, 'ratio', { target: '<= 1.2', ...describe(idle) })
  emit('market.popular_hops_p50', idle.popularHopsP50, 'hops', { target: '<= 1.5', all_chunks_hops_p50: idle.hopsP50, note: 'lookup rounds (alpha parallel queries each) until a holder answers, after the history' })
  emit('market.cache_hit_growth', past.hitRateLastTenth / past.hitRateFirstTenth, 'ratio', { target: '> 1', hit_rate_first_tenth: past.hitRateFirstTenth, hit_rate_last_tenth: past.hitRateLastTenth, hit_rate_after: idle.hitRateLastTenth, history })
}

/**
 * Real UDP: one server serving one slice request at a time (credit.concurrency 1), two clients
 * each fetching their own file of `mib` MiB, 4 chunks at once, at the same time. First with no
 * standing on either side (the baseline: both weigh 1), then with the same load after the
 * server booked 1 GB of service from one of them (the contributor). The figure is the median
 * chunk latency of the freeloader ÷ the contributor's, over the chunks both fetched while the
 * other was still fetching.
 */
async function priorityOnUdp (mib: number): Promise<void> {
  progress(`real UDP priority: two clients fetch ${mib} MiB each at once from a server serving one request at a time`)
  const net = await createTestnet(3, { probeMtu: 16_000, configFor: (i) => i === 0 ? { credit: { factor: 1000, concurrency: 1 } } : {} })
  try {
    const [server, contributor, freeloader] = net.nodes
    const publish = async (): Promise<Buffer[]> => {
      const data = randomBytes(mib << 20)
      const p = await server.content.publish([{ path: 'data.bin', kind: 'file', size: data.length, open: async function * () { yield data } }])
      await server.chunks.publish(p.chunkIds)
      return p.chunkIds
    }
    const fetchAll = async (node: typeof server, ids: Buffer[], log: Array<{ start: number, end: number }>): Promise<number> => {
      let next = 0
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]
          const start = performance.now()
          await node.chunks.source.get(id)
          log.push({ start, end: performance.now() })
        }
      }))
      return performance.now()
    }
    const race = async (): Promise<{ ratio: number, contributorMs: number, freeloaderMs: number }> => {
      const [a, b] = [await publish(), await publish()]
      const la: Array<{ start: number, end: number }> = []
      const lb: Array<{ start: number, end: number }> = []
      const [endA, endB] = await Promise.all([fetchAll(contributor, a, la), fetchAll(freeloader, b, lb)])
      const both = Math.min(endA, endB)
      const median = (l: Array<{ start: number, end: number }>): number => {
        const d = l.filter(x => x.start < both).map(x => x.end - x.start).sort((p, q) => p - q)
        return d[Math.floor(d.length / 2)]
      }
      return { ratio: median(lb) / median(la), contributorMs: median(la), freeloaderMs: median(lb) }
    }
    const baseline = await race()
    emit('market.udp_equal_standing_latency_ratio', baseline.ratio, 'ratio', { mib, contributor_p50_ms: baseline.contributorMs, freeloader_p50_ms: baseline.freeloaderMs, note: 'baseline: neither has standing' })
    server.accounting.ledger.charge(contributor.identity.id.toString('hex'), Cause.chunkSlice, 'received', 1_000_000_000, 1_000_000_000)
    const ranked = await race()
    emit('market.udp_freeloader_latency_ratio', ranked.ratio, 'ratio', { mib, contributor_p50_ms: ranked.contributorMs, freeloader_p50_ms: ranked.freeloaderMs, vs_baseline: ranked.ratio / baseline.ratio, contributor_weight: standingWeight(1e9) })
  } finally {
    await net.close()
  }
}

async function ledgerThroughput (updates: number, mib: number): Promise<void> {
  let rate = 0
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-market-'))
  const identity = generateIdentity()
  const store = openStore(dir, { nodeId: identity.id, onWarning: () => {} })
  try {
    const peers = Array.from({ length: 1000 }, (_, i) => i.toString(16).padStart(64, '0'))
    progress(`peer accounts: ${updates} addTraffic calls (baseline)`)
    let t = performance.now()
    for (let i = 0; i < updates; i++) store.peers.addTraffic(peers[i % 1000], 'out', 1200)
    await store.peers.flush()
    const baseline = updates / ((performance.now() - t) / 1000)
    emit('market.add_traffic_baseline_per_s', baseline, 'updates/s')

    const ledger = new Ledger(ledgerDatabases((name) => store.openDatabase(name)))
    progress(`ledger: ${updates} charges over 1,000 peers, batched, the last flush awaited`)
    t = performance.now()
    for (let i = 0; i < updates; i++) {
      ledger.charge(peers[i % 1000], i % 3 === 0 ? Cause.chunkSlice : Cause.lookup, i % 2 === 0 ? 'sent' : 'received', 1200, 1200)
      // Let the batch writer run now and then, as it does between packets.
      if (i % 100_000 === 99_999) await new Promise(resolve => setImmediate(resolve))
    }
    await ledger.flush()
    rate = updates / ((performance.now() - t) / 1000)
    emit('market.ledger_updates_per_s', rate, 'updates/s', { target: 100_000, vs_add_traffic: rate / baseline, batches: ledger.sequence })
    await ledger.close()
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }

  progress(`real UDP: a ${mib} MiB download between two testnet nodes, counting ledger entries`)
  const net = await createTestnet(2, { probeMtu: 16_000 })
  try {
    const [server, client] = net.nodes
    const data = randomBytes(mib << 20)
    const published = await server.content.publish([{ path: 'data.bin', kind: 'file', size: data.length, open: async function * () { yield data } }])
    await server.chunks.publish(published.chunkIds)
    const before = server.accounting.ledger.charges + client.accounting.ledger.charges
    const t0 = performance.now()
    for (const id of published.chunkIds) await client.chunks.source.get(id)
    const seconds = (performance.now() - t0) / 1000
    const entries = server.accounting.ledger.charges + client.accounting.ledger.charges - before
    const demand = entries / seconds
    emit('market.transfer_ledger_entries_per_s', demand, 'entries/s', { mib, seconds, entries, mb_per_s: (mib * 1.048576) / seconds })
    emit('market.ledger_headroom', rate / demand, 'ratio', { note: 'ledger_updates_per_s ÷ transfer_ledger_entries_per_s' })
  } finally {
    await net.close()
  }
}

/** One server, capacity 8 jobs, jobs of 1 time unit; requesters alternate freeloader/contributor. */
function schedulerLatency (): void {
  const run = (load: number): { free: number, contrib: number } => {
    const capacity = 8
    const requesters = 1000
    const weight = (r: number): number => r % 2 === 0 ? 1 : standingWeight(200e6 + (r % 50) * 20e6)
    const s = new FairScheduler({ capacity, maxQueued: 1_000_000, weightOf: (r) => weight(Number(r)) })
    // Deterministic Poisson arrivals (xorshift) at `load` × capacity per time unit.
    let x = 0x2545f491
    const rnd = (): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return ((x >>> 0) + 0.5) / 4294967296 }
    const events: Array<{ at: number, kind: 'arrive' | 'finish' }> = []
    let now = 0
    const waits: { free: number[], contrib: number[] } = { free: [], contrib: [] }
    const finishes: number[] = [] // a min-heap would be faster; jobs run ≤ capacity at once
    const total = 200_000
    let t = 0
    for (let i = 0; i < total; i++) { t += -Math.log(rnd()) / (load * capacity); events.push({ at: t, kind: 'arrive' }) }
    let ai = 0
    while (ai < events.length || finishes.length > 0) {
      const nextArrive = ai < events.length ? events[ai].at : Infinity
      const nextFinish = finishes.length > 0 ? Math.min(...finishes) : Infinity
      if (nextArrive <= nextFinish) {
        now = nextArrive
        const r = Math.floor(rnd() * requesters)
        const asked = now
        ai++
        s.submit(String(r), 1, () => {
          (r % 2 === 0 ? waits.free : waits.contrib).push(now - asked)
          finishes.push(now + 1)
        })
      } else {
        now = nextFinish
        finishes.splice(finishes.indexOf(nextFinish), 1)
        s.done()
      }
    }
    const median = (a: number[]): number => { const b = [...a].sort((p, q) => p - q); return b[Math.floor(b.length / 2)] }
    // Service time included (1 unit): the latency a fetch sees.
    return { free: median(waits.free) + 1, contrib: median(waits.contrib) + 1 }
  }
  progress('one-server scheduler simulation: saturated (97 % load) and idle (30 %)')
  const busy = run(0.97)
  const idle = run(0.3)
  emit('market.one_server_freeloader_latency_ratio', busy.free / busy.contrib, 'ratio', { freeloader_p50: busy.free, contributor_p50: busy.contrib, load: 0.97, idle_ratio: idle.free / idle.contrib, model: 'one server, FairScheduler alone' })
}
