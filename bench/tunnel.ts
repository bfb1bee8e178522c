import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createTestnet } from '../src/node/testnet.js'
import { TUNNEL_SERVICE } from '../src/node/services/tunnels/tunnel-api.js'
import { CELL_BYTES } from '../src/node/services/tunnels/cell.js'
import { RELAY_DATA_MAX } from '../src/node/services/tunnels/relay-message.js'
import { relayCellsPerSecond } from './support/relay-rate.js'
import { udpTestnet } from '../test/helpers/link-testnet.js'
import { blobHash, fetchBlob, serveBlob, writeBlob } from '../test/helpers/tunnel-blob.js'
import { median, MiB, round } from './support/stats.js'
import { emit, progress } from './util.js'
import { throughputInProcesses } from './support/tunnel-procs.js'
import { availableParallelism } from 'node:os'

/**
 * Tunnels (issue 17) on real loopback UDP, every node in this process:
 *
 *   tunnel.build_ms_p50          a 3-hop circuit built (CREATE + 2 EXTENDs, one ntor each) on a
 *                                --nodes (20) node network; median of --builds (20)
 *   tunnel.throughput_vs_direct  --mib (64) MiB through a 3-hop circuit ÷ the same bytes over one
 *                                direct link stream, same run (target ≥ 0.3): direct and circuit
 *                                runs alternate, --rounds (3) circuits, each set against the mean of
 *                                the direct runs either side of it; the figure is the median round
 *                                (`rounds` beside it lists them all). Every node runs in
 *                                a process of its own, as every node is a machine of its own in a
 *                                network (client, entry, middle, exit among --procs (5) Tornet
 *                                node processes; the direct stream between two bare link node
 *                                processes), and every process is held to the same CPU share,
 *                                --node-cpu (default: half this machine's cores over the circuit's
 *                                four nodes, at most 1: 0.25 on 2 cores, so the quota binds rather
 *                                than the machine, whose other half is left to the kernel's
 *                                loopback work and whatever else runs; 0: no quota), through a
 *                                cgroup: a relay's work runs beside its neighbours' and the circuit
 *                                goes at its busiest node's pace, while the direct stream goes at
 *                                its busier end's. Where cgroups are not writable the processes
 *                                share the cores unbounded and `cpu_quota` says so. `cpu_share`
 *                                beside it: each role's CPU seconds over the transfer's seconds.
 *   one_process                  beside it: the same ratio with every node in this one process,
 *                                sharing one CPU (see below), and `cpu_ratio`, that run's ratio in
 *                                bytes per CPU-second.
 *   tunnel.cells_per_s           one relay's forwarding rate, the relay alone: --cells (100,000)
 *                                pre-wrapped cells through a real relay whose link streams are
 *                                in-memory pipes (framing, layer check, re-framing; the link's
 *                                own encryption is the link bench's); `in_transfer` beside it:
 *                                cells the middle relay forwarded per second during the transfer
 *
 * In one process, all nodes share its one CPU: the circuit's three link hops (client ← entry ←
 * middle ← exit, which serves the blob), its relays and both ends run on it, while the direct
 * stream has one link hop and two ends. Each link hop carries a 1,024-byte cell per 886 data
 * bytes, so at equal link cost per byte the ratio cannot pass 886 / (3 × 1,024) ≈ 0.29 (a
 * little more when the direct stream leaves the CPU idle): what the tunnel code itself costs
 * (the onion layers: six AEAD passes per cell, relaying, SENDMEs, the nodes' traffic
 * accounting) is the distance from that ceiling (`ceiling` beside the figure). Larger cells
 * raise the ceiling (2,048: 0.31; 4,096: 0.32) but did not move the figure (2026-12-06, load 2:
 * 0.198 with 1,024-byte cells, 0.199 with 2,048, back to back), so the cells stayed as they are.
 * `cpu_ratio` beside it is the same ratio in bytes per CPU-second of this process (user +
 * system), which a loaded machine disturbs less than the wall-clock figure.
 *
 *   npm run bench -- tunnel [--nodes 20] [--builds 20] [--mib 64] [--cells 100000] [--probe-mtu 0]
 *                           [--procs 5] [--rounds 3] [--node-cpu 0.25]
 */
export const summary = 'tunnels: 3-hop build time, throughput through 3 hops vs a direct link stream, relay cells/s'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string', default: '20' },
      builds: { type: 'string', default: '20' },
      mib: { type: 'string', default: '64' },
      cells: { type: 'string', default: '100000' },
      'probe-mtu': { type: 'string', default: '0' },
      procs: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      'node-cpu': { type: 'string' }
    }
  })
  const bytes = Math.round(Number(values.mib) * MiB)
  progress(`tunnel: starting ${values.nodes} nodes on 127.0.0.1…`)
  const probeMtu = Number(values['probe-mtu']) > 0 ? Number(values['probe-mtu']) : undefined
  const net = await createTestnet(Number(values.nodes), { probeMtu })
  let oneProcess: Record<string, number> = {}
  try {
    for (const n of net.nodes) serveBlob(n.tunnels)
    const client = net.nodes[0]
    const times: number[] = []
    for (let i = 0; i < Number(values.builds); i++) {
      const t = performance.now()
      const c = await client.tunnels.build({ hops: 3 })
      times.push(performance.now() - t)
      c.close()
    }
    emit('tunnel.build_ms_p50', round(median(times)), 'ms', { builds: times.length, nodes: net.nodes.length })

    // The direct baseline runs before and after the circuit and is averaged: on a shared
    // machine the load drifts, and one baseline taken at another moment skews the ratio.
    progress(`tunnel: ${values.mib} MiB over one direct link stream (before)…`)
    const directBefore = await directStream(randomBytes(32), bytes, probeMtu)
    progress(`tunnel: ${values.mib} MiB through 3 hops…`)
    const circuit = await client.tunnels.build({ hops: 3 })
    const ids = (circuit as unknown as { hops: Array<{ id: Buffer }> }).hops.map(h => h.id)
    const middle = net.nodes.find(n => n.identity.id.equals(ids[1]))
    const before = middle?.tunnels.stats().cellsForwarded ?? 0
    const seed = randomBytes(32)
    const stream = await circuit.openStream('blob')
    let shown = 0
    const c0 = cpuMs()
    const t0 = performance.now()
    const got = await fetchBlob(stream, seed, bytes, (n) => {
      if (n - shown >= 16 * MiB) { shown = n; progress(`  ${Math.round(n / MiB)} MiB`) }
    })
    const tunnelMs = performance.now() - t0
    const tunnelCpuMs = cpuMs() - c0
    const forwarded = (middle?.tunnels.stats().cellsForwarded ?? 0) - before
    if (got.bytes !== bytes || got.hash !== blobHash(seed, bytes)) throw new Error('tunnel bench: the bytes through the circuit differ from what was sent')
    circuit.close()

    progress(`tunnel: ${values.mib} MiB over one direct link stream (after)…`)
    const directAfter = await directStream(seed, bytes, probeMtu)
    const directMs = (directBefore.ms + directAfter.ms) / 2
    const directCpuMs = (directBefore.cpuMs + directAfter.cpuMs) / 2
    const tunnelMBs = bytes / 1e6 / (tunnelMs / 1000)
    const directMBs = bytes / 1e6 / (directMs / 1000)
    const ceiling = RELAY_DATA_MAX / (3 * CELL_BYTES)
    oneProcess = {
      ratio: round(tunnelMBs / directMBs, 3), tunnel_MBps: round(tunnelMBs), direct_MBps: round(directMBs), ceiling: round(ceiling, 3),
      cpu_ratio: round(directCpuMs / tunnelCpuMs, 3), direct_before_MBps: round(bytes / 1e3 / directBefore.ms), direct_after_MBps: round(bytes / 1e3 / directAfter.ms)
    }
    progress(`tunnel: ${values.cells} cells through one relay…`)
    const alone = await relayCellsPerSecond(Number(values.cells))
    emit('tunnel.cells_per_s', Math.round(alone.cellsPerSecond), 'cells/s', { cells: Number(values.cells), in_transfer: Math.round(forwarded / (tunnelMs / 1000)) })
  } finally {
    await net.close()
  }
  const procs = Number(values.procs)
  const nodeCpu = values['node-cpu'] !== undefined ? Number(values['node-cpu']) : Math.min(1, Math.floor(availableParallelism() / 2 / 4 * 100) / 100)
  if (!(nodeCpu >= 0) || !Number.isFinite(nodeCpu)) throw new Error(`--node-cpu: expected a share of a CPU such as 0.25 (0: no quota), got ${String(values['node-cpu'])}`)
  const p = await throughputInProcesses(bytes, { nodes: procs, rounds: Number(values.rounds), cpus: nodeCpu > 0 ? nodeCpu : undefined, probeMtu })
  const m = p.median
  const share = (ms: number, wallMs: number): number => round(ms / wallMs, 2)
  emit('tunnel.throughput_vs_direct', round(m.ratio, 3), 'ratio', {
    tunnel_MBps: round(bytes / 1e3 / m.tunnelMs), direct_MBps: round(bytes / 1e3 / m.directMs), bytes, link_hops: 3,
    rounds: p.ratios, direct_ms_each: p.directMsEach, node_processes: procs, cpu_quota: p.quota,
    cpu_share: {
      client: share(m.roleCpuMs.client, m.tunnelMs), entry: share(m.roleCpuMs.entry, m.tunnelMs), middle: share(m.roleCpuMs.middle, m.tunnelMs), exit: share(m.roleCpuMs.exit, m.tunnelMs),
      direct_sender: share(p.directCpuMs.sender, m.directMs), direct_receiver: share(p.directCpuMs.receiver, m.directMs)
    },
    one_process: oneProcess
  })
  // tunnel.hs_first_byte_ms_p50 lives in its own file (t-hidden's part of the suite).
  await (await import('./tunnel-hidden.js')).runHiddenBench({ nodes: Number(values.nodes), rounds: 6 })
}

/** This process's CPU time so far (user + system), in ms. */
function cpuMs (): number {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}

/** The same bytes over one reliable link stream between two fresh link nodes on loopback UDP: wall and CPU ms. */
async function directStream (seed: Buffer, bytes: number, probeMtu?: number): Promise<{ ms: number, cpuMs: number }> {
  const links = await udpTestnet(2, { node: probeMtu === undefined ? {} : { probeMtu } })
  try {
    const [a, b] = links.nodes
    let done!: (ms: number) => void
    const finished = new Promise<number>(resolve => { done = resolve })
    let t0 = 0
    let c0 = 0
    b.link.registerService(TUNNEL_SERVICE, {
      onStream: (_peer, stream) => {
        stream.on('error', () => {})
        stream.on('data', () => {})
        stream.on('end', () => { done(performance.now() - t0) })
      }
    })
    const s = await a.link.openStream(b.contact, TUNNEL_SERVICE)
    s.on('error', () => {})
    c0 = cpuMs()
    t0 = performance.now()
    await writeBlob(s, seed, bytes)
    const ms = await finished
    return { ms, cpuMs: cpuMs() - c0 }
  } finally {
    await links.close()
  }
}
