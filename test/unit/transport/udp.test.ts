import { createSocket } from 'node:dgram'
import { describe, expect, test } from 'vitest'
import { createUdpTransport } from '../../../src/node/transport/udp.js'
import { transportCompliance } from './compliance.js'

async function canBind (host: string): Promise<boolean> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  return await new Promise((resolve) => {
    s.once('error', () => { s.close(); resolve(false) })
    s.bind(0, host, () => { s.close(); resolve(true) })
  })
}
const v6 = await canBind('::1')

describe('UDP transport on 127.0.0.1: compliance', () => {
  transportCompliance(async () => {
    const a = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    const b = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    return { a, b, close: async () => { await a.close(); await b.close() } }
  })
})

describe.skipIf(!v6)('UDP transport on ::1: compliance (skipped when ::1 cannot be bound)', () => {
  transportCompliance(async () => {
    const a = await createUdpTransport({ host: '::1', port: 0 })
    const b = await createUdpTransport({ host: '::1', port: 0 })
    return { a, b, close: async () => { await a.close(); await b.close() } }
  })
})

describe('UDP transport specifics', () => {
  test.skipIf(!v6)('a dual-stack "::" socket talks to IPv4 peers with plain IPv4 addresses', async () => {
    const dual = await createUdpTransport({ host: '::', port: 0 })
    const v4 = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    try {
      const got = new Promise<{ address: string, port: number }>((resolve) => dual.onDatagram((_d, from) => resolve(from)))
      v4.send(Buffer.from('hello'), { address: '127.0.0.1', port: dual.local.port })
      const from = await got
      expect(from).toEqual({ address: '127.0.0.1', port: v4.local.port })
      const back = new Promise<Buffer>((resolve) => v4.onDatagram((d) => resolve(d)))
      dual.send(Buffer.from('back'), from)
      expect((await back).toString()).toBe('back')
    } finally { await dual.close(); await v4.close() }
  })

  test('an IPv4 socket counts a send to an IPv6 address instead of throwing', async () => {
    const t = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    try {
      t.send(Buffer.from('x'), { address: '::1', port: 9 })
      expect(t.stats.unsendable).toBe(1)
    } finally { await t.close() }
  })

  test('after a socket error it re-binds the same port and keeps working', async () => {
    const t = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    const peer = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    try {
      const port = t.local.port
      t.injectSocketError()
      t.send(Buffer.from('lost'), peer.local) // socket down: counted, not thrown
      expect(t.stats.unsendable).toBe(1)
      const deadline = Date.now() + 3000
      while (t.stats.rebinds === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
      await new Promise(resolve => setTimeout(resolve, 20))
      expect(t.local.port).toBe(port)
      const got = new Promise<Buffer>((resolve) => t.onDatagram((d) => resolve(d)))
      peer.send(Buffer.from('again'), t.local)
      expect((await got).toString()).toBe('again')
    } finally { await t.close(); await peer.close() }
  })

  test('binding a port in use fails with the OS error', async () => {
    const t = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    try {
      await expect(createUdpTransport({ host: '127.0.0.1', port: t.local.port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    } finally { await t.close() }
  })
})
