/**
 * Slowloris against the mixed port (issue 21): request heads sent one byte a
 * second, SOCKS handshakes left idle or trickled, and more of them from one
 * client address than the gateway allows. Short deadlines are configured so
 * that the test runs in seconds; the defaults are the same rules, longer.
 * The gateway must close every slow client by its deadlines, refuse the ones
 * over the per-client cap at once, and keep answering everyone else
 * meanwhile. No timing is asserted: only who got closed and who got served.
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { createFakeNetwork } from '../helpers/fake-site-content.js'
import { proxyGet, requestOverTunnel, socks5Connect } from '../unit/gateway/clients.js'

const ATTACKER = '127.0.0.2' // every other client is 127.0.0.1
const CAP = 6

let gateway: Gateway | undefined

afterEach(async () => {
  await gateway?.close()
  gateway = undefined
})

async function start (limits: Parameters<typeof createGateway>[0]['limits']): Promise<Gateway> {
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content, limits })
  return gateway
}

/** A client socket that records what it got and when it was closed. */
interface Watched {
  socket: Socket
  received: () => Buffer
  closed: Promise<void>
  isClosed: () => boolean
}

async function open (port: number, from = ATTACKER): Promise<Watched> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from })
  socket.on('error', () => {})
  const chunks: Buffer[] = []
  socket.on('data', c => chunks.push(c))
  let isClosed = false
  const closed = new Promise<void>(resolve => socket.once('close', () => { isClosed = true; resolve() }))
  await once(socket, 'connect')
  return { socket, received: () => Buffer.concat(chunks), closed, isClosed: () => isClosed }
}

/** Writes `bytes` one at a time every `everyMs` while the socket is open; resolves how many went out. */
async function trickle (w: Watched, bytes: Uint8Array, everyMs: number): Promise<number> {
  let sent = 0
  while (sent < bytes.length && !w.isClosed()) {
    w.socket.write(bytes.subarray(sent, sent + 1))
    sent++
    await Promise.race([new Promise(resolve => setTimeout(resolve, everyMs)), w.closed])
  }
  return sent
}

async function stillServes (port: number): Promise<void> {
  const page = await proxyGet(port, 'http://site.tor-net/')
  expect(page.status).toBe(200)
  const { reply, socket } = await socks5Connect(port, 'site.tor-net', 80)
  expect(reply).toBe(0)
  expect((await requestOverTunnel(socket, 'site.tor-net', '/style.css')).toString()).toMatch(/^HTTP\/1\.1 200 /)
}

describe('slowloris on the mixed port', () => {
  it('closes a request head sent one byte a second at the headers deadline (408), serving others meanwhile', async () => {
    const gw = await start({ headersTimeoutMs: 2_500 })
    const slow = await open(gw.address.port)
    const head = Buffer.from('GET http://site.tor-net/ HTTP/1.1\r\nHost: site.tor-net\r\nUser-Agent: slowloris\r\n\r\n')
    const sending = trickle(slow, head, 1_000)
    await stillServes(gw.address.port)
    const sent = await sending
    await slow.closed
    expect(sent).toBeLessThan(head.length)
    expect(slow.received().toString()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes a SOCKS greeting left idle, and one with nothing sent at all', async () => {
    const gw = await start({ handshakeTimeoutMs: 800 })
    const silent = await open(gw.address.port)
    const greeted = await open(gw.address.port)
    greeted.socket.write(Uint8Array.of(5, 1, 0))
    await stillServes(gw.address.port)
    await Promise.all([silent.closed, greeted.closed])
    expect(greeted.received()).toEqual(Buffer.from([5, 0])) // the method choice, then nothing more: closed
  })

  it('closes a SOCKS handshake trickled a byte at a time before it completes', async () => {
    const gw = await start({ handshakeTimeoutMs: 800 })
    const slow = await open(gw.address.port)
    // A greeting offering 40 methods, a byte every 100 ms: never idle as long as the deadline, 4 s in all.
    const greeting = Buffer.from([5, 40, ...Array.from({ length: 40 }, (_, i) => i === 39 ? 0 : 0x80 + i)])
    const sent = await trickle(slow, greeting, 100)
    await slow.closed
    expect(sent).toBeLessThan(greeting.length)
    expect(slow.received().length).toBe(0) // never got as far as the method choice
  })

  it('caps open connections per client address; the rest of the world is still served; slots come back after the deadlines', async () => {
    const gw = await start({ maxConnectionsPerClient: CAP, handshakeTimeoutMs: 1_500, headersTimeoutMs: 1_500 })
    const port = gw.address.port
    const held: Watched[] = []
    for (let i = 0; i < CAP; i++) {
      const w = await open(port)
      if (i % 3 === 0) w.socket.write(Uint8Array.of(5, 1, 0)) // SOCKS greeting, then silence
      else if (i % 3 === 1) w.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ') // a head never finished
      held.push(w) // and the third kind says nothing
    }
    await expect.poll(() => gw.connections).toBe(CAP)
    const over = await open(port)
    await over.closed // refused at once: no reply, closed
    expect(over.received().length).toBe(0)
    expect(held.every(w => !w.isClosed())).toBe(true)

    await stillServes(port) // from 127.0.0.1

    await Promise.all(held.map(async w => await w.closed))
    await expect.poll(() => gw.connections).toBe(0)
    // the attacker's address may connect again once its slots are free
    const again = await open(port)
    again.socket.write('GET http://site.tor-net/ HTTP/1.1\r\nHost: site.tor-net\r\nConnection: close\r\n\r\n')
    await again.closed
    expect(again.received().toString()).toMatch(/^HTTP\/1\.1 200 /)
  })
})
