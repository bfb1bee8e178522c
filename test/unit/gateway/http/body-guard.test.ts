/**
 * Issue 12, item 13b: a request body trickled one byte at a time must not
 * hold a connection slot for ever, and one client may not hold them all.
 * Real sockets on 127.0.0.1; the gateway's limits are made short instead of
 * waiting minutes. Each wait has a generous safety net: the assertions are
 * about whether the gateway closed the connection, never about how fast.
 */
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway, type GatewayLimits } from '../../../../src/gateway/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { httpRequest, parseResponse } from '../clients.js'

const SAFETY_NET_MS = 4_000

let gateway: Gateway | undefined
afterEach(async () => { await gateway?.close(); gateway = undefined })

async function start (limits: Partial<GatewayLimits>, routeBodyTimeoutMs?: number): Promise<number> {
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content, limits: { idleTimeoutMs: 30_000, ...limits } })
  const sink = (path: string, bodyTimeoutMs?: number): void => gateway!.local.register({
    path,
    methods: ['POST'],
    bodyTimeoutMs,
    async handle (req, res) {
      let n = 0
      for await (const chunk of req) n += (chunk as Buffer).length
      res.end(`got ${n}`)
    }
  })
  sink('/sink')
  sink('/upload', routeBodyTimeoutMs)
  gateway.local.register({
    path: '/busy', // reads nothing for a while: the backpressure is ours, not the client's
    methods: ['POST'],
    async handle (req, res) {
      await new Promise(resolve => setTimeout(resolve, 1_000))
      let n = 0
      for await (const chunk of req) n += (chunk as Buffer).length
      res.end(`got ${n}`)
    }
  })
  return gateway.address.port
}

interface Trickle { closedByServer: boolean, response: Buffer }

/** Sends a POST head announcing `length` bytes, then `bytesPerTick` every `tickMs`, until the server closes or the safety net. */
async function trickle (port: number, path: string, length: number, bytesPerTick: number, tickMs: number): Promise<Trickle> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  socket.on('data', c => chunks.push(c))
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`)
  let sent = 0
  const ticker = setInterval(() => {
    if (sent >= length || socket.destroyed) return
    const n = Math.min(bytesPerTick, length - sent)
    socket.write(Buffer.alloc(n, 0x61))
    sent += n
  }, tickMs)
  let closedByServer = true
  const net = setTimeout(() => { closedByServer = false; socket.destroy() }, SAFETY_NET_MS)
  await once(socket, 'close')
  clearTimeout(net)
  clearInterval(ticker)
  return { closedByServer, response: Buffer.concat(chunks) }
}

describe('slow request bodies', () => {
  it('a body below the minimum rate is answered 408 and the connection closed', async () => {
    const port = await start({ minBodyBytesPerSecond: 100, bodyRateWindowMs: 200, bodyTimeoutMs: 60_000 })
    const t = await trickle(port, '/sink', 1000, 1, 100) // 10 bytes/s
    expect(t.closedByServer).toBe(true)
    const r = parseResponse(t.response)
    expect(r.status).toBe(408)
    expect(r.headers['x-tornet-error']).toBe('GATEWAY_BODY_TIMEOUT')
  })

  it('a body fast enough but never finished ends at the gateway\'s body deadline', async () => {
    const port = await start({ minBodyBytesPerSecond: 10, bodyRateWindowMs: 100, bodyTimeoutMs: 600 })
    const t = await trickle(port, '/sink', 1_000_000, 50, 50) // 1000 bytes/s, for 1000 s
    expect(t.closedByServer).toBe(true)
    expect(parseResponse(t.response).status).toBe(408)
  })

  it('a route\'s own deadline applies to its bodies', async () => {
    const port = await start({ minBodyBytesPerSecond: 10, bodyRateWindowMs: 100, bodyTimeoutMs: 60_000 }, 600)
    const t = await trickle(port, '/upload', 1_000_000, 50, 50)
    expect(t.closedByServer).toBe(true)
    expect(parseResponse(t.response).status).toBe(408)
  })

  it('a body the app is slow to read is not the client\'s fault', async () => {
    const port = await start({ minBodyBytesPerSecond: 100, bodyRateWindowMs: 200, bodyTimeoutMs: 60_000 })
    const t = await trickle(port, '/busy', 4_000_000, 4_000_000, 10) // all at once; the gateway reads it late
    const r = parseResponse(t.response)
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('got 4000000')
  })

  it('a body at a decent rate is served', async () => {
    const port = await start({ minBodyBytesPerSecond: 100, bodyRateWindowMs: 200, bodyTimeoutMs: 60_000 })
    const t = await trickle(port, '/sink', 3000, 500, 50) // 10 000 bytes/s
    const r = parseResponse(t.response)
    expect(r.status).toBe(200)
    expect(r.body.toString()).toBe('got 3000')
  })
})

describe('connections per client', () => {
  it('closes a client\'s connections beyond maxConnectionsPerClient, and serves the others', async () => {
    const port = await start({ maxConnectionsPerClient: 2 })
    const open: Socket[] = []
    for (let i = 0; i < 2; i++) {
      const s = connect(port, '127.0.0.1')
      s.on('error', () => {})
      await once(s, 'connect')
      open.push(s)
    }
    // (the kernel hands connections over in order: the third is accepted third)
    const third = connect(port, '127.0.0.1')
    third.on('error', () => {})
    let closedByServer = true
    const net = setTimeout(() => { closedByServer = false; third.destroy() }, SAFETY_NET_MS)
    await once(third, 'close')
    clearTimeout(net)
    expect(closedByServer).toBe(true)

    for (const s of open) s.destroy()
    await Promise.all(open.map(async s => { if (!s.closed) await once(s, 'close') }))
    while (gateway!.connections > 0) await new Promise(resolve => setTimeout(resolve, 10)) // the gateway saw them close
    const r = await httpRequest(port, '/proxy.pac', { host: `127.0.0.1:${port}` })
    expect(r.status).toBe(200) // the slots came back
  })
})
