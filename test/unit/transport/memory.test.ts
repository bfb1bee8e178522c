import { describe, expect, test } from 'vitest'
import { MemoryNetwork } from '../../../src/node/transport/memory.js'
import { transportCompliance } from './compliance.js'

describe('memory transport: compliance', () => {
  transportCompliance(async () => {
    const net = new MemoryNetwork()
    const a = net.createTransport(); const b = net.createTransport()
    return { a, b, close: async () => { await a.close(); await b.close() } }
  })
})

describe('memory network faults', () => {
  test('seeded loss and duplication are reproducible', async () => {
    async function run (seed: number): Promise<number[]> {
      const net = new MemoryNetwork({ seed, lossRate: 0.3, duplicateRate: 0.2 })
      const a = net.createTransport(); const b = net.createTransport()
      const got: number[] = []
      b.onDatagram(d => got.push(d[0]))
      for (let i = 0; i < 100; i++) a.send(Buffer.from([i]), b.local)
      await new Promise(resolve => setTimeout(resolve, 20))
      return got
    }
    const x = await run(42)
    expect(await run(42)).toEqual(x)
    expect(x.length).toBeGreaterThan(50)
    expect(x.length).toBeLessThan(100)
    expect(new Set(x).size).toBeLessThan(x.length) // some duplicates
  })

  test('jitter reorders; maxDatagram drops; the tap can drop', async () => {
    const net = new MemoryNetwork({ seed: 1, latencyMs: 1, jitterMs: 5, maxDatagram: 1000 })
    const a = net.createTransport(); const b = net.createTransport()
    const got: number[] = []
    b.onDatagram(d => got.push(d[0]))
    net.tap = (d) => d[0] !== 7
    for (let i = 0; i < 50; i++) a.send(Buffer.from([i]), b.local)
    a.send(Buffer.alloc(1001, 99), b.local)
    await new Promise(resolve => setTimeout(resolve, 30))
    expect(got.length).toBe(49)
    expect(got).not.toContain(7)
    expect(got).not.toContain(99)
    expect(got).not.toEqual([...got].sort((x, y) => x - y))
    expect(net.stats.tooLarge).toBe(1)
  })

  test('two transports cannot bind the same endpoint', () => {
    const net = new MemoryNetwork()
    net.createTransport({ address: '::1', port: 5 })
    expect(() => net.createTransport({ address: '::1', port: 5 })).toThrow(/already bound/)
  })
})
