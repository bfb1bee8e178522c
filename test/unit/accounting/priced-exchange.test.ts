import { afterEach, describe, expect, it } from 'vitest'
import { createAccounting } from '../../../src/node/accounting/accounting.js'
import { Ledger, ledgerDatabases } from '../../../src/node/accounting/ledger/ledger.js'
import { Cause, LOOKUP_ANSWER_PRICE } from '../../../src/node/accounting/price.js'
import { createExchangeCharger } from '../../../src/node/accounting/priced-exchange.js'
import { encodeRoutingMessage } from '../../../src/node/wire/routing-messages.js'
import { ledgerEnv, peer } from './fixtures/ledger-env.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

function ledger (): Ledger {
  const e = ledgerEnv()
  const l = new Ledger(ledgerDatabases(e.open), { flushMs: 60_000 })
  cleanups.push(async () => { await l.close(); await e.close(); e.remove() })
  return l
}

describe('priced exchanges', () => {
  it('books credit by cause on the side that gave the service, for asker and answerer alike', () => {
    const l = ledger()
    const priced: string[] = []
    const charge = createExchangeCharger(l, {
      ask: () => ({ cause: Cause.kv, server: 'answerer', credit: 10 }),
      push: () => ({ cause: Cause.radioSegment, server: 'asker', credit: 7 }),
      lookup: () => ({ cause: Cause.lookup, server: 'answerer', credit: 5 }),
      free: () => undefined,
      broken: () => { throw new Error('bad bytes') }
    }, (hex) => priced.push(hex))
    const x = Buffer.alloc(1)
    charge(peer(1), 'ask', 'answered', x, x) // we answered: we gave
    charge(peer(1), 'ask', 'asked', x, x) // we asked: it gave
    charge(peer(2), 'push', 'asked', x, x) // we pushed: we gave
    charge(peer(2), 'push', 'answered', x, x) // it pushed: it gave
    charge(peer(4), 'lookup', 'asked', x, x) // booked, but starts nothing
    charge(peer(3), 'free', 'asked', x, x)
    charge(peer(3), 'broken', 'asked', x, x)
    charge(peer(3), 'unknown', 'asked', x, x)
    charge(peer(3), 'constructor', 'asked', x, x) // no pricer from the prototype
    charge('not-a-node-id', 'ask', 'asked', x, x)
    const p1 = l.get(peer(1))!.byCause[Cause.kv]
    expect([p1.creditSent, p1.creditReceived, p1.bytesSent, p1.bytesReceived]).toEqual([10, 10, 0, 0])
    const p2 = l.get(peer(2))!.byCause[Cause.radioSegment]
    expect([p2.creditSent, p2.creditReceived]).toEqual([7, 7])
    expect(l.get(peer(3))).toBeUndefined()
    expect(l.get(peer(4))!.byCause[Cause.lookup].creditReceived).toBe(5)
    expect(priced).toEqual([peer(1), peer(1), peer(2), peer(2)])
  })

  it('the accounting layer prices lookups and relayed tunnel cells', async () => {
    const e = ledgerEnv()
    const acc = createAccounting({ selfId: Buffer.alloc(32, 9), openDatabase: e.open, ledger: { flushMs: 60_000 } })
    cleanups.push(async () => { await acc.stop(); await e.close(); e.remove() })
    const find = encodeRoutingMessage({ type: 'find', request: { target: Buffer.alloc(32, 7), kind: 0, count: 20, wantKeys: true, known: [] } })
    const nodes = encodeRoutingMessage({ type: 'nodes', contacts: [] })
    acc.exchange(peer(1), 'dht', 'asked', find, nodes) // peer 1 answered our lookup
    acc.exchange(peer(2), 'dht', 'answered', find, nodes) // we answered peer 2's
    acc.relayed(peer(2), peer(3), 1024) // a cell for peer 2, handed to peer 3
    acc.relayed(peer(2), undefined, 1024) // the last hop: nobody after us
    expect(acc.ledger.get(peer(1))!.byCause[Cause.lookup].creditReceived).toBe(LOOKUP_ANSWER_PRICE)
    expect(acc.ledger.get(peer(2))!.byCause[Cause.lookup].creditSent).toBe(LOOKUP_ANSWER_PRICE)
    expect(acc.ledger.get(peer(2))!.byCause[Cause.tunnelCell].creditSent).toBe(2048)
    expect(acc.ledger.get(peer(3))!.byCause[Cause.tunnelCell].creditReceived).toBe(1024)
    expect(acc.ledger.owed(peer(2))).toBe(LOOKUP_ANSWER_PRICE + 2048)
  })
})
