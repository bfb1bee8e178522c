import { createReadStream, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The plain-HTTP baselines: a bare node:http server on 127.0.0.1 that serves
 * files from disk (streamed, with Content-Length) or fixed bodies from
 * memory, with none of the gateway's work (no resolving, no content lookup,
 * no ETag). What Tornet is compared with in the same run.
 */
export interface BaselineServer {
  server: Server
  port: number
  url (path: string): string
  close (): Promise<void>
}

export interface BaselineRoutes {
  /** URL path → file on disk, streamed. */
  files?: Record<string, string>
  /** URL path → body served from memory. */
  bodies?: Record<string, { body: Buffer, type: string }>
}

export async function startBaselineServer (routes: BaselineRoutes): Promise<BaselineServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const body = routes.bodies?.[path]
    if (body !== undefined) {
      res.writeHead(200, { 'content-type': body.type, 'content-length': body.body.length })
      res.end(body.body)
      return
    }
    const file = routes.files?.[path]
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size })
      createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res)
      return
    }
    res.writeHead(404, { 'content-length': 0 })
    res.end()
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
