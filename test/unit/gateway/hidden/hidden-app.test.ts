import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installHidden, type HiddenApp } from '../../../../src/gateway/apps/hidden/index.js'
import { keyHost } from '../../../../src/node/services/tunnels/hidden-address.js'
import { TunnelError, TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'
import { circuitClosedError, streamClosedError } from '../../../../src/node/services/tunnels/end-reasons.js'
import { END_REASON } from '../../../../src/node/services/tunnels/tunnel-api.js'
import { TorNetResolver } from '../../../../src/resolvers/tor-net-resolver.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { MemoryHidden } from '../../../helpers/memory-hidden.js'
import { parseResponse, proxyGet, requestOverTunnel, socks5Connect, type Reply } from '../clients.js'
import { request } from 'node:http'

const SERVICE_KEY = Buffer.alloc(32, 0x11)
const BROKEN_KEY = Buffer.alloc(32, 0x22)
const HUGE_HEAD_KEY = Buffer.alloc(32, 0x33)
const MISSING_KEY = Buffer.alloc(32, 0x44)

let gateway: Gateway
let port: number
let service: Server
let broken: NetServer
let hidden: MemoryHidden
let app: HiddenApp
const seen: Array<{ remote: string, method: string, url: string, host: string, proxyAuth: boolean }> = []

async function listen (server: Server | NetServer): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  // The service's local web server: what a hidden service's owner runs behind it.
  service = createServer((req, res) => {
    seen.push({ remote: req.socket.remoteAddress ?? '', method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', proxyAuth: req.headers['proxy-authorization'] !== undefined })
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      req.pipe(res)
    } else if (req.url === '/never') {
      // keeps the request open without an answer
    } else if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': '100' })
      res.write('only part')
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-service': 'yes' })
      res.end(`hello ${req.method} ${req.url}`)
    }
  })
  const servicePort = await listen(service)
  // A service whose server does not speak HTTP, and one whose head is too large.
  broken = createNetServer(socket => {
    socket.once('data', () => socket.end('this is not HTTP\r\n\r\n'))
    socket.on('error', () => {})
  })
  const brokenPort = await listen(broken)
  const hugeServer = createNetServer(socket => {
    socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`))
    socket.on('error', () => {})
  })
  const hugePort = await listen(hugeServer)
  afterAllClose.push(() => hugeServer.close())

  hidden = new MemoryHidden()
  hidden.add(SERVICE_KEY, { host: '127.0.0.1', port: servicePort })
  hidden.add(BROKEN_KEY, { host: '127.0.0.1', port: brokenPort })
  hidden.add(HUGE_HEAD_KEY, { host: '127.0.0.1', port: hugePort })
  const names: Record<string, Buffer> = { svc: SERVICE_KEY, broken: BROKEN_KEY, huge: HUGE_HEAD_KEY, gone: MISSING_KEY }
  const resolver = new TorNetResolver({
    lookupName: async name => names[name] === undefined ? undefined : { kind: 'hidden-service', publicKey: names[name]!.toString('hex') },
    isReferenceHost: () => false
  })
  gateway = await createGateway({ port: 0, resolver, content: createFakeNetwork().content })
  app = installHidden(gateway, { hidden, limits: { connectTimeoutMs: 500, responseTimeoutMs: 500, idleTimeoutMs: 300, keepAliveMs: 400 } })
  port = gateway.address.port
})

const afterAllClose: Array<() => void> = []
afterAll(async () => {
  app.close()
  await gateway.close()
  service.closeAllConnections()
  service.close()
  broken.close()
  for (const close of afterAllClose) close()
})

beforeEach(() => {
  app.close() // each test starts without kept streams
  hidden.calls.length = 0
  hidden.failNext.length = 0
  hidden.cutNext = 0
  hidden.connectDelayMs = 0
  seen.length = 0
})

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`

function post (url: string, body: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, method: 'POST', headers: { host: new URL(url).host, 'content-length': String(body.length) } }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** An error page: its status and the code it names. */
function expectPage (res: Reply, status: number, code: string): void {
  expect(res.status).toBe(status)
  expect(res.headers['x-tornet-error']).toBe(code)
}

describe('hidden-service app', () => {
  it('proxies a GET by registered name to the service, which sees the address asked for and nothing of the proxy', async () => {
    const res = await proxyGet(port, 'http://svc.tor-net/page?x=1', { 'proxy-authorization': basic('tab-1:pw') })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('hello GET /page?x=1')
    expect(res.headers['x-service']).toBe('yes')
    expect(seen).toEqual([{ remote: '127.0.0.1', method: 'GET', url: '/page?x=1', host: 'svc.tor-net', proxyAuth: false }])
    expect(hidden.calls).toEqual([{ publicKey: SERVICE_KEY.toString('hex'), isolation: 'tab-1', early: expect.any(Number) }])
    // The request head rode in the connect (0-RTT), not after it.
    expect(hidden.calls[0].early).toBeGreaterThan(0)
  })

  it('opens the service by its own key host, through SOCKS5, with the SOCKS username as isolation', async () => {
    const host = keyHost(SERVICE_KEY)
    const { reply, socket } = await socks5Connect(port, host, 80, { user: 'tornet-hops-3', password: '' })
    expect(reply).toBe(0)
    const res = parseResponse(await requestOverTunnel(socket, host, '/k'))
    expect(res.status).toBe(200)
    expect(res.body.toString()).toContain('hello GET /k') // chunked: the raw reader does not de-chunk
    expect(seen[0]!.host).toBe(host)
    expect(hidden.calls).toEqual([{ publicKey: SERVICE_KEY.toString('hex'), isolation: 'tornet-hops-3', early: expect.any(Number) }])
  })

  it('streams a large POST body to the service and its answer back, byte-exact', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17)
    const res = await post('http://svc.tor-net/echo', body)
    expect(res.status).toBe(200)
    expect(createHash('sha256').update(res.body).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'))
  })

  it('keeps a stream per service and tag for the next GET, and closes it when idle', async () => {
    expect((await proxyGet(port, 'http://svc.tor-net/1')).status).toBe(200)
    expect((await proxyGet(port, 'http://svc.tor-net/2')).status).toBe(200)
    expect(hidden.calls).toHaveLength(1) // the second request went over the same circuits
    expect((await proxyGet(port, 'http://svc.tor-net/3', { 'proxy-authorization': basic('alice:x') })).status).toBe(200)
    expect(hidden.calls.map(c => c.isolation)).toEqual(['', 'alice']) // another tag never shares a stream
    expect(hidden.open.size).toBe(2)
    await new Promise(resolve => setTimeout(resolve, 700))
    expect(hidden.open.size).toBe(0)
  })

  it('answers HEAD with the service\'s head and no body', async () => {
    const head = await proxyGet(port, 'http://svc.tor-net/h', {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers['x-service']).toBe('yes')
    expect(head.body.length).toBe(0)
    expect(seen.map(r => r.method)).toEqual(['HEAD'])
  })

  it('gives a POST a stream of its own', async () => {
    for (let i = 0; i < 2; i++) expect((await post('http://svc.tor-net/echo', Buffer.from(`n=${i}`))).status).toBe(200)
    expect(hidden.calls).toHaveLength(2)
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(hidden.open.size).toBe(0)
  })

  it('opens a new stream when the service closed the kept one', async () => {
    expect((await proxyGet(port, 'http://svc.tor-net/a')).status).toBe(200)
    service.closeIdleConnections()
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(hidden.open.size).toBe(0)
    const again = await proxyGet(port, 'http://svc.tor-net/b')
    expect(again.status).toBe(200)
    expect(again.body.toString()).toBe('hello GET /b')
    expect(hidden.calls).toHaveLength(2)
  })

  it('answers a service with no descriptor with a page saying so', async () => {
    const res = await proxyGet(port, 'http://gone.tor-net/')
    expectPage(res, 404, 'GATEWAY_HIDDEN_NOT_FOUND')
    expect(res.body.toString()).toContain('Hidden service not found')
    expect(hidden.calls).toHaveLength(1) // not found is not a circuit failure: no retry
  })

  it('retries a GET once over new circuits when the circuit fails, before or after the stream opened', async () => {
    hidden.failNext.push(new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'middle relay gone'))
    const first = await proxyGet(port, 'http://svc.tor-net/a')
    expect(first.status).toBe(200)
    expect(hidden.calls).toHaveLength(2)

    hidden.calls.length = 0
    hidden.cutNext = 1
    const second = await proxyGet(port, 'http://svc.tor-net/b')
    expect(second.status).toBe(200)
    expect(second.body.toString()).toBe('hello GET /b')
    expect(hidden.calls).toHaveLength(2)
  })

  it('retries when a relay failed, not when the service\'s web server refused', async () => {
    hidden.failNext.push(circuitClosedError(END_REASON.hopFailed))
    expect((await proxyGet(port, 'http://svc.tor-net/x')).status).toBe(200)
    expect(hidden.calls).toHaveLength(2)
    hidden.calls.length = 0
    hidden.failNext.push(streamClosedError(END_REASON.refused, 'hs'))
    const refused = await proxyGet(port, 'http://svc.tor-net/y')
    expectPage(refused, 502, 'GATEWAY_HIDDEN_UNREACHABLE')
    expect(refused.body.toString()).toContain('its own web server refused the connection')
    expect(hidden.calls).toHaveLength(1)
  })

  it('gives up after one retry, with "unreachable"', async () => {
    hidden.cutNext = 2
    const res = await proxyGet(port, 'http://svc.tor-net/c')
    expectPage(res, 502, 'GATEWAY_HIDDEN_UNREACHABLE')
    expect(hidden.calls).toHaveLength(2)
  })

  it('never sends a POST twice', async () => {
    hidden.cutNext = 1
    const res = await post('http://svc.tor-net/echo', Buffer.from('entry=hi'))
    expectPage(res, 502, 'GATEWAY_HIDDEN_UNREACHABLE')
    expect(hidden.calls).toHaveLength(1)
  })

  it('times out a connect, and an answer that never comes, with 504', async () => {
    hidden.connectDelayMs = 5_000
    const slow = await proxyGet(port, 'http://svc.tor-net/')
    expectPage(slow, 504, 'GATEWAY_HIDDEN_TIMEOUT')
    expect(slow.body.toString()).toContain('Connecting to svc.tor-net timed out')
    hidden.connectDelayMs = 0
    const never = await proxyGet(port, 'http://svc.tor-net/never')
    expectPage(never, 504, 'GATEWAY_HIDDEN_TIMEOUT')
    expect(hidden.calls).toHaveLength(2) // a timeout is not retried
  })

  it('cuts a response body that stalls, and closes the stream', async () => {
    const res = await new Promise<{ status: number, error?: string }>(resolve => {
      const req = request({ host: '127.0.0.1', port, path: 'http://svc.tor-net/stall', headers: { host: 'svc.tor-net' } }, r => {
        r.on('data', () => {})
        r.on('error', err => resolve({ status: r.statusCode ?? 0, error: String(err) }))
        r.on('end', () => resolve({ status: r.statusCode ?? 0 }))
      })
      req.on('error', err => resolve({ status: 0, error: String(err) }))
      req.end()
    })
    expect(res.status).toBe(200)
    expect(res.error).toBeDefined() // the body ended short of its content-length
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(hidden.open.size).toBe(0)
  })

  it('answers a service that does not speak HTTP, or sends too large a head, with "bad response"', async () => {
    for (const host of ['broken.tor-net', 'huge.tor-net']) {
      const res = await proxyGet(port, `http://${host}/`)
      expectPage(res, 502, 'GATEWAY_HIDDEN_BAD_RESPONSE')
    }
  })

  it('refuses a mistyped key host before connecting', async () => {
    const host = keyHost(SERVICE_KEY)
    const typo = (host[0] === 'a' ? 'b' : 'a') + host.slice(1)
    const res = await proxyGet(port, `http://${typo}/`)
    expect(res.status).toBe(400)
    expect(hidden.calls).toHaveLength(0)
  })
})
