import { afterEach, describe, expect, test } from 'vitest'
import { ElectrumClient, scriptHash } from '../../../../src/node/accounting/bitcoin/electrum.js'
import { addressScript } from '../../../../src/node/accounting/bitcoin/bip84.js'
import { BitcoinErrorCode } from '../../../../src/node/accounting/bitcoin/errors.js'
import { emptyChain, startElectrumxServer, type ElectrumxTestServer } from '../../../helpers/electrumx-server.js'
import { startElectrumxTlsServer } from '../../../helpers/electrumx-tls.js'
import { addPayment, electrumScriptHash, strangerAddress } from '../../../helpers/bitcoin-chain.js'

/**
 * The Electrum client against the ElectrumX-protocol test server (real TCP and
 * TLS, newline-delimited JSON-RPC), which stands in for a public server.
 */

const closers: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of closers.splice(0).reverse()) await c() })

async function serve (...args: Parameters<typeof startElectrumxServer>): Promise<ElectrumxTestServer> {
  const s = await startElectrumxServer(...args)
  closers.push(async () => await s.close())
  return s
}
async function connect (port: number, opts: Parameters<typeof ElectrumClient.connect>[1] = {}, tls = false): Promise<ElectrumClient> {
  const c = await ElectrumClient.connect({ host: '127.0.0.1', port, tls }, { timeoutMs: 3000, ...opts })
  closers.push(() => c.close())
  return c
}
async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (err) { return (err as { code?: string }).code }
  return undefined
}

describe('ElectrumClient', () => {
  test('script hash is sha256 of the output script, reversed (Electrum protocol docs)', () => {
    const a = strangerAddress()
    expect(scriptHash(addressScript(a, 'regtest'))).toBe(electrumScriptHash(a))
    // The protocol docs' example: P2PKH 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.
    expect(scriptHash(addressScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'mainnet'))).toBe('8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161')
  })

  test('negotiates the version first, then reads height, history and transactions, answers split across writes', async () => {
    const chain = emptyChain(321)
    const address = strangerAddress()
    const txid = addPayment(chain, [{ address, sats: 1234 }], 300)
    const s = await serve(chain, { splitWrites: true })
    const c = await connect(s.port)
    expect(s.requests[0]).toEqual({ method: 'server.version', params: ['tornet', '1.4'] })
    expect(await c.height()).toBe(321)
    expect(await c.history(electrumScriptHash(address))).toEqual([{ txid, height: 300 }])
    expect(await c.transaction(txid)).toBe(chain.transactions.get(txid))
    // Requests overlap on one connection; answers are matched by id.
    const [h, t] = await Promise.all([c.height(), c.transaction(txid)])
    expect([h, t.length > 0]).toEqual([321, true])
  })

  test('a line that is not JSON ends the connection with BITCOIN_SOURCE_MALFORMED', async () => {
    const s = await serve(emptyChain(1), { garbage: true })
    expect(await codeOf(connect(s.port))).toBe(BitcoinErrorCode.SOURCE_MALFORMED)
  })

  test('a line longer than the bound ends the connection (memory stays bounded)', async () => {
    const chain = emptyChain(5)
    const address = strangerAddress()
    const txid = addPayment(chain, [{ address, sats: 1 }], 5)
    chain.transactions.set(txid, 'ab'.repeat(10_000))
    const c = await connect((await serve(chain)).port, { maxLineBytes: 4096 })
    expect(await codeOf(c.transaction(txid))).toBe(BitcoinErrorCode.SOURCE_MALFORMED)
    expect(c.closed).toBe(true)
  })

  test('a server that never answers is BITCOIN_SOURCE_TIMEOUT', async () => {
    const s = await serve(emptyChain(1), { hang: true })
    expect(await codeOf(connect(s.port, { timeoutMs: 200 }))).toBe(BitcoinErrorCode.SOURCE_TIMEOUT)
  })

  test('an error answer is BITCOIN_SOURCE_REFUSED; malformed results are BITCOIN_SOURCE_MALFORMED', async () => {
    const chain = emptyChain(7)
    chain.histories.set('00'.repeat(32), [{ tx_hash: 'xyz', height: 1 }])
    const c = await connect((await serve(chain)).port)
    expect(await codeOf(c.transaction('11'.repeat(32)))).toBe(BitcoinErrorCode.SOURCE_REFUSED)
    expect(await codeOf(c.history('00'.repeat(32)))).toBe(BitcoinErrorCode.SOURCE_MALFORMED)
    expect(await codeOf(c.request('no.such.method', []))).toBe(BitcoinErrorCode.SOURCE_REFUSED)
  })

  test('TLS: a self-signed server is refused by default and accepted when told to', async () => {
    const s = await startElectrumxTlsServer(emptyChain(42))
    closers.push(async () => await s.close())
    expect(await codeOf(connect(s.port, {}, true))).toBe(BitcoinErrorCode.SOURCE_UNAVAILABLE)
    const c = await connect(s.port, { rejectUnauthorized: false }, true)
    expect(await c.height()).toBe(42)
  })
})
