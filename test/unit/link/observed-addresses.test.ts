import { describe, expect, it } from 'vitest'
import { ObservedAddresses } from '../../../src/node/link/observed-addresses.js'

const mapped = { address: '198.18.0.4', port: 9151 }

function clocked (maxReporters?: number): { o: ObservedAddresses, at: (t: number) => void } {
  let now = 0
  return { o: new ObservedAddresses(() => now, maxReporters), at: (t) => { now = t } }
}

describe('ObservedAddresses', () => {
  it('counts distinct reporting hosts per address, the most agreed first; old reports can be left out', () => {
    const { o, at } = clocked()
    at(1); o.record('a', '198.18.0.10', mapped)
    at(2); o.record('b', '198.18.0.11', mapped)
    at(3); o.record('c', '198.18.0.12', { address: '198.18.0.4', port: 40000 })
    expect(o.list()).toEqual([
      { endpoint: mapped, hosts: 2, lastSeen: 2 },
      { endpoint: { address: '198.18.0.4', port: 40000 }, hosts: 1, lastSeen: 3 }
    ])
    expect(o.reportingHosts()).toBe(3)
    at(10)
    expect(o.reportingHosts(7)).toBe(1)
    expect(o.list(7)).toEqual([{ endpoint: { address: '198.18.0.4', port: 40000 }, hosts: 1, lastSeen: 3 }])
  })

  it('a reporter counts once (its latest report), and many ids on one host count as one host', () => {
    const { o, at } = clocked()
    o.record('liar', '203.0.113.9', { address: '203.0.113.1', port: 1 })
    o.record('liar', '203.0.113.9', mapped)
    at(1)
    for (let i = 0; i < 10; i++) o.record(`sybil${i}`, '203.0.113.9', { address: '203.0.113.1', port: 1 })
    const list = o.list()
    expect(list[0]).toMatchObject({ endpoint: { address: '203.0.113.1', port: 1 }, hosts: 1 })
    expect(list.find(e => e.endpoint.port === 9151)?.hosts).toBe(1)
    expect(o.reportingHosts()).toBe(1)
    expect(o.reporters).toBe(11)
  })

  it('keeps at most maxReporters, dropping the one heard from longest ago', () => {
    const { o } = clocked(3)
    for (let i = 0; i < 5; i++) o.record(`r${i}`, `198.18.0.${10 + i}`, { address: '198.18.0.4', port: 1000 + i })
    expect(o.reporters).toBe(3)
    expect(o.list().map(e => e.endpoint.port).sort()).toEqual([1002, 1003, 1004])
    o.record('r2', '198.18.0.12', mapped) // heard again: now the newest
    o.record('r5', '198.18.0.15', mapped)
    expect(o.list().map(e => e.endpoint.port).sort()).toEqual([1004, 9151])
  })
})
