import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig } from '../src/node/config.js'
import { generateIdentity } from '../src/node/identity/identity.js'
import { type TornetNode, createNode } from '../src/node/node.js'
import { MemoryNetwork } from '../src/node/transport/memory.js'
import { median, percentile, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * tunnel.hs_first_byte_ms_p50: a fresh client (a node that never talked to the
 * service: no cached descriptor, no circuits of its own but its pre-built
 * pool) connects to a hidden service by its key with an HTTP GET in hand;
 * the time to the first byte of the answer. Cold every round (each round is a
 * new client node). 20 nodes on the in-memory transport with 50 ms median
 * one-way link latency (±10 ms jitter), so the figure is the protocol's round
 * trips, not this machine's speed. Target ≤ 1,500 ms (Tor's onion-service
 * connect takes several seconds). Baseline, same run: the median link round
 * trip the clients measured, printed as the ratio hs_first_byte / RTT.
 *
 * The headline client hands the GET to connect() (`earlyData`: it rides in the
 * introduction, 0-RTT); a second fresh client per round writes it after
 * connect() resolves (what a caller that does not hand its first bytes over
 * gets; the gateway hands over a GET's head, early-stream.ts), printed as
 * tunnel.hs_first_byte_no_early_ms_p50.
 *
 * Where the time goes. 2026-12-06 before: p50 ≈ 4.5–4.9 s (separate 3-hop builds); then ≈ 2.5 s
 * (pre-built 2-hop pools + one EXTEND, optimistic BEGIN). Now (p50 ≈ 1.37–1.45 s at load 5–15 on
 * 2 cores; request-after-connect ≈ 2.15 s): descriptor read ≈ 0.35 s; one EXTEND of a pooled
 * circuit to an intro point ≈ 0.35 s; hs-establish-rendezvous + hs-introduce back to back on it,
 * the introduction (with the GET) reaching the service ≈ 0.17 s; the service, which keeps a ready
 * 3-hop circuit to each of its intro points and has already handed the GET to its server, sends
 * hs-rendezvous1 and the answer right behind it: the intro point joins the circuits and the
 * answer reaches the client ≈ 0.33 s later (12 link crossings after the EXTEND, in all). The
 * cost in anonymity is told in src/node/services/tunnels/hidden/hidden-client.ts.
 *
 *   npm run bench -- tunnel-hidden [--nodes 20] [--rounds 6]
 * (also run by `npm run bench -- tunnel`).
 */
export const summary = 'hidden-service first byte over simulated 50 ms links (tunnel.hs_first_byte_ms_p50)'

function arg (args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name)
  const v = i >= 0 ? Number(args[i + 1]) : fallback
  return Number.isFinite(v) && v > 0 ? v : fallback
}

export async function run (args: string[] = []): Promise<void> {
  await runHiddenBench({ nodes: arg(args, '--nodes', 20), rounds: arg(args, '--rounds', 6) })
}

export async function runHiddenBench (o: { nodes: number, rounds: number }): Promise<void> {
  const net = new MemoryNetwork({ seed: 17, latencyMs: 50, jitterMs: 10 })
  const nodes: TornetNode[] = []
  const dirs: string[] = []
  const server = createServer((req, res) => { res.end('first byte') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  try {
    progress(`tunnel-hidden: starting ${o.nodes} nodes on the simulated network (50 ms links)…`)
    for (let i = 0; i < o.nodes; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-hs-'))
      dirs.push(dir)
      nodes.push(await createNode({
        dataDir: dir,
        identity: generateIdentity(),
        // One /16 per node: circuits never put two hops in one /16 (path-selection.ts).
        transport: net.createTransport({ address: `10.${i + 1}.0.1`, port: 7000 }),
        // As `tornet start` runs: 2-hop circuits kept ready, extended to an intro point when one is chosen.
        preemptiveCircuits: true,
        config: { ...defaultConfig(), minRank: 0, allowPrivateEndpoints: true, listen: { host: '127.0.0.1', port: 0 } }
      }))
    }
    for (let i = 1; i < nodes.length; i++) await nodes[i].bootstrap([nodes[0].endpoint])
    await Promise.all(nodes.map(async n => await n.refreshRouting().catch(() => {})))
    for (const n of nodes) n.start()
    const service = nodes[1]
    progress('tunnel-hidden: publishing the hidden service…')
    const info = await service.hidden.add('bench', { host: '127.0.0.1', port }, { register: false })
    const key = Buffer.from(info.publicKey, 'hex')
    const times: number[] = []
    const plain: number[] = []
    const rtts: number[] = []
    const clients = nodes.slice(2)
    const request = Buffer.from('GET / HTTP/1.1\r\nHost: bench.tor-net\r\nConnection: close\r\n\r\n')
    // Two fresh clients per round: one hands the request to connect() (0-RTT, it rides in the
    // introduction: the headline figure), one writes it once connect() resolved.
    const rounds = Math.min(o.rounds, Math.floor(clients.length / 2))
    for (let r = 0; r < rounds; r++) {
      for (const early of [true, false]) {
        const client = clients[clients.length - 1 - (2 * r + (early ? 0 : 1))]
        const started = performance.now()
        const phases: string[] = []
        const stream = await client.hidden.connect(key, {
          earlyData: early ? request : undefined,
          onProgress: p => { phases.push(`${p.phase} ${Math.round(performance.now() - started)}`) }
        })
        const first = await new Promise<number>((resolve, reject) => {
          stream.once('data', () => { resolve(performance.now()) })
          stream.once('error', reject)
          if (!early) stream.write(request)
        })
        stream.destroy()
        ;(early ? times : plain).push(first - started)
        for (const p of client.peers()) if (p.rttMs !== undefined) rtts.push(p.rttMs)
        progress(`  round ${r + 1}${early ? ' (early data)' : ' (request after connect)'}: first byte after ${Math.round(first - started)} ms (${phases.join(', ')} ms)`)
      }
    }
    const p50 = median(times)
    const rtt = median(rtts)
    emit('tunnel.hs_first_byte_ms_p50', round(p50, 0), 'ms', {
      p90: round(percentile(times, 90), 0), rounds: times.length, nodes: o.nodes, linkLatencyMs: 50, targetMs: 1500,
      linkRttMs: round(rtt, 1), rttsToFirstByte: round(p50 / rtt, 1), cold: true, earlyData: true,
      requestAfterConnectP50: round(median(plain), 0)
    })
    emit('tunnel.hs_first_byte_no_early_ms_p50', round(median(plain), 0), 'ms', {
      p90: round(percentile(plain, 90), 0), rounds: plain.length, linkRttMs: round(rtt, 1), cold: true, earlyData: false
    })
  } finally {
    await Promise.allSettled(nodes.map(async n => await n.stop()))
    server.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}
