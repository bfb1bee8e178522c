import { describe, expect, it } from 'vitest'
import { NodeMeter } from '../../src/node/node-meter.js'
import type { Store } from '../../src/node/store/index.js'

const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

function harness (): { meter: NodeMeter, peers: Map<string, { in: number, out: number }>, ledger: Array<[string, string, number, string]> } {
  const peers = new Map<string, { in: number, out: number }>()
  const store = {
    peers: {
      addTraffic: (hex: string, dir: 'in' | 'out', bytes: number) => {
        const t = peers.get(hex) ?? { in: 0, out: 0 }
        t[dir] += bytes
        peers.set(hex, t)
      }
    }
  } as unknown as Store
  const meter = new NodeMeter(store)
  const ledger: Array<[string, string, number, string]> = []
  meter.ledger = (peer, dir, bytes, kind) => { ledger.push([peer, dir, bytes, kind]) }
  return { meter, peers, ledger }
}

describe('NodeMeter', () => {
  it('adds datagrams up per peer and kind, and hands the same sums on once per turn', async () => {
    const { meter, peers, ledger } = harness()
    for (let i = 0; i < 10; i++) {
      meter.record(A, 'out', 1000, 'tunnel')
      meter.record(A, 'in', 50, 'tunnel')
      meter.record(B, 'in', 1000, 'tunnel')
    }
    meter.record(A, 'out', 7, 'dht')
    meter.record(undefined, 'in', 99, 'handshake')
    expect(meter.totals.bytesOut).toBe(0)
    await turn()
    expect(meter.totals.bytesOut).toBe(10_007)
    expect(meter.totals.bytesIn).toBe(10_599)
    expect(meter.totals.packetsOut).toBe(11)
    expect(meter.totals.packetsIn).toBe(21)
    expect(meter.totals.byKind.get('tunnel')).toEqual({ in: 10_500, out: 10_000 })
    expect(meter.totals.byPeer.get(A)).toEqual({ in: 500, out: 10_007 })
    expect(peers.get(A)).toEqual({ in: 500, out: 10_007 })
    expect(peers.get(B)).toEqual({ in: 10_000, out: 0 })
    expect(ledger.sort()).toEqual([[A, 'in', 500, 'tunnel'], [A, 'out', 10_000, 'tunnel'], [A, 'out', 7, 'dht'], [B, 'in', 10_000, 'tunnel']].sort())
  })

  it('flush() makes every datagram so far visible at once', () => {
    const { meter, peers } = harness()
    meter.record(A, 'in', 10, 'tunnel')
    meter.flush()
    expect(meter.totals.bytesIn).toBe(10)
    expect(peers.get(A)).toEqual({ in: 10, out: 0 })
    meter.record(A, 'in', 5, 'tunnel')
    meter.flush()
    expect(meter.totals.bytesIn).toBe(15)
  })

  it('a sink that throws loses only its own tally', () => {
    const { meter, peers } = harness()
    meter.ledger = (peer) => { if (peer === A) throw new Error('refused') }
    meter.record(A, 'in', 10, 'tunnel')
    meter.record(B, 'in', 20, 'tunnel')
    meter.flush()
    expect(peers.get(A)).toEqual({ in: 10, out: 0 })
    expect(peers.get(B)).toEqual({ in: 20, out: 0 })
    expect(meter.totals.bytesIn).toBe(30)
  })
})
