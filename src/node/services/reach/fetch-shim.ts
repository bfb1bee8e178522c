/**
 * Why the UPnP-IGD client needs this: the npm `undici` package (7.x, which the Namecoin RPC source
 * loads) installs its Agent as the process-wide dispatcher when imported, and Node 20's built-in
 * fetch then hands its requests to that newer Agent, which rejects a request whose headers carry
 * an explicit Content-Length ("fetch failed", cause "invalid content-length header"). The port
 * mapping library sets one on every SOAP request, so every UPnP-IGD mapping failed inside
 * `tornet start` (while working in a bare process) — seen against miniupnpd in the namespace test.
 *
 * fetch computes Content-Length from the body itself, so an explicit one is redundant; the shim
 * drops it from string bodies only and passes everything else through unchanged. Installed once.
 */
const SHIMMED = Symbol.for('tornet.fetch.dropExplicitContentLength')

export function dropExplicitContentLength (): void {
  const g = globalThis as typeof globalThis & { [SHIMMED]?: true }
  if (g[SHIMMED] === true || typeof g.fetch !== 'function') return
  const original = g.fetch.bind(g)
  g.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (init?.headers === undefined || typeof init.body !== 'string') return await original(input, init)
    const headers = new Headers(init.headers)
    headers.delete('content-length')
    return await original(input, { ...init, headers })
  }
  g[SHIMMED] = true
}
