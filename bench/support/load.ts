import { createRequire } from 'node:module'
import { childInput } from './child.js'

/**
 * Child process of the gateway benchmark: autocannon against one URL, so the
 * load generator has its own process (and core) and does not share the event
 * loop of the server it measures. With `proxy`, requests go to the proxy in
 * absolute form (`GET http://host/path HTTP/1.1`, Host: host), as a browser
 * configured with an HTTP proxy sends them. Prints one JSON LoadResult.
 */
export interface LoadJob {
  /** The URL to fetch (the page on a .tor-net host when `proxy` is set). */
  url: string
  /** host:port of an HTTP proxy to send the requests to. */
  proxy?: string
  connections: number
  seconds: number
}

export interface LoadResult {
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

async function main (): Promise<void> {
  const job = childInput<LoadJob>()
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
  const result: LoadResult = {
    requestsPerSecond: r.requests.total / r.duration,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    bytesPerSecond: r.throughput.average
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
