import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small HTTP server that speaks Namecoin Core's JSON-RPC the way Core
 * does, answering `name_show` from recorded answers:
 * - POST only; Basic auth checked against user/password (a bad or missing
 *   Authorization header gets a bare 401 with WWW-Authenticate, as Core);
 * - JSON-RPC 1.0 requests: errors come back as HTTP 500 (404 for an
 *   unknown method) with {"result": null, "error": {...}, "id"};
 * - JSON-RPC 2.0 requests: HTTP 200 with {"jsonrpc": "2.0", "error"|"result", "id"};
 * - a name without a recorded answer: error -4 "name not found: 'd/x'".
 * `hang` accepts requests and never answers (a stuck node).
 */

export interface RecordedNameShow {
  name: string
  name_encoding?: string
  value: string
  value_encoding?: string
  txid: string
  vout: number
  address: string
  height: number
  expires_in: number
  expired: boolean
  ismine: boolean
}

export interface NamecoinRpcServerOptions {
  user: string
  password: string
  /** Recorded name_show results, or a recorded error, by name. */
  answers: Record<string, RecordedNameShow | { error: { code: number, message: string } }>
  hang?: boolean
}

export interface NamecoinRpcServer {
  url: string
  port: number
  /** Every request that passed authentication, in order. */
  requests: Array<{ method: string, params: unknown[] }>
  /** Requests refused for bad credentials. */
  unauthorized: number
  close: () => Promise<void>
}

export async function startNamecoinRpcServer (opts: NamecoinRpcServerOptions): Promise<NamecoinRpcServer> {
  const requests: NamecoinRpcServer['requests'] = []
  const state = { unauthorized: 0 }
  const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST') { res.writeHead(405).end(); return }
      if (req.headers.authorization !== expected) {
        state.unauthorized++
        res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' }).end()
        return
      }
      if (opts.hang === true) return
      let call: { jsonrpc?: string, id?: unknown, method?: unknown, params?: unknown }
      try { call = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ result: null, error: { code: -32700, message: 'Parse error' }, id: null }) + '\n')
        return
      }
      const v2 = call.jsonrpc === '2.0'
      const reply = (status: number, result: unknown, error: { code: number, message: string } | null): void => {
        const body = v2
          ? (error === null ? { jsonrpc: '2.0', result, id: call.id } : { jsonrpc: '2.0', error, id: call.id })
          : { result, error, id: call.id }
        res.writeHead(v2 ? 200 : status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body) + '\n')
      }
      const params = Array.isArray(call.params) ? call.params : []
      requests.push({ method: String(call.method), params })
      if (call.method !== 'name_show') { reply(404, null, { code: -32601, message: 'Method not found' }); return }
      const name = String(params[0])
      const answer = Object.hasOwn(opts.answers, name) ? opts.answers[name] : undefined
      if (answer === undefined) { reply(500, null, { code: -4, message: `name not found: '${name}'` }); return }
      if ('error' in answer) { reply(500, null, answer.error); return }
      reply(200, answer, null)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    get unauthorized () { return state.unauthorized },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
