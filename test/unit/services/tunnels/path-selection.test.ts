import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { nodeIdOf } from '../../../../src/node/identity/identity.js'
import { makeContact, type Contact } from '../../../../src/node/routing/contact.js'
import { networkOf, selectPath } from '../../../../src/node/services/tunnels/path-selection.js'
import { TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'

function relay (address: string, rank = 5, port = 4000): Contact {
  const publicKey = randomBytes(32)
  return makeContact(nodeIdOf(publicKey), { address, port }, { publicKey, rank })
}

/** A seeded generator so failures can be replayed. */
function seeded (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32 }
}

const self = randomBytes(32)
const hex = (c: Contact): string => c.id.toString('hex')

describe('networkOf', () => {
  it('groups IPv4 by /16, IPv6 by /32, and tells loopback apart by port', () => {
    expect(networkOf({ address: '10.1.2.3', port: 1 })).toBe(networkOf({ address: '10.1.200.9', port: 2 }))
    expect(networkOf({ address: '10.1.2.3', port: 1 })).not.toBe(networkOf({ address: '10.2.2.3', port: 1 }))
    expect(networkOf({ address: '2001:db8:1::1', port: 1 })).toBe(networkOf({ address: '2001:0db8:ffff::2', port: 1 }))
    expect(networkOf({ address: '2001:db8::1', port: 1 })).not.toBe(networkOf({ address: '2001:db9::1', port: 1 }))
    expect(networkOf({ address: '::ffff:10.1.2.3', port: 1 })).toBe(networkOf({ address: '10.1.9.9', port: 7 }))
    expect(networkOf({ address: '127.0.0.1', port: 1 })).not.toBe(networkOf({ address: '127.0.0.1', port: 2 }))
    expect(networkOf({ address: '::1', port: 5 })).toBe(networkOf({ address: '127.0.0.1', port: 5 }))
  })
})

describe('selectPath', () => {
  it('never puts two hops in one /16, whatever the draw', () => {
    // Eight relays in 10.1/16, one each in three other /16s: only one 10.1 relay may be used.
    const crowd = Array.from({ length: 8 }, (_, i) => relay(`10.1.${i}.1`))
    const others = [relay('10.2.0.1'), relay('10.3.0.1'), relay('192.168.7.7')]
    for (let seed = 1; seed <= 200; seed++) {
      const path = selectPath([...crowd, ...others], { hops: 3, minRank: 0, self, random: seeded(seed) })
      expect(path).toHaveLength(3)
      expect(new Set(path.map(c => networkOf(c.endpoint))).size).toBe(3)
      expect(new Set(path.map(hex)).size).toBe(3)
    }
  })

  it('fails with NO_RELAYS when distinct networks run out', () => {
    const crowd = Array.from({ length: 10 }, (_, i) => relay(`10.1.${i}.1`))
    expect(() => selectPath([...crowd, relay('10.9.0.1')], { hops: 3, minRank: 0, self, random: seeded(1) }))
      .toThrow(expect.objectContaining({ code: TunnelErrorCode.NO_RELAYS }))
  })

  it('skips relays under the rank floor, without a key, excluded, or itself', () => {
    const low = relay('10.10.0.1', 2)
    const noKey = makeContact(randomBytes(32), { address: '10.11.0.1', port: 1 }, { rank: 9 })
    const excluded = relay('10.12.0.1', 9)
    const me = makeContact(self, { address: '10.13.0.1', port: 1 }, { publicKey: randomBytes(32), rank: 9 })
    const good = [relay('10.14.0.1', 9), relay('10.15.0.1', 9)]
    for (let seed = 1; seed <= 50; seed++) {
      const path = selectPath([low, noKey, excluded, me, ...good], { hops: 2, minRank: 5, self, exclude: [excluded.id], random: seeded(seed) })
      expect(path.map(hex).sort()).toEqual(good.map(hex).sort())
    }
  })

  it('ends at lastHop, which counts for the /16 rule and is never used twice', () => {
    const last = relay('10.20.5.5')
    const sameNet = relay('10.20.9.9')
    const rest = [relay('10.21.0.1'), relay('10.22.0.1'), relay('10.23.0.1')]
    for (let seed = 1; seed <= 50; seed++) {
      const path = selectPath([last, sameNet, ...rest], { hops: 3, minRank: 0, self, lastHop: last, random: seeded(seed) })
      expect(path).toHaveLength(3)
      expect(hex(path[2])).toBe(hex(last))
      expect(path.map(hex)).not.toContain(hex(sameNet))
      expect(path.slice(0, 2).map(hex)).not.toContain(hex(last))
    }
  })

  it('builds loopback test paths by port, and a duplicated contact is used once', () => {
    const a = relay('127.0.0.1', 5, 5001)
    const path = selectPath([a, a, relay('127.0.0.1', 5, 5002), relay('127.0.0.1', 5, 5003)], { hops: 3, minRank: 0, self, random: seeded(3) })
    expect(new Set(path.map(hex)).size).toBe(3)
  })
})
