import { createServer } from 'node:net'
import { base64 } from '@scure/base'
import { Transaction } from '@scure/btc-signer'
import { afterEach, describe, expect, test } from 'vitest'
import { BitcoindRpc, type RpcRefusal } from '../../../../src/node/accounting/bitcoin/bitcoind-rpc.js'
import { addressScript } from '../../../../src/node/accounting/bitcoin/bip84.js'
import { BitcoinErrorCode } from '../../../../src/node/accounting/bitcoin/errors.js'
import { startBitcoindServer, type BitcoindServer, type BitcoindServerOptions } from '../../../helpers/bitcoind-rpc-server.js'
import { REGTEST, strangerAddress } from '../../../helpers/bitcoin-chain.js'

/**
 * Bitcoin Core's JSON-RPC client against the fake Core of test/helpers (bitcoind
 * cannot run here; the fake answers as a regtest node does).
 */

const servers: BitcoindServer[] = []
afterEach(async () => { for (const s of servers.splice(0)) await s.close() })

async function start (opts: Partial<BitcoindServerOptions> = {}): Promise<BitcoindServer> {
  const s = await startBitcoindServer({ user: 'rpc', password: 'pw', wallets: { tornet: { privateKeys: true } }, ...opts })
  servers.push(s)
  return s
}
const client = (s: BitcoindServer, extra: Partial<ConstructorParameters<typeof BitcoindRpc>[0]> = {}): BitcoindRpc =>
  new BitcoindRpc({ url: s.url, user: 'rpc', password: 'pw', wallet: 'tornet', timeoutMs: 5000, ...extra })
async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (err) { return (err as { code?: string }).code }
  return undefined
}

describe('BitcoindRpc', () => {
  test('checks the chain: regtest passes, a mainnet node is BITCOIN_WRONG_CHAIN', async () => {
    await client(await start()).checkChain('regtest')
    expect(await codeOf(client(await start({ chain: 'main' })).checkChain('regtest'))).toBe(BitcoinErrorCode.WRONG_CHAIN)
  })

  test('imports addr() descriptors with their checksum into the named wallet, and lists its receives', async () => {
    const s = await start()
    const rpc = client(s)
    const a = strangerAddress()
    await rpc.importAddresses([a], 1_700_000_000)
    expect([...s.imported('tornet')]).toEqual([a])
    expect(s.requests.at(-1)?.wallet).toBe('tornet')
    const txid = s.pay(a, 12_345_678, 1)
    s.mine(2)
    const since = await rpc.listSinceBlock(undefined, 1)
    expect(since.receives).toEqual([{ address: a, txid, vout: 1, sats: 12_345_678, confirmations: 2 }])
    expect(since.malformed).toBe(0)
    // The next call from lastblock lists nothing old: the payment is 2 deep, target 1.
    expect((await rpc.listSinceBlock(since.lastblock, 1)).receives).toEqual([])
  })

  test('a wrong password is BITCOIN_SOURCE_UNAVAILABLE naming the keys to fix', async () => {
    const s = await start()
    const p = client(s, { password: 'nope' }).checkChain('regtest')
    await expect(p).rejects.toMatchObject({ code: BitcoinErrorCode.SOURCE_UNAVAILABLE })
    await expect(p).rejects.toThrow(/bitcoin.source.password/)
  })

  test('credentials in the URL work and never appear in messages', async () => {
    const s = await start({ wallets: { other: { privateKeys: true } } })
    const rpc = new BitcoindRpc({ url: s.url.replace('http://', 'http://rpc:pw@'), wallet: 'tornet' })
    expect(rpc.url).not.toMatch(/pw/)
    const err = await rpc.walletInfo().catch((e: RpcRefusal) => e)
    expect(err).toMatchObject({ code: BitcoinErrorCode.SOURCE_REFUSED, rpcCode: -18 })
    expect((err as Error).message).not.toMatch(/pw/)
  })

  test('a closed port is BITCOIN_SOURCE_UNAVAILABLE', async () => {
    const srv = createServer()
    await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
    const port = (srv.address() as { port: number }).port
    await new Promise<void>(resolve => srv.close(() => resolve()))
    expect(await codeOf(new BitcoindRpc({ url: `http://127.0.0.1:${port}/` }).checkChain('regtest'))).toBe(BitcoinErrorCode.SOURCE_UNAVAILABLE)
  })

  test('malformed answers are BITCOIN_SOURCE_MALFORMED; malformed entries are skipped and counted', async () => {
    expect(await codeOf(client(await start({ garbage: true })).checkChain('regtest'))).toBe(BitcoinErrorCode.SOURCE_MALFORMED)
    expect(await codeOf(client(await start({ override: { listsinceblock: () => ({ transactions: 'none', lastblock: 'x' }) } })).listSinceBlock(undefined, 1))).toBe(BitcoinErrorCode.SOURCE_MALFORMED)
    expect(await codeOf(client(await start({ override: { getblockchaininfo: () => 42 } })).checkChain('regtest'))).toBe(BitcoinErrorCode.SOURCE_MALFORMED)
    const good = { address: strangerAddress(), category: 'receive', amount: 0.001, vout: 0, confirmations: 3, txid: 'ab'.repeat(32) }
    const s = await start({
      override: {
        listsinceblock: () => ({
          transactions: [good, { ...good, txid: 'zz' }, { ...good, amount: -1 }, { ...good, vout: 1.5 }, null, { ...good, category: 'send', amount: -0.5 }],
          lastblock: 'cd'.repeat(32)
        })
      }
    })
    const since = await client(s).listSinceBlock(undefined, 1)
    expect(since.receives).toEqual([{ address: good.address, txid: good.txid, vout: 0, sats: 100_000, confirmations: 3 }])
    expect(since.malformed).toBe(4)
  })

  test('a tip runs walletcreatefundedpsbt → walletprocesspsbt → finalizepsbt → sendrawtransaction with the exact amount', async () => {
    const s = await start()
    const to = strangerAddress()
    const out = await client(s).sendTo(to, 12_345, 'regtest')
    expect(s.requests.map(r => r.method)).toEqual(['walletcreatefundedpsbt', 'walletprocesspsbt', 'finalizepsbt', 'sendrawtransaction'])
    // The amount goes out as the exact decimal text, not a float's rendering.
    expect(s.requests[0].body).toContain(`{"${to}":0.00012345}`)
    expect(s.requests[0].wallet).toBe('tornet')
    expect(s.requests[1].wallet).toBe('tornet')
    expect(s.sent).toHaveLength(1)
    const tx = Transaction.fromRaw(Buffer.from(s.sent[0], 'hex'))
    expect(out).toEqual({ txid: tx.id })
    const paid = Array.from({ length: tx.outputsLength }, (_, i) => tx.getOutput(i))
      .filter(o => Buffer.from(o.script!).equals(Buffer.from(addressScript(to, 'regtest'))))
    expect(paid.map(o => o.amount)).toEqual([12_345n])
    expect(tx.getInput(0).finalScriptWitness?.length).toBe(2) // signed by the wallet
  })

  test('a watch-only wallet returns the funded PSBT unsigned and sends nothing', async () => {
    const s = await start({ wallets: { tornet: { privateKeys: false } } })
    const out = await client(s).sendTo(strangerAddress(), 50_000, 'regtest')
    expect('psbt' in out).toBe(true)
    expect(s.requests.map(r => r.method)).toEqual(['walletcreatefundedpsbt', 'walletprocesspsbt'])
    expect(Transaction.fromPSBT(base64.decode((out as { psbt: string }).psbt)).outputsLength).toBe(2)
  })

  test('a PSBT that does not pay what was asked is BITCOIN_PSBT_MISMATCH and is never signed', async () => {
    const s = await start({ cheat: true })
    expect(await codeOf(client(s).sendTo(strangerAddress(), 50_000, 'regtest'))).toBe(BitcoinErrorCode.PSBT_MISMATCH)
    expect(s.requests.map(r => r.method)).toEqual(['walletcreatefundedpsbt'])
  })

  test('insufficient funds is BITCOIN_SOURCE_REFUSED with Core\'s code', async () => {
    const s = await start()
    await expect(client(s).sendTo(strangerAddress(), 100_000_000, 'regtest')).rejects.toMatchObject({ code: BitcoinErrorCode.SOURCE_REFUSED, rpcCode: -4 })
  })

  test('an address of another network is refused before any call', async () => {
    const s = await start()
    expect(await codeOf(client(s).sendTo('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 1000, 'regtest'))).toBe(BitcoinErrorCode.INVALID_ADDRESS)
    expect(s.requests).toHaveLength(0)
    expect(REGTEST.bech32).toBe('bcrt')
  })
})
