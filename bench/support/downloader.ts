import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProxyAgent, request } from 'undici'
import { createNode, defaultConfig, generateIdentity, type Endpoint } from '../../src/node/index.js'
import { childInput } from './child.js'
import { MemorySampler, type MemoryPeaks, type MemorySamplerOptions } from './memory-sampler.js'
import { summarizeSmaps, threadCpuMs } from './smaps.js'

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
  | {
    kind: 'tornet', bootstrap: Endpoint[], host: string, path: string, probeMtu: number,
    /** The downloader's chunk-cache bound (default: the node's default). */
    cacheBytes?: number
    /** Write a memory timeline (one JSON sample per line, every 100 ms, then the threads' CPU) to this file. */
    timeline?: string
  }
  /** `proxy`: an HTTP proxy (the gateway) asked with absolute-form requests, not CONNECT. */
  | { kind: 'http', url: string, proxy?: string }

export interface DownloadResult extends MemoryPeaks {
  bytes: number
  /** From the read call to the last byte. */
  ms: number
  /** From the read call to the first byte of the file. */
  ttfbMs: number
  /** This process's CPU time during the read (user + system), all threads. */
  cpuMs: number
  /** The main thread's alone (network, streams, slice checks; Linux only, 10 ms resolution). */
  mainCpuMs?: number
  /** RSS when the read started (node up and joined), MiB. */
  rssBeforeMb: number
  /** Time to create the node and join (tornet only). */
  joinMs?: number
  /** Datagrams received and sent during the read (tornet only). */
  packetsIn?: number
  packetsOut?: number
}

/** Reads `body` to its end; `progress`, if given, sees the running byte count. */
async function consume (body: AsyncIterable<Uint8Array>, started: number, progress?: { bytes: number }): Promise<{ bytes: number, ttfbMs: number }> {
  let bytes = 0
  let ttfbMs = -1
  for await (const b of body) {
    if (ttfbMs < 0) ttfbMs = performance.now() - started
    bytes += b.length
    if (progress !== undefined) progress.bytes = bytes
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

function mainThreadCpuMs (): number | undefined {
  const main = threadCpuMs().find(t => t.thread === 'main')
  return main === undefined ? undefined : main.userMs + main.sysMs
}

async function measure (read: () => Promise<{ bytes: number, ttfbMs: number }>, timeline?: { path: string, extra: MemorySamplerOptions['extra'] }): Promise<DownloadResult> {
  const rssBeforeMb = process.memoryUsage().rss / (1024 * 1024)
  const sampler = new MemorySampler(timeline === undefined ? {} : { timeline: true, intervalMs: 100, extra: timeline.extra })
  sampler.start()
  const cpu0 = process.cpuUsage()
  const main0 = mainThreadCpuMs()
  const t0 = performance.now()
  const got = await read()
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const main1 = mainThreadCpuMs()
  const peaks = sampler.stop()
  if (timeline !== undefined) {
    // The timeline, then one line with the CPU time of each thread (since the process started).
    const lines = sampler.samples().map(x => JSON.stringify(x))
    lines.push(JSON.stringify({ threads: threadCpuMs() }))
    writeFileSync(timeline.path, lines.join('\n') + '\n')
  }
  const mainCpuMs = main0 === undefined || main1 === undefined ? undefined : main1 - main0
  return { ...got, ms, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs, rssBeforeMb, ...peaks, maxRssMb: ownPeakRssMb() ?? peaks.maxRssMb }
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
      storage: { cacheBytes: job.cacheBytes ?? defaultConfig().storage.cacheBytes },
      // It joins a loopback network: its peers' contacts are all on 127.0.0.1.
      allowPrivateEndpoints: true
    },
    identity: generateIdentity(),
    link: { probeMtu: job.probeMtu }
  })
  try {
    await node.bootstrap(job.bootstrap)
    await node.refreshRouting().catch(() => {})
    node.start()
    const joinMs = performance.now() - j0
    const t = node.internals.meter.totals
    const p0 = { in: t.packetsIn, out: t.packetsOut }
    const read = { bytes: 0 }
    let samples = 0
    const extra = (): Record<string, number> => {
      const backlog = node.internals.store.chunks.backlog()
      const figures = { readMb: Math.round(read.bytes / 1048576), pendingChunks: backlog.chunks, pendingMb: Math.round(backlog.bytes / 1048576), cachedMb: Math.round(node.storeUsage().cacheBytes / 1048576) }
      // Where the memory is, once a second (smaps is slower to read than status).
      return samples++ % 10 === 0 ? { ...figures, ...summarizeSmaps() } : figures
    }
    // Progress on stderr every 10 s (the bench passes it through): bytes read and memory.
    const ticker = setInterval(() => {
      const m = process.memoryUsage()
      process.stderr.write(`downloader: ${Math.round(read.bytes / 1048576)} MiB read, RSS ${Math.round(m.rss / 1048576)} MiB, heap ${Math.round(m.heapUsed / 1048576)} MiB\n`)
    }, 10_000)
    ticker.unref()
    // transient: each buffer is counted and dropped before the next is asked for, as `tornet get`
    // writes it and the gateway sends it (the content layer then reuses the plaintext buffers).
    const result = await measure(
      async () => await consume(node.content.read(job.host, job.path, undefined, undefined, { transient: true }), performance.now(), read),
      job.timeline === undefined ? undefined : { path: job.timeline, extra })
      .finally(() => { clearInterval(ticker) })
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
