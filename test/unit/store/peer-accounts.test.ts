import { join } from 'node:path'
import { open } from 'lmdb'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../src/node/errors.js'
import { nodeIdOf } from '../../../src/node/identity/identity.js'
import { type Store, type StoreOptions, openStore } from '../../../src/node/store/environment.js'
import type { PeerContact } from '../../../src/node/store/peer-accounts.js'
import { FakeClock, collectWarnings, tempDir } from './fixtures/helpers.js'

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c()
  cleanups = []
})

function fresh (opts: StoreOptions = {}): { store: Store, dir: string, reopen: (o?: StoreOptions) => Store } {
  const { dir, cleanup } = tempDir()
  const opened: Store[] = []
  const reopen = (o: StoreOptions = opts): Store => { const s = openStore(dir, { onWarning: () => {}, ...o }); opened.push(s); return s }
  cleanups.push(async () => { for (const s of opened) await s.close(); cleanup() })
  return { store: reopen(opts), dir, reopen }
}

function peer (n: number, extra: Partial<PeerContact> = {}): PeerContact {
  const publicKey = Buffer.alloc(32, n)
  return {
    id: nodeIdOf(publicKey),
    publicKey,
    nonce: Buffer.from([n, 0, 0, 0, 0, 0, 0, 1]),
    rank: n % 30,
    endpoint: { address: `10.0.0.${n}`, port: 4000 + n },
    ...extra
  }
}

describe('PeerAccounts', () => {
  it('creates an account on first contact and refreshes it later', () => {
    const clock = new FakeClock()
    const { store } = fresh({ now: clock.now })
    const p = peer(1, { rttMs: 80 })
    store.peers.noteContact(p)
    const t0 = clock.t
    clock.advance(5000)
    store.peers.noteContact({ ...peer(1), endpoint: { address: '2001:db8::1', port: 9 }, rttMs: 40 })
    store.peers.noteContact(peer(1)) // no RTT sample: keeps the smoothed value
    const a = store.peers.get(p.id)
    expect(a).toMatchObject({
      rank: 1,
      firstContact: t0,
      lastContact: t0 + 5000,
      rttMs: 80 * 0.875 + 40 * 0.125,
      endpoint: { address: '10.0.0.1', port: 4001 },
      connectionErrors: 0,
      bytesSent: 0,
      bytesReceived: 0
    })
    expect(a?.publicKey.equals(p.publicKey)).toBe(true)
    expect(store.peers.get(peer(2).id)).toBeUndefined()
  })

  it('refuses contacts whose key does not hash to the id, or with a bad endpoint', () => {
    const { store } = fresh()
    const bad = [
      { ...peer(1), id: peer(2).id },
      { ...peer(1), nonce: Buffer.alloc(7) },
      { ...peer(1), rank: 300 },
      { ...peer(1), endpoint: { address: 'example.org', port: 1 } },
      { ...peer(1), endpoint: { address: '1.2.3.4', port: 0 } }
    ]
    for (const b of bad) {
      let code: string | undefined
      try { store.peers.noteContact(b) } catch (err) { code = isTornetError(err) ? err.code : 'other' }
      expect(code).toBe('STORE_INVALID_ARGUMENT')
    }
    expect(store.peers.list()).toEqual([])
  })

  it('batches traffic and errors in memory, visible at once and persisted by flush', async () => {
    const { store, reopen } = fresh({ flushMs: 3_600_000 })
    const p = peer(3)
    store.peers.noteContact(p)
    const hex = Buffer.from(p.id).toString('hex')
    for (let i = 0; i < 1000; i++) store.peers.addTraffic(hex, i % 2 === 0 ? 'out' : 'in', 100)
    store.peers.noteError(p.id)
    store.peers.noteError(peer(9).id) // unknown peer: nothing to count it against
    store.peers.addTraffic(Buffer.from(peer(8).id).toString('hex'), 'in', 7)
    expect(store.peers.get(p.id)).toMatchObject({ bytesSent: 50_000, bytesReceived: 50_000, connectionErrors: 1 })
    await store.peers.flush()
    expect(store.peers.stats).toMatchObject({ droppedErrors: 1, droppedTrafficBytes: 7 })
    store.peers.addTraffic(hex, 'out', 1) // left for close() to flush
    await store.close()
    const again = reopen()
    expect(again.peers.get(p.id)).toMatchObject({ bytesSent: 50_001, bytesReceived: 50_000, connectionErrors: 1 })
  })

  it('round trips every field across a restart', async () => {
    const { store, reopen } = fresh()
    store.peers.noteContact(peer(4, { rttMs: 12.25, endpoint: { address: 'fe80::4%eth0', port: 65535 } }))
    const before = store.peers.get(peer(4).id)
    await store.close()
    const again = reopen()
    expect(again.peers.get(peer(4).id)).toEqual(before)
  })

  it('lists most recent first and bootstraps from recentlySeen', async () => {
    const clock = new FakeClock()
    const { store } = fresh({ now: clock.now })
    for (const n of [5, 6, 7, 8]) { store.peers.noteContact(peer(n)); clock.advance(1000) }
    await store.peers.flush()
    clock.advance(1000)
    store.peers.noteContact(peer(5)) // unflushed, newest
    expect(store.peers.recentlySeen(3).map((a) => a.rank)).toEqual([5, 8, 7])
    expect(store.peers.list().length).toBe(4)
    expect(store.peers.list({ limit: 2 }).length).toBe(2)
  })

  it('skips and reports a record that does not decode', async () => {
    const { warnings, onWarning } = collectWarnings()
    const { store, dir, reopen } = fresh({ onWarning })
    store.peers.noteContact(peer(1))
    store.peers.noteContact(peer(2))
    await store.close()
    const env = open({ path: join(dir, 'db'), maxDbs: 32 })
    const db = env.openDB<Buffer, Buffer>('peers', { encoding: 'binary', keyEncoding: 'binary' })
    await db.put(Buffer.from(peer(2).id), Buffer.from([1, 2, 3]))
    await env.close()
    const again = reopen({ onWarning })
    expect(again.peers.list().map((a) => a.rank)).toEqual([1])
    expect(again.peers.get(peer(2).id)).toBeUndefined()
    expect(again.peers.list().length).toBe(1) // reported once, not per read
    expect(warnings.filter((w) => w.code === 'STORE_PEER_RECORD_CORRUPT').length).toBe(1)
    expect(again.peers.stats.skippedRecords).toBe(1)
    again.peers.noteContact(peer(2)) // a new contact replaces the broken record
    expect(again.peers.get(peer(2).id)?.rank).toBe(2)
  })

  it('stays within maxAccounts, dropping the least recently contacted', async () => {
    const clock = new FakeClock()
    const { store } = fresh({ now: clock.now, maxAccounts: 10 })
    for (let n = 1; n <= 30; n++) {
      store.peers.noteContact(peer(n))
      clock.advance(1000)
      if (n % 5 === 0) await store.peers.flush()
    }
    await store.peers.flush()
    const left = store.peers.list().map((a) => a.rank).sort((a, b) => a - b)
    expect(left.length).toBeLessThanOrEqual(11)
    expect(left).toContain(0) // peer 30 (rank 30 % 30), the newest
    expect(left).not.toContain(1) // peer 1, the oldest
    expect(store.peers.stats.pruned).toBeGreaterThan(0)
  })
})
