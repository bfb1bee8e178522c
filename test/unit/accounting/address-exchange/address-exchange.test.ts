import { afterEach, describe, expect, it } from 'vitest'
import { AddressExchange } from '../../../../src/node/accounting/address-exchange/address-exchange.js'
import { encodeAddressMessage } from '../../../../src/node/accounting/address-exchange/messages.js'
import { Ledger, ledgerDatabases } from '../../../../src/node/accounting/ledger/ledger.js'
import { Cause } from '../../../../src/node/accounting/price.js'
import { WireError } from '../../../../src/node/wire/codec.js'
import { ledgerEnv, peer } from '../fixtures/ledger-env.js'

const A_ADDRESS = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'
const B_ADDRESS = '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

function ledger (): Ledger {
  const e = ledgerEnv()
  const l = new Ledger(ledgerDatabases(e.open), { flushMs: 60_000 })
  cleanups.push(async () => { await l.close(); await e.close(); e.remove() })
  return l
}

describe('AddressExchange', () => {
  it('two peers with books learn each other\'s send address in one request, kept in their ledgers', async () => {
    const la = ledger(); const lb = ledger()
    const a = new AddressExchange({ ledger: la, network: 'mainnet', ownAddress: async () => A_ADDRESS })
    const b = new AddressExchange({ ledger: lb, network: 'mainnet', ownAddress: async () => B_ADDRESS })
    // Node a is peer(1), node b is peer(2); credit moved between them.
    la.charge(peer(2), Cause.lookup, 'received', 0, 4096)
    lb.charge(peer(1), Cause.lookup, 'sent', 0, 4096)
    let sent = 0
    a.send = async (hex, payload) => { expect(hex).toBe(peer(2)); sent++; return await b.handle(peer(1), payload) }
    expect(await a.exchange(peer(2))).toBe(B_ADDRESS)
    expect(la.get(peer(2))?.sendAddress).toBe(B_ADDRESS)
    expect(lb.get(peer(1))?.sendAddress).toBe(A_ADDRESS)
    // announce() tells a peer once per run.
    a.announce(peer(2)); a.announce(peer(2))
    await new Promise(resolve => setImmediate(resolve))
    expect(sent).toBe(2)
  })

  it('keeps nothing for a stranger, says nothing without an address, and refuses bad bytes', async () => {
    const l = ledger()
    const x = new AddressExchange({ ledger: l, network: 'mainnet', ownAddress: async () => undefined })
    expect(await x.handle(peer(3), encodeAddressMessage({ address: A_ADDRESS }))).toEqual(encodeAddressMessage({ address: '' }))
    expect(l.get(peer(3))).toBeUndefined()
    await expect(x.handle(peer(3), Buffer.from([1, 1, 3, 0x61, 0x62, 0x63]))).rejects.toBeInstanceOf(WireError)
    expect(x.refused).toBe(1)
    x.send = async () => { throw new Error('must not send') }
    expect(await x.exchange(peer(3))).toBeUndefined()
  })

  it('refuses a reply with a bad address and keeps none', async () => {
    const l = ledger()
    l.charge(peer(4), Cause.kv, 'sent', 0, 10)
    const x = new AddressExchange({ ledger: l, network: 'mainnet', ownAddress: async () => A_ADDRESS })
    x.send = async () => Buffer.concat([Buffer.from([1, 1, 16]), Buffer.from('bc1qnotanaddress')])
    await expect(x.exchange(peer(4))).rejects.toBeInstanceOf(WireError)
    expect(l.get(peer(4))?.sendAddress).toBe('')
  })
})
