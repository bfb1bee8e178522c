import { pathToFileURL } from 'node:url'
import { CompactNetwork } from '../src/node/routing/simulator/compact-network.js'
import { simulateLookups, type SimulationReport } from '../src/node/routing/simulator/lookup-simulation.js'
import { DhtTestnet } from '../src/node/routing/simulator/dht-testnet.js'
import { percentile } from '../src/node/routing/simulator/stats.js'

/**
 * bench/lookup: Kademlia lookups on simulated networks of 10k, 100k and 1M
 * nodes (compact tables built directly, the real lookup runner on a virtual
 * clock; one-way latency log-normal with a 50 ms median, 1% loss), then the
 * same with 20% of the nodes dead. One JSON line per figure. The headline
 * figures use the real node's setting: contacts by public key (WANT_KEYS,
 * the key in the id's place: 39 B an IPv4 contact), no rank nonces, so every
 * peer is reached with the one-round-trip IK handshake.
 *
 *   hops      path length to the closest node (1 = it was in the origin's table)
 *   ms        virtual time until the closest node answered (what a FIND_VALUE
 *             held there would take), handshakes included; done_ms: until the
 *             lookup ended (the k closest all answered)
 *   bytes     all requests and replies of one lookup through its end: codec
 *             bytes + the link's DATA overhead of an open session (49 B a
 *             request, 45 B a response) + what each XX handshake costs beyond
 *             IK (simulator/link-cost.ts); overhead_pct: of a 1 MiB chunk
 *   handshake_bytes  what opening sessions with the peers outside the
 *             origin's table costs on top (padded IK_INIT, handshake fields,
 *             confirming PING/PONG); cold_bytes = bytes + handshake_bytes
 *   *_with_nonces  had every contact also carried its 8-byte rank nonce
 *   *_no_keys the same lookups asking for ids only: every new peer costs an
 *             XX handshake (2 round trips before its reply, more bytes)
 *   xx_handshakes_mean  requests per lookup that needed XX
 *   success   the closest node reported is the closest live node in the network;
 *             exact_k: the k nodes reported are exactly the k closest live nodes
 *
 * join_1k: 1,000 real Dht instances (table, lookups, codec) join one another
 * through one bootstrap endpoint on the virtual network (same latency, 1%
 * loss), 25 at a time; then lookups between them.
 *
 * Args: suites to run (10k 100k 1m join; default all), --lookups=N, --seed=N.
 */
export const summary = 'Kademlia lookups on 10k/100k/1M simulated nodes: hops, ms, bytes, success, churn (args: 10k 100k 1m --lookups=N --seed=N)'

const SIZES: Record<string, number> = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 }
const CHUNK_BYTES = 1024 * 1024

export async function run (args: string[]): Promise<void> {
  const opt = (name: string, dflt: number): number => {
    const a = args.find(x => x.startsWith(`--${name}=`))
    return a !== undefined ? Number(a.slice(name.length + 3)) : dflt
  }
  const lookups = opt('lookups', 2000)
  const seed = opt('seed', 1)
  const picked = [...Object.keys(SIZES), 'join'].filter(s => args.includes(s))
  const sizes = picked.length > 0 ? picked : [...Object.keys(SIZES), 'join']
  for (const name of sizes) {
    if (name === 'join') { await joins(seed); continue }
    const prefix = `lookup.${name}`
    const t0 = performance.now()
    const net = CompactNetwork.build({ size: SIZES[name], seed })
    emit(`${prefix}.build_s`, (performance.now() - t0) / 1000, 's')
    emit(`${prefix}.contacts_per_node`, net.contactCount / net.size, 'contacts')
    let rss = process.memoryUsage().rss
    const base = await simulateLookups(net, { lookups, seed: seed + 1 })
    rss = Math.max(rss, process.memoryUsage().rss)
    report(prefix, base)
    const keyless = await simulateLookups(net, { lookups, seed: seed + 1, wantKeys: false })
    reportNoKeys(prefix, keyless)
    net.churn(0.2, seed + 2)
    const churn = await simulateLookups(net, { lookups, seed: seed + 3 })
    rss = Math.max(rss, process.memoryUsage().rss)
    emit(`${prefix}.churn20.success_pct`, churn.successPct, '%')
    emit(`${prefix}.churn20.ms_p50`, churn.msP50, 'ms')
    emit(`${prefix}.churn20.ms_p99`, churn.msP99, 'ms')
    emit(`${prefix}.churn20.hops_p50`, churn.hopsP50, 'hops')
    emit(`${prefix}.churn20.done_ms_p50`, churn.doneMsP50, 'ms')
    emit(`${prefix}.churn20.bytes_p50`, churn.bytesP50, 'B')
    emit(`${prefix}.rss_mb`, rss / (1024 * 1024), 'MiB')
    emit(`${prefix}.wall_s`, (performance.now() - t0) / 1000, 's')
  }
}

async function joins (seed: number): Promise<void> {
  const prefix = 'lookup.join_1k'
  const t0 = performance.now()
  const t = new DhtTestnet(1000, { seed, loss: 0.01 })
  const joinMs: number[] = []
  for (let i = 1; i < 1000; i += 25) {
    const group = t.dhts.slice(i, i + 25)
    await t.clock.drive(Promise.all(group.map(async d => {
      const start = t.clock.now()
      await d.bootstrap([t.nodes[0].contact.endpoint])
      joinMs.push(t.clock.now() - start)
    })))
  }
  emit(`${prefix}.join_ms_p50`, percentile(joinMs, 50), 'ms')
  emit(`${prefix}.join_ms_p99`, percentile(joinMs, 99), 'ms')
  emit(`${prefix}.join_payload_bytes_mean`, t.net.bytes / 999, 'B')
  emit(`${prefix}.table_size_mean`, t.dhts.reduce((s, d) => s + d.table.size, 0) / 1000, 'contacts')
  let ok = 0
  const hops: number[] = []
  const lookups = 200
  for (let i = 0; i < lookups; i++) {
    const target = t.prng.bytes(32)
    const from = t.dhts[t.prng.int(1000)]
    const r = await t.clock.drive(from.findNode(target))
    if (r.closest[0]?.id.toString('hex') === t.truth(target, 1, from.self.id)[0]) { ok++; hops.push(r.hops) }
  }
  emit(`${prefix}.hops_p50`, percentile(hops, 50), 'hops')
  emit(`${prefix}.success_pct`, 100 * ok / lookups, '%')
  emit(`${prefix}.wall_s`, (performance.now() - t0) / 1000, 's')
}

function report (prefix: string, r: SimulationReport): void {
  emit(`${prefix}.hops_p50`, r.hopsP50, 'hops')
  emit(`${prefix}.hops_p95`, r.hopsP95, 'hops')
  emit(`${prefix}.hops_p99`, r.hopsP99, 'hops')
  emit(`${prefix}.ms_p50`, r.msP50, 'ms')
  emit(`${prefix}.ms_p95`, r.msP95, 'ms')
  emit(`${prefix}.ms_p99`, r.msP99, 'ms')
  emit(`${prefix}.done_ms_p50`, r.doneMsP50, 'ms')
  emit(`${prefix}.done_ms_p99`, r.doneMsP99, 'ms')
  emit(`${prefix}.bytes_p50`, r.bytesP50, 'B')
  emit(`${prefix}.overhead_pct`, 100 * r.bytesP50 / CHUNK_BYTES, '%')
  emit(`${prefix}.xx_handshakes_mean`, r.xxHandshakesMean, 'requests')
  emit(`${prefix}.bytes_p50_with_nonces`, r.bytesWithNoncesP50, 'B')
  emit(`${prefix}.overhead_pct_with_nonces`, 100 * r.bytesWithNoncesP50 / CHUNK_BYTES, '%')
  emit(`${prefix}.handshake_bytes_p50`, r.handshakeBytesP50, 'B')
  emit(`${prefix}.cold_bytes_p50`, r.coldBytesP50, 'B')
  emit(`${prefix}.cold_overhead_pct`, 100 * r.coldBytesP50 / CHUNK_BYTES, '%')
  emit(`${prefix}.queries_mean`, r.queriesMean, 'requests')
  emit(`${prefix}.success_pct`, r.successPct, '%')
  emit(`${prefix}.exact_k_pct`, r.exactKPct, '%')
}

function reportNoKeys (prefix: string, r: SimulationReport): void {
  emit(`${prefix}.hops_p50_no_keys`, r.hopsP50, 'hops')
  emit(`${prefix}.ms_p50_no_keys`, r.msP50, 'ms')
  emit(`${prefix}.ms_p99_no_keys`, r.msP99, 'ms')
  emit(`${prefix}.done_ms_p50_no_keys`, r.doneMsP50, 'ms')
  emit(`${prefix}.bytes_p50_no_keys`, r.bytesP50, 'B')
  emit(`${prefix}.overhead_pct_no_keys`, 100 * r.bytesP50 / CHUNK_BYTES, '%')
  emit(`${prefix}.xx_handshakes_mean_no_keys`, r.xxHandshakesMean, 'requests')
  emit(`${prefix}.cold_bytes_p50_no_keys`, r.coldBytesP50, 'B')
  emit(`${prefix}.success_pct_no_keys`, r.successPct, '%')
}

function emit (name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 1000) / 1000, unit }))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2)).catch(err => { console.error(err); process.exitCode = 1 })
}
