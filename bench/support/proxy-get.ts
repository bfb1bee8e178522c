import { Agent, request } from 'node:http'

/**
 * One GET through an HTTP proxy (the gateway) in absolute form, as a browser
 * set to use the proxy sends it, timed: time to first byte is when the
 * response's status line and headers have arrived; the body is read to the
 * end. The keep-alive agent reuses connections between calls, so a series of
 * requests measures the gateway, not TCP set-up.
 */
export interface TimedResponse {
  status: number
  ttfbMs: number
  totalMs: number
  bytes: number
}

export class ProxyClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 })

  constructor (private readonly proxy: { host: string, port: number }) {}

  async get (url: string, timeoutMs = 30_000): Promise<TimedResponse> {
    const target = new URL(url)
    const t0 = performance.now()
    return await new Promise<TimedResponse>((resolve, reject) => {
      const req = request({
        host: this.proxy.host,
        port: this.proxy.port,
        method: 'GET',
        path: target.href,
        headers: { host: target.host },
        agent: this.agent,
        timeout: timeoutMs
      }, (res) => {
        const ttfbMs = performance.now() - t0
        let bytes = 0
        res.on('data', (b: Buffer) => { bytes += b.length })
        res.once('end', () => resolve({ status: res.statusCode ?? 0, ttfbMs, totalMs: performance.now() - t0, bytes }))
        res.once('error', reject)
      })
      req.once('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)))
      req.once('error', reject)
      req.end()
    })
  }

  close (): void { this.agent.destroy() }
}
