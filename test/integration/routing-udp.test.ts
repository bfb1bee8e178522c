import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

function xor (a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) out[i] = a[i] ^ b[i]
  return out
}

describe('30 real nodes on 127.0.0.1', () => {
  let net: Testnet
  beforeAll(async () => { net = await createTestnet(30) })
  afterAll(async () => { await net?.close() })

  it('every node finds every other node by id', async () => {
    for (const origin of [net.nodes[3], net.nodes[17], net.nodes[29]]) {
      for (const target of net.nodes) {
        if (target === origin) continue
        const result = await origin.findNode(target.identity.id)
        expect(result.closest[0]?.id.equals(target.identity.id)).toBe(true)
      }
    }
  })

  it('lookups for random keys return the true closest nodes', async () => {
    for (let i = 0; i < 10; i++) {
      const key = randomBytes(32)
      const truth = net.nodes.map(n => n.identity.id).sort((a, b) => Buffer.compare(xor(a, key), xor(b, key)))
      const origin = net.nodes[i * 2]
      const result = await origin.findNode(key)
      const got = result.closest.slice(0, 5).map(c => c.id.toString('hex'))
      const want = truth.filter(id => !id.equals(origin.identity.id)).slice(0, 5).map(id => id.toString('hex'))
      expect(got).toEqual(want)
    }
  })

  it('remembers peers in LMDB: the peer accounts hold contacts with traffic', () => {
    const accounts = net.nodes[0].peerAccounts()
    expect(accounts.length).toBeGreaterThanOrEqual(20)
    expect(accounts.some(a => a.bytesSent + a.bytesReceived > 0 || a.rttMs !== undefined)).toBe(true)
  })

  it('advertise() changes the endpoint the node tells others (a port mapping\'s address), unless announce is configured', () => {
    const node = net.nodes[0]
    const before = { ...node.contact.endpoint }
    expect(node.advertise({ address: '198.51.100.9', port: 40001 })).toBe(true)
    expect(node.contact.endpoint).toEqual({ address: '198.51.100.9', port: 40001 })
    expect(node.advertise(before)).toBe(true)
    expect(node.contact.endpoint).toEqual(before)
    node.config.announce = `${before.address}:${before.port}`
    try {
      expect(node.advertise({ address: '198.51.100.9', port: 40001 })).toBe(false)
      expect(node.contact.endpoint).toEqual(before)
    } finally {
      delete node.config.announce
    }
  })
})

describe('advertised endpoint', () => {
  it('uses announce, the bound address, or an external interface when bound to 0.0.0.0', async () => {
    const { advertisedEndpoint } = await import('../../src/node/node.js')
    const { defaultConfig } = await import('../../src/node/config.js')
    const config = defaultConfig()
    expect(advertisedEndpoint(config, { address: '127.0.0.1', port: 5 })).toEqual({ address: '127.0.0.1', port: 5 })
    expect(advertisedEndpoint({ ...config, announce: '198.51.100.7:9000' }, { address: '0.0.0.0', port: 5 })).toEqual({ address: '198.51.100.7', port: 9000 })
    const derived = advertisedEndpoint(config, { address: '0.0.0.0', port: 5 })
    expect(derived.port).toBe(5)
    expect(derived.address).not.toBe('0.0.0.0')
  })
})
