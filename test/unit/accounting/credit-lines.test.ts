import { afterEach, describe, expect, it } from 'vitest'
import { CREDIT_LINE_BYTES_PER_RANK, CreditLines } from '../../../src/node/accounting/credit-lines.js'
import { Ledger, ledgerDatabases } from '../../../src/node/accounting/ledger/ledger.js'
import { Cause } from '../../../src/node/accounting/price.js'
import { FakePayments } from '../../helpers/fake-payments.js'
import { ledgerEnv, peer } from './fixtures/ledger-env.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

function setup (dir?: string): { ledger: Ledger, credit: CreditLines, payments: FakePayments, dir: string } {
  const e = ledgerEnv(dir)
  const ledger = new Ledger(ledgerDatabases(e.open), { flushMs: 60_000 })
  const payments = new FakePayments()
  const credit = new CreditLines({ ledger, payments, factor: 1, satsPerMB: 10 })
  cleanups.push(async () => { credit.stop(); await ledger.close(); await e.close() })
  return { ledger, credit, payments, dir: e.dir }
}

describe('credit lines', () => {
  it('extends 100 MB × rank × factor of credit', () => {
    const { ledger } = setup()
    const c = new CreditLines({ ledger, factor: 0.5, satsPerMB: 10 })
    expect(CREDIT_LINE_BYTES_PER_RANK).toBe(100_000_000)
    expect(c.limit(20)).toBe(1_000_000_000)
    expect(c.limit(0)).toBe(c.limit(1)) // only where minRank lets rank 0 in at all
    expect(new CreditLines({ ledger, factor: 0, satsPerMB: 10 }).limit(30)).toBe(0)
    expect(c.priceOf(1_000_000)).toBe(10)
    expect(c.priceOf(1)).toBe(1) // rounded up
    expect(c.creditFor(10)).toBe(1_000_000)
  })

  it('refuses a peer past its line with the price and a URI, and restores credit once per output', async () => {
    const { ledger, credit, payments } = setup()
    const p = peer(7)
    const rank = 2
    ledger.charge(p, Cause.chunkSlice, 'sent', 199_000_000, 199_000_000)
    expect(credit.exhausted(p, rank)).toBe(false)
    ledger.charge(p, Cause.chunkSlice, 'sent', 1_000_000, 1_000_000)
    expect(credit.exhausted(p, rank)).toBe(true)
    // A peer of higher rank with the same debt is still within its line.
    expect(credit.exhausted(p, rank + 1)).toBe(false)
    const r = await credit.refusal(p)
    expect(r).toEqual({ owedCredit: 200_000_000, sats: 2000, uri: expect.stringMatching(/^bitcoin:bcrt1qfake\d+\?amount=0.00002$/) })
    const address = r.uri.slice('bitcoin:'.length, r.uri.indexOf('?'))
    const credited: Array<[string, number]> = []
    credit.onCredited = (hex, sats) => { credited.push([hex, sats]) }
    payments.pay(address, 'cd'.repeat(32), 0, 2000)
    payments.pay(address, 'cd'.repeat(32), 0, 2000) // reported again: not credited twice
    await credit.settled()
    expect(ledger.owed(p)).toBe(0)
    expect(credit.exhausted(p, rank)).toBe(false)
    expect(ledger.get(p)?.paidSats).toBe(2000)
    expect(credited).toEqual([[p, 2000]])
  })

  it('watches the addresses of peers asked to pay after a restart', async () => {
    const first = setup()
    first.ledger.charge(peer(3), Cause.chunkSlice, 'sent', 150_000_000, 150_000_000)
    const r = await first.credit.refusal(peer(3))
    await first.ledger.flush()
    await cleanups.shift()?.()
    const again = setup(first.dir)
    again.credit.start()
    const address = r.uri.slice('bitcoin:'.length, r.uri.indexOf('?'))
    expect(again.payments.watchers.get(address)?.length).toBe(1)
    again.payments.pay(address, 'ee'.repeat(32), 3, 500)
    await again.credit.settled()
    expect(again.ledger.owed(peer(3))).toBe(100_000_000)
  })

  it('without a payments source refuses with the price and an empty URI', async () => {
    const { ledger } = setup()
    const c = new CreditLines({ ledger, factor: 1, satsPerMB: 3 })
    ledger.charge(peer(1), Cause.chunkSlice, 'sent', 5_000_000, 5_000_000)
    expect(c.exhausted(peer(1), 0)).toBe(false) // rank 0 counts as rank 1: 100 MB
    ledger.charge(peer(1), Cause.chunkSlice, 'sent', 95_000_000, 95_000_000)
    expect(c.exhausted(peer(1), 0)).toBe(true)
    expect(await c.refusal(peer(1))).toEqual({ owedCredit: 100_000_000, sats: 300, uri: '' })
  })
})
