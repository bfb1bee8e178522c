import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProxyAgent, request } from 'undici'
import { createNode, defaultConfig, generateIdentity, type Endpoint } from '../../src/node/index.js'
import { childInput } from './child.js'
import { MemorySampler, type MemoryPeaks } from './memory-sampler.js'

/**
 * Child process of the transfer benchmark: one downloader, alone in its
 * process so that its peak RSS is its own. Given a job as a JSON argument it
 * either starts a Tornet node (fresh identity, LMDB in a temporary
 * directory), joins through the given endpoints and reads one file of a
 * reference through the node's content library — or, for the baseline,
 * fetches a URL with undici (directly or through an HTTP proxy). Prints one JSON DownloadResult on stdout.
 *
 *   node --openssl-legacy-provider dist/bench/support/downloader.js '{"kind":"http","url":"…"}'
 */
export type DownloadJob =
  | { kind: 'tornet', bootstrap: Endpoint[], host: string, path: string, probeMtu: number, cacheBytes?: number }
  /** `proxy`: an HTTP proxy (the gateway) asked with absolute-form requests, not CONNECT. */
  | { kind: 'http', url: string, proxy?: string }

export interface DownloadResult extends MemoryPeaks {
  bytes: number
  /** From the read call to the last byte. */
  ms: number
  /** From the read call to the first byte of the file. */
  ttfbMs: number
  /** This process's CPU time during the read (user + system). */
  cpuMs: number
  /** RSS when the read started (node up and joined), MiB. */
  rssBeforeMb: number
  /** Time to create the node and join (tornet only). */
  joinMs?: number
  /** Datagrams received and sent during the read (tornet only). */
  packetsIn?: number
  packetsOut?: number
}

async function consume (body: AsyncIterable<Uint8Array>, started: number): Promise<{ bytes: number, ttfbMs: number }> {
  let bytes = 0
  let ttfbMs = -1
  for await (const b of body) {
    if (ttfbMs < 0) ttfbMs = performance.now() - started
    bytes += b.length
  }
  return { bytes, ttfbMs }
}

/**
 * This process's own peak RSS (VmHWM, MiB), or undefined off Linux. Not getrusage's maxRSS:
 * for a process started by fork + exec, Linux folds the forking parent's RSS at the time of
 * the fork into ru_maxrss (the old address space's high-water mark is kept across exec), so
 * maxRSS reports the bench process's size whenever that is the larger (measured: 480 MiB for
 * a downloader whose own peak was 190).
 */
function ownPeakRssMb (): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    return m === null ? undefined : Number(m[1]) / 1024
  } catch { return undefined }
}

async function measure (read: () => Promise<{ bytes: number, ttfbMs: number }>): Promise<DownloadResult> {
  const rssBeforeMb = process.memoryUsage().rss / (1024 * 1024)
  const sampler = new MemorySampler()
  sampler.start()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const got = await read()
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const peaks = sampler.stop()
  return { ...got, ms, cpuMs: (cpu.user + cpu.system) / 1000, rssBeforeMb, ...peaks, maxRssMb: ownPeakRssMb() ?? peaks.maxRssMb }
}

async function main (): Promise<void> {
  const job = childInput<DownloadJob>()
  if (job.kind === 'http') {
    const result = await measure(async () => {
      const t0 = performance.now()
      const dispatcher = job.proxy === undefined ? undefined : new ProxyAgent({ uri: job.proxy, proxyTunnel: false })
      const res = await request(job.url, { dispatcher })
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`)
      return await consume(res.body, t0)
    })
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-downloader-'))
  const j0 = performance.now()
  const node = await createNode({
    dataDir: dir,
    config: {
      ...defaultConfig(),
      minRank: 0,
      listen: { host: '127.0.0.1', port: 0 },
      storage: { cacheBytes: job.cacheBytes ?? defaultConfig().storage.cacheBytes }
    },
    identity: generateIdentity(),
    link: { probeMtu: job.probeMtu }
  })
  try {
    await node.bootstrap(job.bootstrap)
    await node.dht.refresh().catch(() => {})
    node.start()
    const joinMs = performance.now() - j0
    const t = node.meter.totals
    const p0 = { in: t.packetsIn, out: t.packetsOut }
    const result = await measure(async () => await consume(node.content.read(job.host, job.path, undefined), performance.now()))
    process.stdout.write(`${JSON.stringify({ ...result, joinMs, packetsIn: t.packetsIn - p0.in, packetsOut: t.packetsOut - p0.out })}\n`)
  } finally {
    await node.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`downloader: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`)
  process.exitCode = 1
})
