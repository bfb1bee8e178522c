import { spawnSync } from 'node:child_process'
import { readFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { serveGateway, type ServedGateway } from '../src/cli/serve/serve-gateway.js'
import { parseReference } from '../src/node/index.js'
import { runJsonChild, supportScript } from './support/child.js'
import type { ConcurrentJob, ConcurrentResult } from './support/concurrent-get.js'
import type { DownloadJob, DownloadResult } from './support/downloader.js'
import { writePseudoRandomFile, writeSmallSite } from './support/files.js'
import { startBaselineServer, type BaselineServer } from './support/http-baseline.js'
import type { LoadJob, LoadResult, LoadTool } from './support/load.js'
import { startLocalNet, type LocalNet } from './support/local-net.js'
import { ProxyClient } from './support/proxy-get.js'
import { MiB, mbPerSecond, median, percentile, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * The gateway as a browser set to use it as its HTTP proxy sees it (issue 6).
 * Five real nodes on 127.0.0.1 (UDP, LMDB), node 0 serving the gateway
 * (serveGateway: sites, resolvers, dashboard), node 1 publishing --sites
 * small sites and one file of --mib MiB. Requests are absolute-form
 * (`GET http://<host>.tor-net/... HTTP/1.1`) to the gateway's port.
 *
 *   gateway.ttfb_cached_ms     a page node 0 has served before (its chunks in node 0's store, the
 *                              reference open): median over --cached requests on a kept-alive
 *                              connection (target ≤ 3 ms)
 *   gateway.ttfb_uncached_ms   the first request for index.html of a site node 0 never opened
 *                              (by reference host: root record and page fetched from node 1),
 *                              median over the sites (target ≤ 100 ms)
 *   gateway.ttfb_uncached_name_ms  the same through a registered <name>.tor-net (adds the name lookup)
 *   gateway.cached_rps         --tool (its own process), --connections (50) for --seconds (10)
 *                              against the cached page through the proxy
 *   gateway.baseline_rps       the same bytes from a bare node:http server, same load and tool.
 *                              --tool: wrk (default when installed; one thread, --threads) or
 *                              autocannon. autocannon's one JavaScript thread caps near a bare
 *                              node:http server's speed, which flatters the ratio; wrk does not.
 *                              --rounds N alternates gateway and baseline runs N times (a busy
 *                              machine then weighs on both alike); the figures are over all rounds.
 *   gateway.cached_vs_baseline cached_rps ÷ baseline_rps (target ≥ 0.5)
 *   gateway.download_mbps      the --mib file through the proxy to undici in a child process,
 *                              node 0 fetching it from node 1 as it streams (MB/s = 10^6 B/s);
 *                              gateway.download_baseline_mbps: the same file from a plain server
 *   gateway.concurrent_1000_errors  --crowd (1,000) connections opened at once, each held until all are
 *                              open (SOCKS ones through their handshake), then one GET each: half
 *                              SOCKS5, half HTTP proxy; half a page served before, half pages of
 *                              --crowd-sites sites node 0 never opened. Requests without a complete
 *                              200 count as errors (target 0). Clients in their own process, from
 *                              four loopback addresses (the gateway caps 256 per client address).
 *   gateway.concurrent_1000_p99_ms  request written (all connections open) to its last byte, 99th
 *                              percentile over those connections
 *   gateway.concurrent_1000_baseline_p99_ms  the same crowd, same client, against the plain node:http
 *                              server with the page in memory (plain GETs, no proxy)
 *
 * All nodes and the gateway share this process (as in `npm start`); the clients do not.
 * `loadBefore` (the 1-minute load average when the suite started) says how busy the machine was.
 *
 *   npm run bench -- gateway [--mib 256] [--sites 12] [--names 3] [--cached 500] [--connections 50] [--seconds 10]
 *                            [--tool wrk|autocannon] [--threads 1] [--rounds 1] [--crowd 1000] [--crowd-sites 20]
 */
export const summary = 'gateway through its HTTP proxy: TTFB cached/uncached, requests/s vs plain node:http, 256 MiB download, 1,000 concurrent connections'

const NAME_DIFFICULTY = 16

export async function run (args: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      mib: { type: 'string', default: '256' },
      sites: { type: 'string', default: '12' },
      names: { type: 'string', default: '3' },
      cached: { type: 'string', default: '500' },
      connections: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      tool: { type: 'string' },
      threads: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '1' },
      crowd: { type: 'string', default: '1000' },
      'crowd-sites': { type: 'string', default: '20' }
    }
  })
  const mib = Number(values.mib)
  const sites = Number(values.sites)
  const names = Number(values.names)
  const cachedCount = Number(values.cached)
  const connections = Number(values.connections)
  const seconds = Number(values.seconds)
  const threads = Number(values.threads)
  const rounds = Number(values.rounds)
  const crowd = Number(values.crowd)
  const crowdSites = Number(values['crowd-sites'])
  const tool = (values.tool ?? defaultLoadTool()) as LoadTool
  const positiveInts = [sites, cachedCount, connections, seconds, threads, rounds, crowd, crowdSites]
  if (!(mib > 0) || !positiveInts.every(n => Number.isInteger(n) && n >= 1) || !Number.isInteger(names) || names < 0 ||
    (tool !== 'wrk' && tool !== 'autocannon')) {
    throw new Error('usage: gateway [--mib N>0] [--sites N>=1] [--names N>=0] [--cached N>=1] [--connections N>=1] [--seconds N>=1] ' +
      '[--tool wrk|autocannon] [--threads N>=1] [--rounds N>=1] [--crowd N>=1] [--crowd-sites N>=1]')
  }
  const size = Math.round(mib * MiB)
  // Other work on this shared machine shows here (the 1-minute load average before we start).
  const loadBefore = round(loadavg()[0], 2)
  const work = mkdtempSync(join(tmpdir(), 'tornet-bench-gateway-'))
  let net: LocalNet | undefined
  let served: ServedGateway | undefined
  let baseline: BaselineServer | undefined
  let client: ProxyClient | undefined
  try {
    progress('starting 5 nodes and the gateway on node 0…')
    net = await startLocalNet(5, { nameDifficulty: NAME_DIFFICULTY })
    const [gatewayNode, publisher] = net.nodes
    served = await serveGateway(gatewayNode, { host: '127.0.0.1', port: 0, passThrough: false })
    const proxy = served.gateway.address

    progress(`node 1 publishes ${sites + 1 + names + crowdSites} small sites and a ${mib} MiB file…`)
    const hosts: string[] = []
    for (let i = 0; i < sites + 1 + names + crowdSites; i++) {
      const dir = join(work, 'sites', `s${i}`)
      writeSmallSite(dir, `bench site ${i} ${Date.now()}`)
      hosts.push((await publisher.publish(dir)).host)
    }
    const nameHosts: string[] = []
    for (let i = 0; i < names; i++) {
      const name = `gw-bench-${i}-${Date.now().toString(36)}`
      const ref = parseReference(hosts[sites + 1 + i])
      await publisher.names.register(name, { kind: 'content', value: Buffer.concat([ref.id, ref.key]) })
      nameHosts.push(name)
    }
    mkdirSync(join(work, 'big'))
    await writePseudoRandomFile(join(work, 'big', 'big.bin'), size, 11)
    const big = await publisher.publish(join(work, 'big'))

    client = new ProxyClient(proxy)
    const pageUrl = (host: string): string => `http://${host}.tor-net/index.html`
    const check = (status: number, url: string): void => { if (status !== 200) throw new Error(`GET ${url} through the gateway: HTTP ${status}`) }
    // Opens the kept-alive connection (the gateway's own PAC file: no content involved).
    await client.get(`http://127.0.0.1:${proxy.port}/proxy.pac`)

    progress(`uncached: index.html of ${sites} sites node 0 never opened…`)
    const uncached: number[] = []
    for (let i = 1; i <= sites; i++) {
      const r = await client.get(pageUrl(hosts[i]))
      check(r.status, pageUrl(hosts[i]))
      uncached.push(r.ttfbMs)
    }
    const uncachedNames: number[] = []
    for (const name of nameHosts) {
      const url = `http://${name}.tor-net/index.html`
      const r = await client.get(url)
      check(r.status, url)
      uncachedNames.push(r.ttfbMs)
    }

    progress(`cached: ${cachedCount} requests for a page served before…`)
    const cachedUrl = pageUrl(hosts[0])
    const first = await client.get(cachedUrl)
    check(first.status, cachedUrl)
    const cached: number[] = []
    for (let i = 0; i < cachedCount; i++) {
      const r = await client.get(cachedUrl)
      check(r.status, cachedUrl)
      cached.push(r.ttfbMs)
    }
    // The crowd: the cached page (and its style sheet) for half, pages of sites never opened for the other half.
    const crowdHosts = hosts.slice(sites + 1 + names)
    const crowdPages = ['/index.html', '/style.css', '/page0.html', '/page1.html']
    const crowdJob: ConcurrentJob = {
      proxy,
      hosts: [hosts[0], ...crowdHosts].map(h => `${h}.tor-net`),
      targets: Array.from({ length: crowd }, (_, i) => i % 4 < 2
        ? { host: 0, path: i % 4 === 0 ? '/index.html' : '/style.css' }
        : { host: 1 + (i % crowdSites), path: crowdPages[Math.floor(i / 4) % crowdPages.length] }),
      localAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'],
      timeoutMs: 60_000
    }
    check((await client.get(`http://${hosts[0]}.tor-net/style.css`)).status, 'style.css')
    progress(`crowd: ${crowd} connections at once (SOCKS5 and HTTP proxy, cached and uncached pages)…`)
    const crowdResult = await runJsonChild<ConcurrentResult>(supportScript('concurrent'), crowdJob)
    if (crowdResult.errors > 0) progress(`  ${crowdResult.errors} errors, e.g. ${crowdResult.failures.slice(0, 3).join('; ')}`)

    client.close()
    client = undefined

    const page = readFileSync(join(work, 'sites', 's0', 'index.html'))
    baseline = await startBaselineServer({ bodies: { '/index.html': { body: page, type: 'text/html; charset=utf-8' } }, files: { '/big.bin': join(work, 'big', 'big.bin') } })
    const load = async (job: LoadJob): Promise<LoadResult> => {
      const r = await runJsonChild<LoadResult>(supportScript('load'), job)
      if (r.non2xx > 0 || r.errors > 0) progress(`  warning: ${r.non2xx} non-2xx answers, ${r.errors} errors`)
      return r
    }
    progress(`crowd baseline: ${crowd} connections at once to the plain server…`)
    const crowdBase = await runJsonChild<ConcurrentResult>(supportScript('concurrent'), {
      proxy: { host: '127.0.0.1', port: Number(new URL(baseline.url('/')).port) },
      hosts: ['127.0.0.1'],
      targets: Array.from({ length: crowd }, () => ({ host: 0, path: '/index.html' })),
      localAddresses: crowdJob.localAddresses,
      direct: true
    } satisfies ConcurrentJob)
    const gwJob: LoadJob = { url: cachedUrl, proxy: `${proxy.host}:${proxy.port}`, connections, seconds, tool, threads }
    const baseJob: LoadJob = { url: baseline.url('/index.html'), connections, seconds, tool, threads }
    progress(`requests/s with ${tool}: ${connections} connections, ${seconds} s each, ${rounds} round(s) (after a 2 s warm-up of each)…`)
    await load({ ...gwJob, seconds: 2 })
    await load({ ...baseJob, seconds: 2 })
    const gwRuns: LoadResult[] = []
    const baseRuns: LoadResult[] = []
    for (let i = 0; i < rounds; i++) {
      gwRuns.push(await load(gwJob))
      baseRuns.push(await load(baseJob))
    }
    const gw = combine(gwRuns)
    const base = combine(baseRuns)

    progress(`download: ${mib} MiB through the gateway, then from the plain server…`)
    const dl = await runJsonChild<DownloadResult>(supportScript('downloader'),
      { kind: 'http', url: `http://${big.host}.tor-net/big.bin`, proxy: `http://${proxy.host}:${proxy.port}` } satisfies DownloadJob)
    if (dl.bytes !== size) throw new Error(`gateway download: ${dl.bytes} bytes, expected ${size}`)
    const dlBase = await runJsonChild<DownloadResult>(supportScript('downloader'), { kind: 'http', url: baseline.url('/big.bin') } satisfies DownloadJob)

    emit('gateway.ttfb_cached_ms', round(median(cached), 3), 'ms', {
      target: 3, samples: cached.length, p90: round(percentile(cached, 90), 3), p99: round(percentile(cached, 99), 3), bytes: first.bytes
    })
    emit('gateway.ttfb_uncached_ms', round(median(uncached), 1), 'ms', {
      target: 100, samples: uncached.length, p90: round(percentile(uncached, 90), 1), max: round(Math.max(...uncached), 1), via: 'reference host'
    })
    if (uncachedNames.length > 0) {
      emit('gateway.ttfb_uncached_name_ms', round(median(uncachedNames), 1), 'ms', {
        samples: uncachedNames.length, max: round(Math.max(...uncachedNames), 1), via: '<name>.tor-net'
      })
    }
    emit('gateway.cached_rps', Math.round(gw.requestsPerSecond), 'requests/s', {
      connections, seconds, latencyP50Ms: gw.latencyP50Ms, latencyP99Ms: gw.latencyP99Ms, non2xx: gw.non2xx, errors: gw.errors, tool, rounds, loadBefore
    })
    emit('gateway.baseline_rps', Math.round(base.requestsPerSecond), 'requests/s', {
      connections, seconds, latencyP50Ms: base.latencyP50Ms, latencyP99Ms: base.latencyP99Ms, tool, rounds, server: 'node:http, body from memory'
    })
    emit('gateway.cached_vs_baseline', round(gw.requestsPerSecond / base.requestsPerSecond, 3), 'ratio', { target: 0.5 })
    emit('gateway.download_mbps', round(mbPerSecond(dl.bytes, dl.ms), 1), 'MB/s', {
      mib, ttfbMs: round(dl.ttfbMs, 1), providers: 1, clientCpuMs: Math.round(dl.cpuMs)
    })
    const crowdMs = crowdResult.latenciesMs
    emit('gateway.concurrent_1000_errors', crowdResult.errors, 'requests', {
      target: 0, connections: crowd, ok: crowdResult.ok, socks: crowdResult.bySocks, httpProxy: crowdResult.byHttpProxy,
      peakOpen: crowdResult.peakOpen, uncachedSites: crowdSites, loadBefore
    })
    emit('gateway.concurrent_1000_p99_ms', crowdMs.length === 0 ? NaN : round(percentile(crowdMs, 99), 1), 'ms', {
      connections: crowd, p50: round(median(crowdMs), 1), p90: round(percentile(crowdMs, 90), 1),
      max: round(Math.max(...crowdMs), 1), wallMs: Math.round(crowdResult.wallMs)
    })
    emit('gateway.concurrent_1000_baseline_p99_ms', crowdBase.latenciesMs.length === 0 ? NaN : round(percentile(crowdBase.latenciesMs, 99), 1), 'ms', {
      connections: crowd, errors: crowdBase.errors, p50: round(median(crowdBase.latenciesMs), 1), server: 'node:http, body from memory'
    })
    emit('gateway.download_baseline_mbps', round(mbPerSecond(dlBase.bytes, dlBase.ms), 1), 'MB/s', { mib, server: 'node:http, file streamed from disk' })
  } finally {
    client?.close()
    await baseline?.close()
    await served?.close()
    await net?.close()
    rmSync(work, { recursive: true, force: true })
  }
}

function defaultLoadTool (): LoadTool {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined ? 'wrk' : 'autocannon'
}

/** Several runs as one: requests over the total time; latencies and rates of the median run. */
function combine (runs: LoadResult[]): LoadResult {
  const requests = runs.reduce((n, r) => n + r.requests, 0)
  const seconds = runs.reduce((t, r) => t + r.requests / r.requestsPerSecond, 0)
  const mid = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(runs.length / 2)]
  return {
    ...mid,
    requests,
    requestsPerSecond: requests / seconds,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0)
  }
}
