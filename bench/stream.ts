import { createServer, connect, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { pathToFileURL } from 'node:url'
import { createStreamPair, seededChunks, seededDigest, transfer } from '../test/helpers/lossy-pipe.js'

/**
 * Reliable-stream throughput over the in-process lossy pipe (both ends in
 * this process, frames handed over by setImmediate, so the figure includes
 * both sides' CPU): 64 MiB clean, and 64 MiB with 5% loss, 5% reordering by
 * 1–5 ms delays and 2% duplication (each direction, as in the unit test). Baseline in the same run: the same
 * 64 MiB over a plain TCP loopback socket. `acks_per_frame`: the receiver's frames back (ACKs) per
 * frame the sender sent, for the clean case (the ACK policy's cost on a bulk flow).
 */

const BYTES = 64 * 1024 * 1024

function report (name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }))
}

function mbit (bytes: number, ms: number): number { return bytes * 8 / 1e6 / (ms / 1000) }

async function streamCase (faults: { drop?: number, reorder?: number, duplicate?: number, maxDelayMs?: number }): Promise<{ mbps: number, stats: Record<string, unknown> }> {
  const pair = createStreamPair({ faults: { seed: 7, ...faults } })
  try {
    const got = await transfer(pair, 11, BYTES)
    if (got.bytes !== BYTES || got.digest !== seededDigest(11, BYTES)) throw new Error('stream bench: data corrupted')
    const s = pair.a.stats
    return {
      mbps: mbit(BYTES, got.ms),
      stats: { ms: Math.round(got.ms), framesSent: pair.ab.counters.sent, retransmits: s.retransmits, lost: s.framesLost, episodes: s.lossEpisodes, timeouts: s.timeouts, spuriousTimeouts: s.spuriousTimeouts, probes: s.tailProbes, acks: pair.ba.counters.sent, spurious: s.spuriousRetransmits, srtt: s.srtt, minRtt: s.minRtt, cwnd: Math.round(s.cwnd) }
    }
  } finally {
    pair.close()
  }
}

async function tcpBaseline (): Promise<number> {
  const server = createServer((sock) => { sock.resume(); sock.on('end', () => sock.end()) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const sock = connect(port, '127.0.0.1')
  await once(sock, 'connect')
  const start = performance.now()
  for (const chunk of seededChunks(11, BYTES)) {
    if (!sock.write(chunk)) await once(sock, 'drain')
  }
  sock.end()
  await once(sock, 'close')
  const ms = performance.now() - start
  server.close()
  return mbit(BYTES, ms)
}

export async function run (): Promise<void> {
  const verbose = process.env.STREAM_BENCH_VERBOSE === '1'
  const clean = await streamCase({})
  report('stream.clean_mbps', clean.mbps, 'Mbit/s')
  report('stream.clean_acks_per_frame', (clean.stats.acks as number) / (clean.stats.framesSent as number), 'ratio')
  if (verbose) console.error('clean', clean.stats)
  const lossy = await streamCase({ drop: 0.05, reorder: 0.05, duplicate: 0.02, maxDelayMs: 5 })
  report('stream.loss5_mbps', lossy.mbps, 'Mbit/s')
  if (verbose) console.error('loss5', lossy.stats)
  report('stream.tcp_loopback_mbps', await tcpBaseline(), 'Mbit/s')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
}
