/** Small loopback clients for gateway tests: raw bytes, HTTP (plain and proxy form), SOCKS5 and CONNECT tunnels. */
import { createHash } from 'node:crypto'
import { request, type IncomingHttpHeaders } from 'node:http'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** Sends bytes and collects everything until the gateway closes (or `maxWaitMs` passes, as a safety net). */
export async function rawExchange (port: number, data: Uint8Array, maxWaitMs = 5_000): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', c => chunks.push(c))
  socket.on('error', () => {})
  socket.write(data)
  const timer = setTimeout(() => socket.destroy(), maxWaitMs)
  await once(socket, 'close')
  clearTimeout(timer)
  return Buffer.concat(chunks)
}

/** GET (or another method) with `path` as the request target: '/x' for plain HTTP, 'http://host/x' for proxy form. */
export function httpRequest (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** An absolute-form proxy request for `url`. */
export function proxyGet (port: number, url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return httpRequest(port, url, { host: new URL(url).host, ...headers }, method)
}

/** Reads exactly n bytes from a socket (or fewer if it closes first). */
export async function readBytes (socket: Socket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let have = 0
  while (have < n) {
    let chunk = socket.read(n - have) as Buffer | null ?? socket.read() as Buffer | null
    if (chunk !== null) {
      if (chunk.length > n - have) {
        socket.unshift(chunk.subarray(n - have))
        chunk = chunk.subarray(0, n - have)
      }
      chunks.push(chunk)
      have += chunk.length
      continue
    }
    if (socket.readableEnded || socket.destroyed) break
    await Promise.race([once(socket, 'readable'), once(socket, 'close')])
  }
  return Buffer.concat(chunks)
}

/**
 * SOCKS5 CONNECT by host name, no-auth or (with `auth`) offering username/password too;
 * resolves with the reply code and the open socket.
 */
export async function socks5Connect (port: number, host: string, targetPort: number,
  auth?: { user: string, password: string }): Promise<{ reply: number, socket: Socket }> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write(auth === undefined ? Uint8Array.of(5, 1, 0) : Uint8Array.of(5, 2, 0, 2))
  const method = await readBytes(socket, 2)
  if (auth !== undefined && method[1] === 2) {
    const user = Buffer.from(auth.user)
    const password = Buffer.from(auth.password)
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([password.length]), password]))
    const status = await readBytes(socket, 2)
    if (status[1] !== 0) return { reply: -1, socket }
  } else if (method[1] !== 0) {
    return { reply: -1, socket }
  }
  const name = Buffer.from(host)
  socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([targetPort >> 8, targetPort & 0xff])]))
  const reply = await readBytes(socket, 10)
  return { reply: reply.length >= 2 ? reply[1]! : -1, socket }
}

/** Sends an HTTP request on an open tunnel and reads the response until the server closes. */
export async function requestOverTunnel (socket: Socket, host: string, path: string, extra = ''): Promise<Buffer> {
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`)
  const chunks: Buffer[] = []
  socket.on('data', c => chunks.push(c))
  socket.resume()
  if (!socket.destroyed) await new Promise(resolve => socket.once('close', resolve))
  return Buffer.concat(chunks)
}

/** Splits a raw HTTP/1.1 response into status, lowercase headers and body. */
export function parseResponse (raw: Buffer): Reply {
  const end = raw.indexOf('\r\n\r\n')
  const head = raw.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(head[0]!.split(' ')[1])
  const headers: IncomingHttpHeaders = {}
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status, headers, body: raw.subarray(end + 4) }
}

export function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
