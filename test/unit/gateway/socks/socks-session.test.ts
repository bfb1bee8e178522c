import { connect } from 'node:net'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { parseResponse, proxyGet, rawExchange, readBytes, requestOverTunnel, sha256, socks5Connect } from '../clients.js'

let gateway: Gateway
let files: Map<string, Buffer>
let port: number

beforeAll(async () => {
  const net = createFakeNetwork()
  files = net.files
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  port = gateway.address.port
})

afterAll(async () => {
  await gateway.close()
})

describe('SOCKS5 on the mixed port', () => {
  it('tunnels to a Tornet host by name (remote DNS) and serves HTTP inside', async () => {
    const { reply, socket } = await socks5Connect(port, 'site.tor-net', 80)
    expect(reply).toBe(0)
    const res = parseResponse(await requestOverTunnel(socket, 'site.tor-net', '/media/big.bin'))
    expect(res.status).toBe(200)
    expect(sha256(res.body)).toBe(sha256(files.get('media/big.bin')!))
  })

  it('routes by the tunnel’s host, not by the Host header inside it', async () => {
    const { socket } = await socks5Connect(port, 'docs.tor-net', 8080)
    const res = parseResponse(await requestOverTunnel(socket, 'other.example', '/readme.txt'))
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('Read me.\n')
  })

  it('accepts the greeting, request and HTTP request in one packet', async () => {
    const name = Buffer.from('site.bit')
    const raw = await rawExchange(port, Buffer.concat([
      Buffer.from([5, 1, 0, 5, 1, 0, 3, name.length]), name, Buffer.from([0, 80]),
      Buffer.from('GET /style.css HTTP/1.1\r\nHost: site.bit\r\nConnection: close\r\n\r\n')
    ]))
    expect([...raw.subarray(0, 4)]).toEqual([5, 0, 5, 0])
    const res = parseResponse(raw.subarray(12))
    expect(res.status).toBe(200)
    expect(res.body.equals(files.get('style.css')!)).toBe(true)
  })

  it('replies 0x02 (not allowed) to an IP literal while pass-through is off', async () => {
    const raw = await rawExchange(port, Buffer.from([5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]))
    expect([...raw]).toEqual([5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0])
    const v6 = await rawExchange(port, Buffer.from([5, 1, 0, 5, 1, 0, 4, ...new Array(15).fill(0), 1, 0, 80]))
    expect(v6[3]).toBe(2)
  })

  it('replies 0x02 to a non-Tornet name while pass-through is off', async () => {
    const { reply } = await socks5Connect(port, 'example.com', 80)
    expect(reply).toBe(2)
  })

  it('refuses port 443 to a Tornet host: there is no TLS', async () => {
    const { reply } = await socks5Connect(port, 'site.tor-net', 443)
    expect(reply).toBe(2)
  })

  it('opens the tunnel when the name does not resolve, so the browser gets the error page', async () => {
    const { reply, socket } = await socks5Connect(port, 'nope.tor-net', 80)
    expect(reply).toBe(0)
    const res = parseResponse(await requestOverTunnel(socket, 'nope.tor-net', '/'))
    expect(res.status).toBe(404)
    expect(res.body.toString()).toContain('Name not found')
  })

  it('replies "command not supported" to BIND and keeps serving', async () => {
    const name = Buffer.from('site.tor-net')
    const raw = await rawExchange(port, Buffer.concat([Buffer.from([5, 1, 0, 5, 2, 0, 3, name.length]), name, Buffer.from([0, 80])]))
    expect(raw[3]).toBe(7)
    expect((await proxyGet(port, 'http://site.tor-net/style.css')).status).toBe(200)
  })
})

describe('SOCKS4a on the mixed port', () => {
  it('tunnels to a Tornet host name', async () => {
    const socket = connect(port, '127.0.0.1')
    await once(socket, 'connect')
    socket.write(Buffer.concat([Buffer.from([4, 1, 0, 80, 0, 0, 0, 1]), Buffer.from('me\0site.tor-net\0')]))
    const reply = await readBytes(socket, 8)
    expect(reply[1]).toBe(0x5a)
    const res = parseResponse(await requestOverTunnel(socket, 'site.tor-net', '/docs/readme.txt'))
    expect(res.body.toString()).toBe('Read me.\n')
  })

  it('rejects a plain SOCKS4 IP address while pass-through is off', async () => {
    const raw = await rawExchange(port, Buffer.from([4, 1, 0, 80, 10, 0, 0, 1, 0]))
    expect([...raw]).toEqual([0, 0x5b, 0, 0, 0, 0, 0, 0])
  })
})

describe('SOCKS deadlines', () => {
  it('lets name resolution outlast the handshake deadline, then shows the timeout page', async () => {
    const net = createFakeNetwork()
    const gw = await createGateway({
      port: 0, resolver: net.resolver, content: net.content, limits: { handshakeTimeoutMs: 150, resolveTimeoutMs: 400 }
    })
    try {
      const { reply, socket } = await socks5Connect(gw.address.port, 'hang.tor-net', 80)
      expect(reply).toBe(0)
      const res = parseResponse(await requestOverTunnel(socket, 'hang.tor-net', '/'))
      expect(res.status).toBe(504)
    } finally {
      await gw.close()
    }
  })
})
