import { afterEach, describe, expect, it } from 'vitest'
import { Ledger, ledgerDatabases } from '../../../src/node/accounting/ledger/ledger.js'
import { decodeBooks, emptyBooks, encodeBooks } from '../../../src/node/accounting/ledger/ledger-codec.js'
import { Cause } from '../../../src/node/accounting/price.js'
import { ledgerEnv, peer } from './fixtures/ledger-env.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

function setup (opts: ConstructorParameters<typeof Ledger>[1] = {}): { ledger: Ledger, reopen: () => Promise<Ledger>, e: ReturnType<typeof ledgerEnv> } {
  let e = ledgerEnv()
  let ledger = new Ledger(ledgerDatabases(e.open), { flushMs: 60_000, ...opts })
  const dir = e.dir
  cleanups.push(async () => { await ledger.close(); await e.close(); e.remove() })
  return {
    get ledger () { return ledger },
    e,
    reopen: async () => {
      await ledger.close()
      await e.close()
      e = ledgerEnv(dir)
      ledger = new Ledger(ledgerDatabases(e.open), { flushMs: 60_000, ...opts })
      return ledger
    }
  }
}

describe('ledger', () => {
  it('keeps credit and bytes per peer and cause, across a restart', async () => {
    let t = 1_700_000_000_000
    const s = setup({ now: () => t })
    s.ledger.charge(peer(1), Cause.chunkSlice, 'sent', 1000, 5000)
    s.ledger.charge(peer(1), Cause.chunkSlice, 'received', 10, 20)
    t += 3_600_000
    s.ledger.charge(peer(1), Cause.kv, 'sent', 7, 0)
    s.ledger.charge(peer(2), Cause.chunkSlice, 'received', 300, 300)
    // Unflushed charges are visible at once.
    expect(s.ledger.owed(peer(1))).toBe(4980)
    const seq = await s.ledger.flush()
    expect(seq).toBe(1)
    const l = await s.reopen()
    expect(l.sequence).toBe(1)
    const p1 = l.get(peer(1))
    expect(p1).toMatchObject({ creditSent: 5000, creditReceived: 20, bytesSent: 1007, bytesReceived: 10, owed: 4980, firstEntry: 1_700_000_000_000, lastEntry: t })
    expect(p1?.byCause[Cause.kv]).toEqual({ creditSent: 0, creditReceived: 0, bytesSent: 7, bytesReceived: 0 })
    expect(l.owed(peer(2))).toBe(-300)
    expect(l.owed(peer(3))).toBe(0)
    // Each new peer got its own receive-address index.
    expect(new Set([p1?.addressIndex, l.get(peer(2))?.addressIndex]).size).toBe(2)
    const h = l.history()
    // Hour 1: peer 1's chunk bytes; hour 2: its kv bytes and peer 2's chunk bytes.
    expect(h.map(r => [r.hourStart - h[0].hourStart, r.cause, r.bytesSent + r.bytesReceived])).toEqual([[0, Cause.chunkSlice, 1010], [3_600_000, Cause.chunkSlice, 300], [3_600_000, Cause.kv, 7]])
  })

  it('flushes by itself once a batch is full', async () => {
    const s = setup({ maxBatchEntries: 100 })
    for (let i = 0; i < 99; i++) s.ledger.charge(peer(i % 7), Cause.chunkSlice, 'sent', 1, 1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(s.ledger.sequence).toBe(0) // the timer is a minute away
    s.ledger.charge(peer(1), Cause.chunkSlice, 'sent', 1, 1)
    for (let i = 0; i < 50 && s.ledger.sequence === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(s.ledger.sequence).toBe(1)
    expect(s.ledger.unflushed).toBe(0)
    for (let i = 0; i < 150; i++) s.ledger.charge(peer(i % 7), Cause.chunkSlice, 'sent', 1, 1)
    await s.ledger.flush()
    const l = await s.reopen()
    expect(l.list().reduce((n, p) => n + p.creditSent, 0)).toBe(250)
  })

  it('credits a payment once per txid:vout, across restarts', async () => {
    const s = setup()
    s.ledger.charge(peer(9), Cause.chunkSlice, 'sent', 5_000_000, 5_000_000)
    const pay = { txid: 'ab'.repeat(32), vout: 1, sats: 50 }
    expect(await s.ledger.restore(peer(9), pay, 5_000_000)).toBe(true)
    expect(await s.ledger.restore(peer(9), pay, 5_000_000)).toBe(false)
    expect(s.ledger.owed(peer(9))).toBe(0)
    const l = await s.reopen()
    expect(await l.restore(peer(9), pay, 5_000_000)).toBe(false)
    expect(await l.restore(peer(9), { ...pay, vout: 2 }, 1)).toBe(true)
    expect(l.get(peer(9))).toMatchObject({ restoredCredit: 5_000_001, paidSats: 100, owed: -1 })
  })

  it('remembers whom it asked to pay, with a stable address index', async () => {
    const s = setup()
    const i = await s.ledger.requestPayment(peer(4))
    expect(await s.ledger.requestPayment(peer(4))).toBe(i)
    const j = await s.ledger.requestPayment(peer(5))
    expect(j).not.toBe(i)
    const l = await s.reopen()
    expect(l.requested().sort((a, b) => a.addressIndex - b.addressIndex)).toEqual([{ id: peer(4), addressIndex: i }, { id: peer(5), addressIndex: j }].sort((a, b) => a.addressIndex - b.addressIndex))
  })

  it('skips a record that does not decode and refuses bad entries with a code', async () => {
    const s = setup()
    await s.e.open('ledger').put(Buffer.from(peer(3), 'hex'), Buffer.from([9, 9, 9]))
    expect(s.ledger.get(peer(3))).toBeUndefined()
    expect(s.ledger.skippedRecords).toBe(1)
    expect(() => { s.ledger.charge(peer(1), 99 as never, 'sent', 1, 1) }).toThrow(expect.objectContaining({ code: 'ACCOUNTING_INVALID_ARGUMENT' }))
    expect(() => { s.ledger.charge('zz', 0, 'sent', 1, 1) }).toThrow(expect.objectContaining({ code: 'ACCOUNTING_INVALID_ARGUMENT' }))
  })

  it('record codec round-trips and refuses unknown versions', () => {
    const b = emptyBooks(7, 1000)
    b.rows[5] = 123; b.sendAddress = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'; b.paymentRequested = true; b.restoredCredit = 9
    expect(decodeBooks(encodeBooks(b))).toEqual(b)
    const bad = encodeBooks(b); bad[0] = 2
    expect(() => decodeBooks(bad)).toThrow(expect.objectContaining({ code: 'WIRE_MALFORMED' }))
  })
})

describe('ledger bounds', () => {
  it('keeps at most maxPeers books (plus 10 %), dropping the smallest balances first', async () => {
    const s = setup({ maxPeers: 20 })
    // 30 peers: peer i owes i × 1000; peer 100 owes the most and is charged first (oldest).
    s.ledger.charge(peer(100), Cause.chunkSlice, 'sent', 1, 1_000_000)
    for (let i = 1; i <= 29; i++) s.ledger.charge(peer(i), Cause.chunkSlice, 'sent', 1, i * 1000)
    await s.ledger.flush()
    expect(s.ledger.pruned).toBe(10)
    const kept = s.ledger.list().map(p => p.id)
    expect(kept).toHaveLength(20)
    expect(kept).toContain(peer(100))
    for (let i = 1; i <= 10; i++) expect(kept).not.toContain(peer(i))
    for (let i = 11; i <= 29; i++) expect(kept).toContain(peer(i))
  })
})
