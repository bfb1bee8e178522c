import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../src/gateway/index.js'
import { createFakeNetwork } from '../../helpers/fake-site-content.js'
import { parseResponse, proxyGet, rawExchange, requestOverTunnel, socks5Connect } from './clients.js'

let gateway: Gateway
let upstream: Server
let port: number
let upPort: number
let closedPort: number
let seenHeaders: IncomingHttpHeaders = {}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seenHeaders = req.headers
    res.end(`upstream saw ${req.method} ${req.url}`)
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  upPort = (upstream.address() as { port: number }).port
  const probe = createNetServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  closedPort = (probe.address() as { port: number }).port
  probe.close()
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content, passThrough: true })
  port = gateway.address.port
})

afterAll(async () => {
  await gateway.close()
  upstream.close()
})

describe('pass-through (switched on)', () => {
  it('forwards absolute-form HTTP proxy requests, without hop-by-hop headers', async () => {
    const r = await proxyGet(port, `http://127.0.0.1:${upPort}/hello?x=1`, { 'proxy-connection': 'keep-alive', 'x-mine': 'yes' })
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('upstream saw GET /hello?x=1')
    expect(seenHeaders['x-mine']).toBe('yes')
    expect(seenHeaders['proxy-connection']).toBeUndefined()
    expect(seenHeaders.host).toBe(`127.0.0.1:${upPort}`)
  })

  it('connects SOCKS5 straight through to an IP literal and to a name', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const { reply, socket } = await socks5Connect(port, host, upPort)
      expect(reply).toBe(0)
      const res = parseResponse(await requestOverTunnel(socket, host, '/via-socks'))
      expect(res.body.toString()).toBe('upstream saw GET /via-socks')
    }
  })

  it('pipes CONNECT tunnels to other hosts', async () => {
    const raw = await rawExchange(port, Buffer.from(
      `CONNECT 127.0.0.1:${upPort} HTTP/1.1\r\nHost: 127.0.0.1:${upPort}\r\n\r\nGET /tunnel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
    expect(raw.toString()).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\n/)
    expect(raw.toString()).toContain('upstream saw GET /tunnel')
  })

  it('reports a refused connection: SOCKS 0x05, HTTP 502, CONNECT 502', async () => {
    const { reply } = await socks5Connect(port, '127.0.0.1', closedPort)
    expect(reply).toBe(5)
    const r = await proxyGet(port, `http://127.0.0.1:${closedPort}/`)
    expect(r.status).toBe(502)
    const c = parseResponse(await rawExchange(port, Buffer.from(`CONNECT 127.0.0.1:${closedPort} HTTP/1.1\r\nHost: x\r\n\r\n`)))
    expect(c.status).toBe(502)
  })

  it('never follows a .bit record to a private address', async () => {
    const r = await proxyGet(port, 'http://local.bit/')
    expect(r.status).toBe(403)
    expect(r.headers['x-tornet-error']).toBe('GATEWAY_CLEARNET_REFUSED')
    const { reply, socket } = await socks5Connect(port, 'local.bit', 80)
    expect(reply).toBe(0) // served by the gateway itself, which then explains
    expect(parseResponse(await requestOverTunnel(socket, 'local.bit', '/')).status).toBe(403)
  })

  it('still serves Tornet sites itself', async () => {
    expect((await proxyGet(port, 'http://site.tor-net/style.css')).status).toBe(200)
  })

  it('keeps the gateway’s own pages on its own port when proxying everything', async () => {
    const r = await proxyGet(port, `http://127.0.0.1:${port}/proxy.pac`)
    expect(r.headers['content-type']).toBe('application/x-ns-proxy-autoconfig')
  })
})

// Issue 12, item 13d: a .onion or .i2p name asked of the system resolver leaks what the user opens.
describe('pass-through and names of other anonymity networks', () => {
  const ONION = 'expyuzz4wqqyqhjn.onion'
  const hosts = [ONION, `www.${ONION}`, 'forum.i2p', 'x.y.i2p', 'ONION.Onion']
  let onionGateway: Gateway
  const looked: string[] = []

  beforeAll(async () => {
    const net = createFakeNetwork()
    onionGateway = await createGateway({
      port: 0,
      resolver: net.resolver,
      content: net.content,
      passThrough: true,
      // Records every name pass-through would resolve, and resolves none (no query ever leaves this process).
      lookup: (hostname, _options, callback) => {
        looked.push(hostname)
        process.nextTick(() => callback(Object.assign(new Error(`not looked up: ${hostname}`), { code: 'ENOTFOUND' }), '', 4))
      }
    })
  })
  afterAll(async () => { await onionGateway.close() })

  it('refuses them as HTTP proxy requests, without resolving them', async () => {
    for (const host of hosts) {
      const r = await proxyGet(onionGateway.address.port, `http://${host}/`)
      expect(r.status, host).toBe(501)
      expect(r.headers['x-tornet-error'], host).toBe('GATEWAY_UNSUPPORTED_NETWORK')
    }
    expect(looked).toEqual([])
  })

  it('refuses SOCKS and CONNECT tunnels to them, without resolving them', async () => {
    for (const host of hosts) {
      const { reply, socket } = await socks5Connect(onionGateway.address.port, host, 80)
      socket.destroy()
      expect(reply, host).toBe(2) // connection not allowed by ruleset
      const c = parseResponse(await rawExchange(onionGateway.address.port, Buffer.from(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`)))
      expect(c.status, host).toBe(501)
    }
    expect(looked).toEqual([])
  })
})
