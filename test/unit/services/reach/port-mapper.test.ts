import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MappingGateway } from '../../../../src/node/services/reach/mapping-gateways.js'
import { PortMapper } from '../../../../src/node/services/reach/port-mapper.js'

/**
 * The mapper's timing and failure handling against a scripted gateway (the real routers are in
 * test/integration/netns-upnp.test.ts): what it asks, when it renews, how often it retries, what
 * it logs, and that it never throws.
 */
interface FakeGateway extends MappingGateway {
  calls: string[]
  closed: number
}

function fakeGateway (answers: Array<{ host: string, port: number } | Error>, opts: { unmapFails?: boolean } = {}): FakeGateway {
  let i = 0
  const g: FakeGateway = {
    protocol: 'NAT-PMP',
    host: '198.19.1.1',
    calls: [],
    closed: 0,
    map: async (port, leaseS) => {
      g.calls.push(`map ${port} ${leaseS}`)
      const a = answers[Math.min(i++, answers.length - 1)]
      if (a instanceof Error) throw a
      return { externalHost: a.host, externalPort: a.port, internalHost: '198.19.1.2', internalPort: port }
    },
    unmap: async (port) => {
      g.calls.push(`unmap ${port}`)
      if (opts.unmapFails === true) throw new Error('no answer')
    },
    close: async () => { g.closed++ }
  }
  return g
}

describe('PortMapper', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('maps, reports the external address, renews at half the lease, and removes the mapping on stop', async () => {
    const g = fakeGateway([{ host: '198.18.0.6', port: 9151 }])
    const lines: string[] = []
    const mapped: string[] = []
    const m = new PortMapper({ port: 9151, leaseS: 100, log: (l) => lines.push(l), finders: [async () => g], onMapped: (e, via) => mapped.push(`${e.address}:${e.port} ${via}`) })
    m.start()
    await m.settled()
    expect(mapped).toEqual(['198.18.0.6:9151 NAT-PMP'])
    expect(m.mapping).toMatchObject({ externalHost: '198.18.0.6', externalPort: 9151, via: 'NAT-PMP', gateway: '198.19.1.1' })
    expect(lines).toEqual(['port mapping: UDP 198.18.0.6:9151 → 198.19.1.2:9151 via NAT-PMP at 198.19.1.1 (lease 100 s, renewed every 50 s)'])
    await vi.advanceTimersByTimeAsync(49_000)
    expect(g.calls).toEqual(['map 9151 100'])
    await vi.advanceTimersByTimeAsync(1_000)
    await m.settled()
    expect(g.calls).toEqual(['map 9151 100', 'map 9151 100'])
    await vi.advanceTimersByTimeAsync(50_000)
    await m.settled()
    expect(g.calls).toHaveLength(3)
    expect(mapped).toHaveLength(1) // same address: not reported again
    await m.stop()
    expect(g.calls.at(-1)).toBe('unmap 9151')
    expect(g.closed).toBe(1)
    expect(lines.at(-1)).toBe('port mapping: removed UDP 198.18.0.6:9151 from the NAT-PMP gateway at 198.19.1.1')
    expect(m.mapping).toBeUndefined()
  })

  it('without a gateway: a bounded number of rounds, each a log line, then one line saying what to do', async () => {
    const lines: string[] = []
    let asked = 0
    const m = new PortMapper({ port: 9151, attempts: 3, retryMs: 1000, log: (l) => lines.push(l), finders: [async () => { asked++; return undefined }] })
    m.start()
    await vi.advanceTimersByTimeAsync(10_000)
    await m.settled()
    expect(asked).toBe(3)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe('port mapping: attempt 1 of 3 failed (no UPnP-IGD or NAT-PMP gateway answered); trying again in 1 s')
    expect(lines[2]).toMatch(/^port mapping: given up after 3 attempts \(no UPnP-IGD or NAT-PMP gateway answered\)\. .*forward UDP port 9151 .*"announce"/)
    await vi.advanceTimersByTimeAsync(100_000)
    expect(asked).toBe(3)
    await m.stop()
  })

  it('a finder that throws or a gateway that refuses is logged and the next protocol is tried', async () => {
    const refusing = fakeGateway([new Error('Code 718 - ConflictInMappingEntry')])
    refusing.protocol = 'UPnP-IGD'
    const good = fakeGateway([{ host: '198.18.0.6', port: 40000 }])
    const lines: string[] = []
    const m = new PortMapper({ port: 9151, log: (l) => lines.push(l), finders: [async () => { throw new Error('fetch failed', { cause: new Error('invalid content-length header') }) }, async () => refusing, async () => good] })
    m.start()
    await m.settled()
    expect(lines).toEqual([
      'port mapping: looking for a gateway failed (fetch failed: invalid content-length header)',
      'port mapping: the UPnP-IGD gateway at 198.19.1.1 refused the mapping: Code 718 - ConflictInMappingEntry',
      'port mapping: UDP 198.18.0.6:40000 → 198.19.1.2:9151 via NAT-PMP at 198.19.1.1 (lease 3600 s, renewed every 1800 s)'
    ])
    expect(refusing.closed).toBe(1)
    await m.stop()
  })

  it('an unusable answer (port 0, no address) counts as a refusal', async () => {
    const g = fakeGateway([{ host: '', port: 9151 }, { host: '198.18.0.6', port: 0 }])
    const lines: string[] = []
    const m = new PortMapper({ port: 9151, attempts: 2, retryMs: 10, log: (l) => lines.push(l), finders: [async () => g] })
    m.start()
    await vi.advanceTimersByTimeAsync(100)
    await m.settled()
    expect(m.mapping).toBeUndefined()
    expect(lines.filter(l => l.startsWith('port mapping: the NAT-PMP gateway at 198.19.1.1 refused the mapping: the gateway answered an unusable external address'))).toHaveLength(2)
    expect(lines.at(-1)).toMatch(/^port mapping: given up after 2 attempts/)
    await m.stop()
    expect(g.calls.filter(c => c.startsWith('unmap'))).toEqual([])
  })

  it('failed renewals are retried a bounded number of times, then the mapping is lost and discovery runs once more', async () => {
    const g = fakeGateway([{ host: '198.18.0.6', port: 9151 }, new Error('timeout'), new Error('timeout'), new Error('timeout')])
    const lines: string[] = []
    let lost = 0
    let finds = 0
    const m = new PortMapper({ port: 9151, leaseS: 100, attempts: 3, retryMs: 1000, log: (l) => lines.push(l), onLost: () => lost++, finders: [async () => { finds++; return finds === 1 ? g : undefined }] })
    m.start()
    await m.settled()
    await vi.advanceTimersByTimeAsync(50_000 + 2_000)
    await m.settled()
    expect(lines.slice(1, 4)).toEqual([
      'port mapping: renewal 1 of 3 failed at the NAT-PMP gateway 198.19.1.1 (timeout); retrying in 1 s',
      'port mapping: renewal 2 of 3 failed at the NAT-PMP gateway 198.19.1.1 (timeout); retrying in 1 s',
      'port mapping: lost (3 renewals failed, last: timeout); looking for a gateway again'
    ])
    expect(lost).toBe(1)
    expect(m.mapping).toBeUndefined()
    expect(g.closed).toBe(1)
    await vi.advanceTimersByTimeAsync(5_000)
    await m.settled()
    expect(finds).toBe(2) // one more round, then given up
    expect(lines.at(-1)).toMatch(/^port mapping: given up after 3 attempts/)
    await vi.advanceTimersByTimeAsync(1_000_000)
    expect(finds).toBe(2)
    await m.stop()
  })

  it('stop during discovery cancels it; a failed removal is logged, not thrown', async () => {
    const lines: string[] = []
    const m = new PortMapper({ port: 9151, log: (l) => lines.push(l), finders: [async (signal) => await new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined)))] })
    m.start()
    await m.stop()
    expect(lines).toEqual([])

    const g = fakeGateway([{ host: '198.18.0.6', port: 9151 }], { unmapFails: true })
    const m2 = new PortMapper({ port: 9151, log: (l) => lines.push(l), finders: [async () => g] })
    m2.start()
    await m2.settled()
    await m2.stop()
    expect(lines.at(-1)).toBe('port mapping: could not remove UDP 198.18.0.6:9151 from the NAT-PMP gateway at 198.19.1.1 (no answer); the router drops it when its lease ends')
    expect(g.closed).toBe(1)
  })
})
