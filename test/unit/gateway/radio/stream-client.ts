/** A client that keeps a streaming response open and lets a test wait for what has arrived so far. */
import { request, type IncomingHttpHeaders } from 'node:http'

export interface OpenStream {
  status: number
  headers: IncomingHttpHeaders
  rawHeaders: string[]
  body (): Buffer
  /** Resolves once the body holds at least n bytes (rejects after timeoutMs). */
  bytes (n: number, timeoutMs?: number): Promise<Buffer>
  /** Resolves when the response ends: 'end' (cleanly) or 'aborted'. */
  ended: Promise<'end' | 'aborted'>
  close (): void
}

export async function openStream (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<OpenStream> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, res => {
      const chunks: Buffer[] = []
      let size = 0
      const waiters: Array<() => void> = []
      res.on('data', (c: Buffer) => { chunks.push(c); size += c.length; for (const w of waiters.splice(0)) w() })
      const ended = new Promise<'end' | 'aborted'>(done => {
        res.on('end', () => done('end'))
        res.on('aborted', () => done('aborted'))
        res.on('error', () => done('aborted'))
        res.on('close', () => done(res.complete ? 'end' : 'aborted'))
      })
      const body = (): Buffer => Buffer.concat(chunks)
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        body,
        ended,
        close: () => { req.destroy() },
        bytes: async (n, timeoutMs = 5_000) => {
          const deadline = Date.now() + timeoutMs
          while (size < n) {
            if (Date.now() > deadline) throw new Error(`only ${size} of ${n} bytes arrived`)
            await Promise.race([new Promise<void>(r => waiters.push(r)), new Promise(r => setTimeout(r, 50)), ended])
          }
          return body()
        }
      })
    })
    req.on('error', reject)
    req.end()
  })
}
