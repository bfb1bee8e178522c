import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunkPrice } from '../../src/node/accounting/price.js'
import { generateIdentity, type Identity } from '../../src/node/identity/identity.js'
import { ChunkError, ChunkErrorCode } from '../../src/node/services/chunks/errors.js'
import { FakePayments } from '../helpers/fake-payments.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

/** A fresh identity of at least `rank` (a few tries: 2^rank on average). */
function identityOfRank (rank: number): Identity {
  for (;;) { const id = generateIdentity(); if (id.rank >= rank) return id }
}

const SATS_PER_MB = 100

describe('credit lines on real UDP', () => {
  let net: Testnet
  const payments = new FakePayments()
  const freeloaderIdentity = identityOfRank(3)
  // The server's line for the freeloader: 16 MB of credit. A chunk costs 1 MiB × (1 + the
  // leading zero bits of server id ⊕ chunk id): the first one is served unless that is above
  // 16 (odds 1 in 65,536), and the 24 MiB published cost at least 24 MB in all.
  const factor = 16e6 / (freeloaderIdentity.rank * 100e6)

  beforeAll(async () => {
    net = await createTestnet(2, {
      probeMtu: 16_000,
      configFor: (i) => i === 0 ? { credit: { factor, satsPerMB: SATS_PER_MB } } : {},
      identityFor: (i) => i === 1 ? freeloaderIdentity : undefined,
      paymentsFor: (i) => i === 0 ? payments : undefined
    })
  })
  afterAll(async () => { await net?.close() })

  it('a freeloader reaches its credit line, is refused with a payment URI, and is served again once the payment confirms', async () => {
    const [server, freeloader] = net.nodes
    const data = randomBytes(24 << 20)
    const published = await server.content.publish([{ path: 'data.bin', kind: 'file', size: data.length, open: async function * () { yield data } }])
    await server.chunks.publish(published.chunkIds)
    const ids = published.chunkIds
    const serverHex = server.identity.id.toString('hex')
    const freeHex = freeloader.identity.id.toString('hex')

    // Download until refused.
    let got = 0
    let refusal: ChunkError | undefined
    for (const id of ids) {
      try {
        await freeloader.chunks.source.get(id)
        got++
      } catch (err) {
        refusal = err as ChunkError
        break
      }
    }
    expect(got).toBeGreaterThan(0) // served on credit first
    expect(refusal).toBeInstanceOf(ChunkError)
    expect(refusal?.code).toBe(ChunkErrorCode.PAYMENT_REQUIRED)
    const r = refusal?.refusals[0]
    expect(r?.provider).toBe(serverHex)
    const owedNow = server.accounting.ledger.owed(freeHex)
    expect(owedNow).toBeGreaterThanOrEqual(server.accounting.credit.limit(freeloaderIdentity.rank))
    expect(r?.owedCredit).toBeLessThanOrEqual(owedNow)
    expect(r?.sats).toBe(Math.ceil(r!.owedCredit / 1e6 * SATS_PER_MB))
    expect(r?.uri).toMatch(/^bitcoin:bcrt1qfake\d+\?amount=[0-9.]+$/)

    // The books on both sides say the same: what the server sent is what the freeloader received.
    const serverView = server.accounting.ledger.get(freeHex)
    const freeView = freeloader.accounting.ledger.get(serverHex)
    expect(serverView?.byCause[0].creditSent).toBeGreaterThan(0)
    expect(freeView?.byCause[0].creditReceived).toBeGreaterThan(0)
    expect(server.ledger().debtors[0].id).toBe(freeHex)
    // The freeloader's routing table ranks the server by the rate it delivered verified slices at.
    expect(freeloader.internals.dht.table.get(server.identity.id)?.bandwidth).toBeGreaterThan(0)

    // Still refused before paying.
    await expect(freeloader.chunks.source.get(ids[got])).rejects.toMatchObject({ code: ChunkErrorCode.PAYMENT_REQUIRED })

    // The chain source confirms the payment (twice: credited once). The freeloader pays the
    // debt the refusal named plus the price of the chunk it wants next, whatever that price is.
    const address = r!.uri.slice('bitcoin:'.length, r!.uri.indexOf('?'))
    const nextCredit = chunkPrice(server.identity.id, ids[got], 1 << 20)
    const paid = r!.sats + server.accounting.credit.priceOf(nextCredit)
    // Lookups are priced too: what the server answered since the refusal adds to the debt.
    const sinceRefusal = server.accounting.ledger.owed(freeHex) - r!.owedCredit
    expect(sinceRefusal).toBeGreaterThanOrEqual(0)
    payments.pay(address, 'ab'.repeat(32), 0, paid)
    payments.pay(address, 'ab'.repeat(32), 0, paid)
    await server.accounting.credit.settled()
    expect(server.accounting.ledger.get(freeHex)?.paidSats).toBe(paid)
    expect(server.accounting.ledger.owed(freeHex)).toBeLessThanOrEqual(-nextCredit + sinceRefusal + SATS_PER_MB)

    // The routing table's "payments made" for the freeloader now counts what it paid.
    expect(server.internals.dht.table.get(freeloader.identity.id)?.paymentsMade).toBe(paid)

    const again = await freeloader.chunks.source.get(ids[got])
    expect(again.length).toBeGreaterThan(0)
  }, 120_000)
})
