import { afterEach, describe, expect, test } from 'vitest'
import { createBitcoinPayments, type BitcoinPaymentsService } from '../../../../src/node/accounting/bitcoin/payments.js'
import type { BitcoinConfig, ReceivedPayment } from '../../../../src/node/accounting/bitcoin/payments-api.js'
import { BitcoinErrorCode } from '../../../../src/node/accounting/bitcoin/errors.js'
import { startBitcoindServer, type BitcoindServer, type BitcoindServerOptions } from '../../../helpers/bitcoind-rpc-server.js'
import { startElectrumxTlsServer } from '../../../helpers/electrumx-tls.js'
import { emptyChain, startElectrumxServer, type ElectrumxChain, type ElectrumxTestServer } from '../../../helpers/electrumx-server.js'
import { addPayment, buildPayment, electrumScriptHash, regtestTpub, strangerAddress } from '../../../helpers/bitcoin-chain.js'
import { thrownCode } from '../../../helpers/thrown-code.js'

/**
 * Payment detection end to end over real sockets, against stand-ins for the
 * daemons that cannot run here: the fake Bitcoin Core (HTTP JSON-RPC, regtest-
 * style answers) and the ElectrumX-protocol test server (TCP, newline-delimited
 * JSON-RPC) serving real transactions.
 */

const TPUB = regtestTpub()
const closers: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of closers.splice(0).reverse()) await c() })

interface Logged { level: string, message: string }

function payments (config: Partial<BitcoinConfig>, extra: Parameters<typeof createBitcoinPayments>[1] = {}): { p: BitcoinPaymentsService, logs: Logged[] } {
  const logs: Logged[] = []
  const p = createBitcoinPayments({ xpub: TPUB, network: 'regtest', confirmations: 3, pollMs: 60_000, ...config }, { log: (level, message) => logs.push({ level, message }), ...extra })
  closers.push(async () => await p.stop())
  return { p, logs }
}

async function core (opts: Partial<BitcoindServerOptions> = {}): Promise<BitcoindServer> {
  const s = await startBitcoindServer({ user: 'rpc', password: 'pw', wallets: { tornet: { privateKeys: true } }, ...opts })
  closers.push(async () => await s.close())
  return s
}
const coreSource = (s: BitcoindServer): BitcoinConfig['source'] => ({ kind: 'bitcoind', url: s.url, user: 'rpc', password: 'pw', wallet: 'tornet' })

async function electrum (chain: ElectrumxChain, opts: Parameters<typeof startElectrumxServer>[1] = {}): Promise<ElectrumxTestServer> {
  const s = await startElectrumxServer(chain, opts)
  closers.push(async () => await s.close())
  return s
}
const electrumSource = (s: ElectrumxTestServer): BitcoinConfig['source'] => ({ kind: 'electrum', host: '127.0.0.1', port: s.port, tls: false })

describe('addresses and payment requests', () => {
  test('per-index addresses, BIP21 requests, and nothing without an xpub', () => {
    const { p } = payments({})
    const a0 = p.receiveAddress(0)
    expect(a0).toMatch(/^bcrt1q/)
    expect(p.receiveAddress(1)).not.toBe(a0)
    expect(p.receiveAddress(0)).toBe(a0)
    expect(p.request(0, 150_000, 'Tornet node', 'credit for peer 0')?.uri).toBe(`bitcoin:${a0 ?? ''}?amount=0.0015&label=Tornet%20node&message=credit%20for%20peer%200`)
    const none = payments({ xpub: undefined }).p
    expect(none.receiveAddress(0)).toBeUndefined()
    expect(none.request(0, 1)).toBeUndefined()
  })

  test('a bad xpub fails at creation with BITCOIN_INVALID_XPUB', () => {
    expect(thrownCode(() => createBitcoinPayments({ xpub: 'tpubnonsense', network: 'regtest', confirmations: 1, pollMs: 1000 }))).toBe(BitcoinErrorCode.INVALID_XPUB)
  })

  test('watching is bounded, and addresses of other networks are refused', () => {
    const { p } = payments({}, { maxWatched: 3 })
    const stops = [0, 1, 2].map(i => p.watch(p.receiveAddress(i) as string, () => {}))
    expect(thrownCode(() => p.watch(p.receiveAddress(3) as string, () => {}))).toBe(BitcoinErrorCode.WATCH_LIMIT)
    p.watch(p.receiveAddress(0) as string, () => {}) // a second watcher of a watched address costs no slot
    stops[1]()
    p.watch(p.receiveAddress(3) as string, () => {})
    expect(p.watching).toBe(3)
    expect(thrownCode(() => p.watch('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', () => {}))).toBe(BitcoinErrorCode.INVALID_ADDRESS)
  })
})

describe('payment detection through Bitcoin Core', () => {
  test('a payment is reported once, when it has the configured confirmations', async () => {
    const s = await core()
    const { p } = payments({ source: coreSource(s) })
    await p.start()
    const address = p.receiveAddress(5) as string
    const paid: ReceivedPayment[] = []
    p.watch(address, (x) => paid.push(x))
    await p.poll()
    expect(s.imported('tornet').has(address)).toBe(true)
    const txid = s.pay(address, 250_000, 1)
    s.pay(strangerAddress(), 999) // someone else's payment in the same wallet
    await p.poll()
    s.mine(1)
    await p.poll()
    s.mine(1)
    await p.poll()
    expect(paid).toEqual([])
    s.mine(1)
    await p.poll()
    expect(paid).toEqual([{ address, txid, vout: 1, sats: 250_000, confirmations: 3 }])
    s.mine(5)
    await p.poll()
    await p.poll()
    expect(paid).toHaveLength(1)
  })

  test('after a restart, outputs the caller passes as seen are not reported again; new ones are', async () => {
    const s = await core()
    const first = payments({ source: coreSource(s), confirmations: 1 }).p
    const address = first.receiveAddress(9) as string
    const credited = new Set<string>()
    first.watch(address, (x) => credited.add(`${x.txid}:${x.vout}`))
    await first.start()
    await first.poll()
    const t1 = s.pay(address, 10_000)
    s.mine(1)
    await first.poll()
    expect([...credited]).toEqual([`${t1}:0`])
    await first.stop()

    const again: ReceivedPayment[] = []
    const second = payments({ source: coreSource(s), confirmations: 1 }).p
    second.watch(address, (x) => again.push(x), { seen: (o) => credited.has(o) })
    await second.start()
    await second.poll()
    expect(again).toEqual([])
    const t2 = s.pay(address, 20_000)
    s.mine(1)
    await second.poll()
    expect(again.map(x => x.txid)).toEqual([t2])

    // Without `seen`, a fresh instance reports the old output again: the caller's set is what prevents it.
    const forgetful: string[] = []
    const third = payments({ source: coreSource(s), confirmations: 1 }).p
    third.watch(address, (x) => forgetful.push(x.txid), { seen: [`${t2}:0`] })
    await third.poll()
    expect(forgetful).toEqual([t1])
  })

  test('malformed answers are logged with what to do and polling goes on; nothing throws', async () => {
    const bad = await core({ override: { listsinceblock: () => ({ transactions: 7 }) } })
    const { p, logs } = payments({ source: coreSource(bad), confirmations: 1 })
    await p.start()
    p.watch(p.receiveAddress(0) as string, () => {})
    await p.poll()
    await p.poll()
    await p.poll()
    const warnings = logs.filter(l => l.level === 'warn')
    expect(warnings).toHaveLength(1) // the same problem is logged once, not at every poll
    expect(warnings[0].message).toMatch(/unexpected listsinceblock answer.*Bitcoin Core 0.21 or later/)
  })

  test('a source that recovers is logged once, and payments flow again', async () => {
    let broken = true
    const s = await core()
    const { p, logs } = payments({ source: coreSource(s), confirmations: 1 }, {
      // A proxy in front of Core that fails for a while.
      fetch: async (input, init) => broken ? new Response('<html>proxy error</html>', { status: 502 }) : await fetch(input, init)
    })
    const address = p.receiveAddress(2) as string
    const paid: string[] = []
    p.watch(address, (x) => paid.push(x.txid))
    await p.poll()
    const warned = logs.filter(l => l.level === 'warn')
    expect(warned).toHaveLength(1)
    expect(warned[0].message).toMatch(/not JSON/)
    await p.poll()
    expect(logs.filter(l => l.level === 'warn')).toHaveLength(1)
    broken = false
    await p.poll()
    const txid = s.pay(address, 5000)
    s.mine(1)
    await p.poll()
    expect(paid).toEqual([txid])
    expect(logs.filter(l => l.level === 'info' && /answers again/.test(l.message))).toHaveLength(1)
  })

  test('a handler that throws is logged and does not stop other watchers', async () => {
    const s = await core()
    const { p, logs } = payments({ source: coreSource(s), confirmations: 1 })
    const address = p.receiveAddress(4) as string
    const got: string[] = []
    p.watch(address, () => { throw new Error('ledger full') })
    p.watch(address, (x) => got.push(x.txid))
    await p.poll()
    const txid = s.pay(address, 777)
    s.mine(1)
    await p.poll()
    expect(got).toEqual([txid])
    expect(logs.some(l => /ledger full/.test(l.message))).toBe(true)
  })

  test('start() on a node of another chain fails with BITCOIN_WRONG_CHAIN; an unreachable node only logs', async () => {
    const main = await core({ chain: 'main' })
    await expect(payments({ source: coreSource(main) }).p.start()).rejects.toMatchObject({ code: BitcoinErrorCode.WRONG_CHAIN })
    const { p, logs } = payments({ source: { kind: 'bitcoind', url: 'http://127.0.0.1:1/' } })
    await p.start()
    expect(logs.filter(l => l.level === 'warn')[0]?.message).toMatch(/Cannot reach Bitcoin Core/)
  })

  test('the poll timer reports payments without being asked', async () => {
    const s = await core()
    const { p } = payments({ source: coreSource(s), confirmations: 1, pollMs: 30 })
    const address = p.receiveAddress(11) as string
    const paid = new Promise<ReceivedPayment>(resolve => p.watch(address, resolve))
    await p.start()
    s.pay(address, 4242)
    s.mine(1)
    expect((await paid).sats).toBe(4242)
  })

  test('tips go through the wallet when there is one, else only a URI', async () => {
    const s = await core()
    const to = strangerAddress()
    const withWallet = await payments({ source: coreSource(s) }).p.tip(to, 30_000, 'thanks')
    expect(withWallet.txid).toMatch(/^[0-9a-f]{64}$/)
    expect(withWallet.uri).toBe(`bitcoin:${to}?amount=0.0003&label=thanks`)
    expect(s.requests.map(r => r.method)).toContain('sendrawtransaction')
    const bare = await payments({}).p.tip(to, 30_000)
    expect(bare).toEqual({ uri: `bitcoin:${to}?amount=0.0003` })
    await expect(payments({}).p.tip(to, 0)).rejects.toMatchObject({ code: BitcoinErrorCode.INVALID_AMOUNT })
  })
})

describe('payment detection through an Electrum server', () => {
  test('reported once at the configured depth, with the right output index and amount', async () => {
    const chain = emptyChain(500)
    const server = await electrum(chain)
    const { p } = payments({ source: electrumSource(server), confirmations: 2 })
    await p.start()
    expect(server.requests[0].method).toBe('server.version')
    const address = p.receiveAddress(3) as string
    const paid: ReceivedPayment[] = []
    p.watch(address, (x) => paid.push(x))
    const txid = addPayment(chain, [{ address: strangerAddress(), sats: 1 }, { address, sats: 66_000 }], 0)
    await p.poll()
    chain.histories.get(electrumScriptHash(address))![0].height = 501
    chain.tip = 501
    await p.poll()
    expect(paid).toEqual([])
    chain.tip = 502
    await p.poll()
    await p.poll()
    expect(paid).toEqual([{ address, txid, vout: 1, sats: 66_000, confirmations: 2 }])
    expect(server.requests.filter(r => r.method === 'blockchain.transaction.get')).toHaveLength(1) // cached after the first
  })

  test('restart with seen does not re-report', async () => {
    const chain = emptyChain(800)
    const server = await electrum(chain)
    const address = payments({}).p.receiveAddress(8) as string
    const old = addPayment(chain, [{ address, sats: 1000 }], 700)
    const { p } = payments({ source: electrumSource(server), confirmations: 1 })
    const paid: string[] = []
    p.watch(address, (x) => paid.push(x.txid), { seen: [`${old}:0`] })
    await p.poll()
    expect(paid).toEqual([])
    const fresh = addPayment(chain, [{ address, sats: 2000 }], 800)
    await p.poll()
    expect(paid).toEqual([fresh])
  })

  test('a server that sends another transaction than asked is caught and logged; nothing is reported', async () => {
    const chain = emptyChain(900)
    const server = await electrum(chain)
    const { p, logs } = payments({ source: electrumSource(server), confirmations: 1 })
    const address = p.receiveAddress(1) as string
    const txid = addPayment(chain, [{ address, sats: 5000 }], 900)
    chain.transactions.set(txid, buildPayment([{ address, sats: 5_000_000 }]).hex)
    const paid: string[] = []
    p.watch(address, (x) => paid.push(x.txid))
    await p.poll()
    expect(paid).toEqual([])
    expect(logs.find(l => l.level === 'warn')?.message).toMatch(/with another one/)
  })

  test('over TLS to a self-signed server when the source says rejectUnauthorized: false', async () => {
    const chain = emptyChain(60)
    const server = await startElectrumxTlsServer(chain)
    closers.push(async () => await server.close())
    const { p, logs } = payments({ source: { kind: 'electrum', host: '127.0.0.1', port: server.port, tls: true, rejectUnauthorized: false }, confirmations: 1 })
    const address = p.receiveAddress(6) as string
    const txid = addPayment(chain, [{ address, sats: 3000 }], 60)
    const paid: string[] = []
    p.watch(address, (x) => paid.push(x.txid))
    await p.start()
    await p.poll()
    expect(paid).toEqual([txid])
    expect(logs.filter(l => l.level === 'warn')).toEqual([])
  })

  test('stop() does not wait for a stuck server to time out', async () => {
    const server = await electrum(emptyChain(1), { delayMs: { 'blockchain.headers.subscribe': 600_000 } })
    const { p, logs } = payments({ source: electrumSource(server), confirmations: 1 }, { electrum: { timeoutMs: 600_000 } })
    p.watch(p.receiveAddress(0) as string, () => {})
    await p.start()
    const polling = p.poll()
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(server.requests.map(r => r.method)).toContain('blockchain.headers.subscribe')
    await p.stop()
    await polling
    expect(logs.filter(l => l.level === 'warn')).toEqual([]) // being stopped is not a problem to report
  }, 20_000)

  test('a server answering lines that are not JSON, or malformed histories, only logs', async () => {
    const garbage = await electrum(emptyChain(1), { garbage: true })
    const g = payments({ source: electrumSource(garbage), confirmations: 1 })
    g.p.watch(g.p.receiveAddress(0) as string, () => {})
    await g.p.start()
    await g.p.poll()
    expect(g.logs.filter(l => l.level === 'warn').length).toBeGreaterThan(0)
    expect(g.logs.every(l => !/unexpected failure/.test(l.message))).toBe(true)

    const chain = emptyChain(10)
    const server = await electrum(chain)
    const { p, logs } = payments({ source: electrumSource(server), confirmations: 1 })
    const address = p.receiveAddress(0) as string
    chain.histories.set(electrumScriptHash(address), [{ tx_hash: 'not hex', height: 'ten' } as unknown as { tx_hash: string, height: number }])
    p.watch(address, () => {})
    await p.poll()
    expect(logs.find(l => l.level === 'warn')?.message).toMatch(/get_history/)
  })
})
