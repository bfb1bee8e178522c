import { describe, expect, it } from 'vitest'
import { type OwnedKind, OwnedSet } from '../../../../src/node/services/records/owned-set.js'
import type { RecordPersistence } from '../../../../src/node/services/records/persistence.js'

/** A toy owned record: id byte, version, expiry; encoded as [id, version, expires]. */
interface Toy { id: number, version: number, expires: number }

const toyKind = (replaces?: OwnedKind<Toy>['replaces']): OwnedKind<Toy> => ({
  locationOf: t => Buffer.alloc(32, t.id),
  encode: t => Buffer.from([t.id, t.version, t.expires]),
  expiresOf: t => t.expires,
  * load (p, now, stats) {
    for (const b of p.load()) {
      const t = { id: b[0], version: b[1], expires: b[2] }
      if (t.expires <= now) { stats.expired++; continue }
      yield { id: String(t.id), record: t }
    }
  },
  replaces
})

function memoryDisk (): RecordPersistence & { map: Map<string, Buffer> } {
  const map = new Map<string, Buffer>()
  return {
    map,
    load: () => [...map.values()],
    save: (k, v) => { map.set(k.toString('hex'), v) },
    remove: (k) => { map.delete(k.toString('hex')) }
  }
}

describe('OwnedSet', () => {
  it('saves what it keeps and removes what it drops, under the kind\'s location', () => {
    const disk = memoryDisk()
    const own = new OwnedSet(toyKind(), { now: () => 5, maxRecords: 4, persistence: disk })
    own.set('1', { id: 1, version: 1, expires: 9 })
    expect(disk.map.get(Buffer.alloc(32, 1).toString('hex'))).toEqual(Buffer.from([1, 1, 9]))
    own.delete('1')
    expect(disk.map.size).toBe(0)
    expect(own.size).toBe(0)
  })

  it('makes room by dropping expired records, and only then', () => {
    let t = 5
    const own = new OwnedSet(toyKind(), { now: () => t, maxRecords: 1 })
    own.set('1', { id: 1, version: 1, expires: 9 })
    expect(own.hasRoomFor('1')).toBe(true)
    expect(own.hasRoomFor('2')).toBe(false)
    t = 9
    expect(own.hasRoomFor('2')).toBe(true)
    expect(own.ids()).toEqual([])
  })

  it('loads back within its bound; a duplicate id is invalid unless the kind says which one wins', () => {
    const disk = memoryDisk()
    disk.map.set('a', Buffer.from([1, 1, 9]))
    disk.map.set('b', Buffer.from([1, 2, 9]))
    disk.map.set('c', Buffer.from([2, 1, 3]))
    disk.map.set('d', Buffer.from([3, 1, 9]))
    disk.map.set('e', Buffer.from([4, 1, 9]))
    const plain = new OwnedSet(toyKind(), { now: () => 5, maxRecords: 1, persistence: disk })
    expect(plain.loadStats).toEqual({ loaded: 1, expired: 1, invalid: 1, truncated: true })
    expect(plain.get('1')?.version).toBe(1)
    const newer = new OwnedSet(toyKind((a, b) => a.version > b.version), { now: () => 5, maxRecords: 3, persistence: disk })
    expect(newer.loadStats).toEqual({ loaded: 3, expired: 1, invalid: 0, truncated: false })
    expect(newer.get('1')?.version).toBe(2)
  })

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new OwnedSet(toyKind(), { now: () => 0, maxRecords: 0 })).toThrow(RangeError)
  })
})
