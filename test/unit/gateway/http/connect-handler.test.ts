import { connect } from 'node:net'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { parseResponse, rawExchange, requestOverTunnel, sha256 } from '../clients.js'

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

async function openConnect (authority: string): Promise<{ head: string, socket: import('node:net').Socket }> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`)
  let buffered = Buffer.alloc(0)
  while (!buffered.includes('\r\n\r\n')) {
    const [chunk] = await once(socket, 'data') as [Buffer]
    buffered = Buffer.concat([buffered, chunk])
  }
  const end = buffered.indexOf('\r\n\r\n') + 4
  if (end < buffered.length) socket.unshift(buffered.subarray(end))
  return { head: buffered.subarray(0, end).toString(), socket }
}

describe('HTTP CONNECT', () => {
  it('establishes a tunnel to a Tornet host and serves HTTP inside it', async () => {
    const { head, socket } = await openConnect('site.tor-net:80')
    expect(head).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n/)
    socket.pause()
    const res = parseResponse(await requestOverTunnel(socket, 'site.tor-net', '/media/big.bin', 'Range: bytes=100-199\r\n'))
    expect(res.status).toBe(206)
    expect(res.body.equals(files.get('media/big.bin')!.subarray(100, 200))).toBe(true)
  })

  it('keeps a request sent right behind the CONNECT', async () => {
    const raw = await rawExchange(port, Buffer.from(
      'CONNECT site.bit:80 HTTP/1.1\r\nHost: site.bit:80\r\n\r\nGET /media/big.bin HTTP/1.1\r\nHost: site.bit\r\nConnection: close\r\n\r\n'))
    const afterConnect = raw.subarray(raw.indexOf('\r\n\r\n') + 4)
    const res = parseResponse(afterConnect)
    expect(res.status).toBe(200)
    expect(sha256(res.body)).toBe(sha256(files.get('media/big.bin')!))
  })

  it('answers a non-Tornet host with a 403 page while pass-through is off', async () => {
    const res = parseResponse(await rawExchange(port, Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')))
    expect(res.status).toBe(403)
    expect(res.headers['x-tornet-error']).toBe('GATEWAY_NOT_TORNET')
  })

  it('answers port 443 of a Tornet host with 501: there is no TLS', async () => {
    const res = parseResponse(await rawExchange(port, Buffer.from('CONNECT site.tor-net:443 HTTP/1.1\r\nHost: site.tor-net:443\r\n\r\n')))
    expect(res.status).toBe(501)
    expect(res.body.toString()).toContain('http://site.tor-net/')
  })

  it('answers a CONNECT without a port, or nested in a tunnel, with 400', async () => {
    expect(parseResponse(await rawExchange(port, Buffer.from('CONNECT site.tor-net HTTP/1.1\r\nHost: x\r\n\r\n'))).status).toBe(400)
    const { socket } = await openConnect('site.tor-net:80')
    socket.write('CONNECT site.tor-net:80 HTTP/1.1\r\nHost: x\r\n\r\n')
    const chunks: Buffer[] = []
    socket.on('data', c => chunks.push(c))
    await new Promise(resolve => socket.once('close', resolve))
    expect(parseResponse(Buffer.concat(chunks)).status).toBe(400)
  })
})
