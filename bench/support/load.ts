import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { childInput } from './child.js'

/**
 * Child process of the gateway benchmark: a load generator against one URL,
 * in its own process so it does not share the event loop of the server it
 * measures. With `proxy`, requests go to the proxy in absolute form
 * (`GET http://host/path HTTP/1.1`, Host: host), as a browser configured
 * with an HTTP proxy sends them. Prints one JSON LoadResult.
 *
 * Tools: wrk (C, one thread by default) when installed — it needs a few µs
 * of CPU per request, so on a small machine the server, not the client, is
 * what runs out; otherwise autocannon, whose single JavaScript thread tops
 * out near the speed of a bare node:http server and so flatters any ratio
 * against one. The caller picks one tool for every run it compares.
 */
export type LoadTool = 'wrk' | 'autocannon'

export interface LoadJob {
  /** The URL to fetch (the page on a .tor-net host when `proxy` is set). */
  url: string
  /** host:port of an HTTP proxy to send the requests to. */
  proxy?: string
  connections: number
  seconds: number
  tool?: LoadTool // default autocannon
  /** wrk threads (default 1). */
  threads?: number
}

export interface LoadResult {
  tool: LoadTool
  requestsPerSecond: number
  requests: number
  non2xx: number
  errors: number
  timeouts: number
  latencyP50Ms: number
  latencyP99Ms: number
  bytesPerSecond: number
}

interface AutocannonResult {
  requests: { average: number, total: number }
  latency: { p50: number, p99: number }
  throughput: { average: number }
  non2xx: number
  errors: number
  timeouts: number
  duration: number
}

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>

async function withAutocannon (job: LoadJob): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
  const target = new URL(job.url)
  const opts: Record<string, unknown> = {
    url: job.proxy === undefined ? job.url : `http://${job.proxy}`,
    connections: job.connections,
    duration: job.seconds
  }
  if (job.proxy !== undefined) {
    opts.requests = [{ method: 'GET', path: target.href, headers: { host: target.host } }]
  }
  const r = await autocannon(opts)
  return {
    tool: 'autocannon',
    requestsPerSecond: r.requests.total / r.duration,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    bytesPerSecond: r.throughput.average
  }
}

// wrk reports through this script's done(): one JSON line after its own summary. Times are in µs.
const WRK_REPORT = `
done = function (summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

interface WrkReport {
  requests: number
  durationUs: number
  bytes: number
  connect: number
  read: number
  write: number
  status: number
  timeout: number
  p50Us: number
  p99Us: number
}

async function withWrk (job: LoadJob): Promise<LoadResult> {
  const target = new URL(job.url)
  let script = WRK_REPORT
  let url = job.url
  if (job.proxy !== undefined) {
    url = `http://${job.proxy}/`
    script = `wrk.path = ${JSON.stringify(target.href)}\nwrk.headers["Host"] = ${JSON.stringify(target.host)}\n${script}`
  }
  const dir = mkdtempSync(join(tmpdir(), 'tornet-wrk-'))
  try {
    const file = join(dir, 'report.lua')
    writeFileSync(file, script)
    const threads = Math.min(job.threads ?? 1, job.connections)
    const args = ['-t', String(threads), '-c', String(job.connections), '-d', `${job.seconds}s`, '-s', file, url]
    const out = await run('wrk', args)
    const line = out.split('\n').reverse().find(l => l.startsWith('{'))
    if (line === undefined) throw new Error(`wrk printed no report: ${out.slice(0, 300)}`)
    const r = JSON.parse(line) as WrkReport
    const seconds = r.durationUs / 1e6
    return {
      tool: 'wrk',
      requestsPerSecond: r.requests / seconds,
      requests: r.requests,
      non2xx: r.status,
      errors: r.connect + r.read + r.write,
      timeouts: r.timeout,
      latencyP50Ms: r.p50Us / 1000,
      latencyP99Ms: r.p99Us / 1000,
      bytesPerSecond: r.bytes / seconds
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function run (command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s: string) => { out += s })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  if (code !== 0) throw new Error(`${command} exited with ${String(code)}: ${out.slice(-300)}`)
  return out
}

async function main (): Promise<void> {
  const job = childInput<LoadJob>()
  const result = job.tool === 'wrk' ? await withWrk(job) : await withAutocannon(job)
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
