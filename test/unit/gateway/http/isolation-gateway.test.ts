/** ctx.isolation as apps see it, through every way into the mixed port. */
import { once } from 'node:events'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayApp } from '../../../../src/gateway/app.js'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { parseResponse, proxyGet, rawExchange, requestOverTunnel, socks5Connect } from '../clients.js'

let gateway: Gateway
let port: number

// Answers every site.tor-net request with the isolation tag it was given, as JSON (so '' is visible).
const echoIsolation: GatewayApp = {
  name: 'echo-isolation',
  matches: ctx => ctx.host === 'site.tor-net',
  async handle (_req, res, ctx) {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ isolation: ctx.isolation, via: ctx.via }))
  }
}

beforeAll(async () => {
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content, apps: [echoIsolation] })
  port = gateway.address.port
})

afterAll(async () => {
  await gateway.close()
})

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`

async function viaSocks (auth?: { user: string, password: string }): Promise<unknown> {
  const { reply, socket } = await socks5Connect(port, 'site.tor-net', 80, auth)
  expect(reply).toBe(0)
  return JSON.parse(parseResponse(await requestOverTunnel(socket, 'site.tor-net', '/')).body.toString())
}

async function viaConnect (proxyAuthorization?: string): Promise<unknown> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  const auth = proxyAuthorization === undefined ? '' : `Proxy-Authorization: ${proxyAuthorization}\r\n`
  socket.write(`CONNECT site.tor-net:80 HTTP/1.1\r\nHost: site.tor-net:80\r\n${auth}\r\n`)
  const raw = await requestOverTunnel(socket, 'site.tor-net', '/')
  const inner = raw.subarray(raw.indexOf('\r\n\r\n') + 4) // past "200 Connection Established"
  return JSON.parse(parseResponse(inner).body.toString())
}

describe('ctx.isolation', () => {
  it('is the SOCKS5 username, and different usernames stay apart', async () => {
    expect(await viaSocks({ user: 'tab-1', password: 'x' })).toEqual({ isolation: 'tab-1', via: 'socks' })
    expect(await viaSocks({ user: 'tornet-hops-3', password: '' })).toEqual({ isolation: 'tornet-hops-3', via: 'socks' })
    expect(await viaSocks()).toEqual({ isolation: '', via: 'socks' })
  })

  it('is the Proxy-Authorization Basic user name of an HTTP proxy request', async () => {
    const tagged = await proxyGet(port, 'http://site.tor-net/', { 'proxy-authorization': basic('alice:pw') })
    expect(JSON.parse(tagged.body.toString())).toEqual({ isolation: 'alice', via: 'http-proxy' })
    const plain = await proxyGet(port, 'http://site.tor-net/')
    expect(JSON.parse(plain.body.toString())).toEqual({ isolation: '', via: 'http-proxy' })
  })

  it('is the user name given on CONNECT, for every request in that tunnel', async () => {
    expect(await viaConnect(basic('bob:pw'))).toEqual({ isolation: 'bob', via: 'connect' })
    expect(await viaConnect()).toEqual({ isolation: '', via: 'connect' })
  })

  it('refuses unreadable Basic credentials with 400 instead of dropping the tag', async () => {
    const res = await proxyGet(port, 'http://site.tor-net/', { 'proxy-authorization': 'Basic !!!' })
    expect(res.status).toBe(400)
    const connectRes = parseResponse(await rawExchange(port, Buffer.from(
      'CONNECT site.tor-net:80 HTTP/1.1\r\nHost: site.tor-net:80\r\nProxy-Authorization: Basic bm9jb2xvbg==\r\n\r\n')))
    expect(connectRes.status).toBe(400)
  })
})
