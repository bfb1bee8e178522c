import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { base64 } from '@scure/base'
import { Transaction, p2wpkh } from '@scure/btc-signer'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { descriptorChecksum } from '../../src/node/accounting/bitcoin/descriptor-checksum.js'

/**
 * A stand-in for Bitcoin Core (bitcoind cannot run here): a real HTTP server on
 * 127.0.0.1 speaking Core's JSON-RPC the way Core does, with answers shaped like
 * those recorded from a regtest node (same fields, amounts written with 8
 * decimals), over a small chain model the test drives (`pay`, `mine`).
 *
 * - POST only; Basic auth (a bad or missing header gets a bare 401, as Core);
 * - JSON-RPC 1.0: errors as HTTP 500 (404 for an unknown method) with
 *   {"result": null, "error": {code, message}, "id"};
 * - wallet methods on /wallet/<name>; on "/" only when exactly one wallet is
 *   loaded (else -19), an unknown wallet is -18;
 * - getblockchaininfo, getwalletinfo, importdescriptors (checks the BIP380
 *   checksum, as Core does), listsinceblock (receives of imported addresses,
 *   lastblock = the block `target_confirmations - 1` below the tip), and the tip
 *   path walletcreatefundedpsbt → walletprocesspsbt → finalizepsbt →
 *   sendrawtransaction with real PSBTs and a real signature (a fixed regtest key
 *   holding one 1 BTC output).
 *
 * Failure modes: `override` replaces a method's result (malformed answers),
 * `garbage` answers a body that is not JSON, `cheat` makes the funded PSBT pay
 * 1 sat less than asked.
 */

const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef }
// A fixed regtest wallet key: private key 1…1 (test only).
const WALLET_KEY = new Uint8Array(32).fill(1)
const WALLET_PUB = secp256k1.getPublicKey(WALLET_KEY, true)
const WALLET_OUT = p2wpkh(WALLET_PUB, REGTEST)
const FUNDING = { txid: 'a3c1f2b0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2', vout: 0, sats: 100_000_000n }
const FEE_SATS = 1410n

export interface WalletTx { txid: string, vout: number, address: string, sats: number, height?: number, time: number }

export interface BitcoindServerOptions {
  user: string
  password: string
  /** Wallets loaded, by name; `privateKeys: false` is a watch-only wallet (cannot sign). */
  wallets: Record<string, { privateKeys: boolean }>
  chain?: 'regtest' | 'main' | 'test'
  override?: Record<string, (params: unknown[]) => unknown>
  garbage?: boolean
  cheat?: boolean
}

export interface BitcoindServer {
  url: string
  /** Authenticated calls, in order, with the wallet they went to and the raw request body. */
  requests: Array<{ method: string, params: unknown[], wallet?: string, body: string }>
  imported: (wallet: string) => Set<string>
  /** A payment to `address` enters the mempool; returns its txid. */
  pay: (address: string, sats: number, vout?: number) => string
  /** Mines `n` blocks; mempool payments confirm in the first. */
  mine: (n: number) => void
  readonly height: number
  /** Raw transactions sent through sendrawtransaction. */
  sent: string[]
  close: () => Promise<void>
}

const blockHash = (h: number): string => createHash('sha256').update(`regtest block ${h}`).digest('hex')

export async function startBitcoindServer (opts: BitcoindServerOptions): Promise<BitcoindServer> {
  const requests: BitcoindServer['requests'] = []
  const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`
  const wallets = new Map(Object.entries(opts.wallets).map(([name, w]) => [name, { ...w, imported: new Set<string>() }]))
  const txs: WalletTx[] = []
  const sent: string[] = []
  let height = 101 // regtest after the 101 blocks that mature the first coinbase
  const baseTime = 1_700_000_000

  type Reply = { result: unknown } | { error: { code: number, message: string }, status: number }
  const err = (code: number, message: string, status = 500): Reply => ({ error: { code, message }, status })

  const entry = (t: WalletTx, label: string): Record<string, unknown> => {
    const confirmations = t.height === undefined ? 0 : height - t.height + 1
    const base: Record<string, unknown> = {
      address: t.address,
      parent_descs: [`addr(${t.address})#${descriptorChecksum(`addr(${t.address})`) ?? ''}`],
      category: 'receive',
      amount: `\u0000amount:${t.sats}`,
      label,
      vout: t.vout,
      confirmations
    }
    if (t.height !== undefined) {
      Object.assign(base, { blockhash: blockHash(t.height), blockheight: t.height, blockindex: 1, blocktime: baseTime + t.height * 600 })
    } else {
      base.trusted = false
    }
    return { ...base, txid: t.txid, wtxid: t.txid, walletconflicts: [], time: t.time, timereceived: t.time, 'bip125-replaceable': 'no' }
  }

  const walletCall = (method: string, params: unknown[], name: string): Reply => {
    const w = wallets.get(name)
    if (w === undefined) return err(-18, 'Requested wallet does not exist or is not loaded')
    switch (method) {
      case 'getwalletinfo':
        return { result: { walletname: name, walletversion: 169900, format: 'sqlite', txcount: txs.filter(t => w.imported.has(t.address)).length, keypoolsize: 0, keypoolsize_hd_internal: 0, paytxfee: 0, private_keys_enabled: w.privateKeys, avoid_reuse: false, scanning: false, descriptors: true, external_signer: false, blank: !w.privateKeys, lastprocessedblock: { hash: blockHash(height), height } } }
      case 'importdescriptors': {
        const reqs = params[0]
        if (!Array.isArray(reqs)) return err(-3, 'Expected type array, got ' + typeof reqs)
        return {
          result: reqs.map((r: { desc?: unknown, timestamp?: unknown }) => {
            const m = typeof r.desc === 'string' ? /^addr\(([a-z0-9]+)\)#([a-z0-9]{8})$/.exec(r.desc) : null
            if (m === null) return { success: false, error: { code: -5, message: 'Missing checksum' } }
            const sum = descriptorChecksum(`addr(${m[1]})`)
            if (sum !== m[2]) return { success: false, error: { code: -5, message: `Provided checksum '${m[2]}' does not match computed checksum '${sum ?? ''}'` } }
            if (r.timestamp !== 'now' && !Number.isSafeInteger(r.timestamp)) return { success: false, error: { code: -3, message: 'Missing required timestamp field for key' } }
            w.imported.add(m[1])
            return { success: true }
          })
        }
      }
      case 'listsinceblock': {
        const [hash = '', target = 1] = params as [string?, number?]
        let from = -1
        if (hash !== '') {
          from = -2
          for (let h = 0; h <= height; h++) if (blockHash(h) === hash) from = h
          if (from === -2) return err(-5, 'Block not found')
        }
        if (!Number.isSafeInteger(target) || target < 1) return err(-8, 'Invalid parameter')
        const listed = txs.filter(t => w.imported.has(t.address) && (t.height === undefined || t.height > from))
        return { result: { transactions: listed.map(t => entry(t, 'tornet')), removed: [], lastblock: blockHash(height + 1 - target) } }
      }
      case 'walletcreatefundedpsbt': {
        const outputs = params[1] as Array<Record<string, number>>
        const [address, btc] = Object.entries(outputs[0])[0]
        const sats = BigInt(Math.round(btc * 1e8)) - (opts.cheat === true ? 1n : 0n)
        if (sats + FEE_SATS > FUNDING.sats) return err(-4, 'Insufficient funds')
        const tx = new Transaction({ allowUnknownOutputs: true })
        tx.addInput({ txid: FUNDING.txid, index: FUNDING.vout, witnessUtxo: { script: WALLET_OUT.script, amount: FUNDING.sats } })
        tx.addOutputAddress(address, sats, REGTEST)
        tx.addOutputAddress(WALLET_OUT.address as string, FUNDING.sats - sats - FEE_SATS, REGTEST)
        return { result: { psbt: base64.encode(tx.toPSBT()), fee: `\u0000amount:${FEE_SATS}`, changepos: 1 } }
      }
      case 'walletprocesspsbt': {
        const tx = Transaction.fromPSBT(base64.decode(String(params[0])))
        if (!w.privateKeys) return { result: { psbt: params[0], complete: false } }
        tx.sign(WALLET_KEY)
        return { result: { psbt: base64.encode(tx.toPSBT()), complete: true } }
      }
      default: return err(-32601, 'Method not found', 404)
    }
  }

  const call = (method: string, params: unknown[], wallet: string | undefined): Reply => {
    const override = opts.override?.[method]
    if (override !== undefined) return { result: override(params) }
    switch (method) {
      case 'getblockchaininfo':
        return { result: { chain: opts.chain ?? 'regtest', blocks: height, headers: height, bestblockhash: blockHash(height), difficulty: 4.656542373906925e-10, time: baseTime + height * 600, mediantime: baseTime + height * 600 - 300, verificationprogress: 1, initialblockdownload: false, chainwork: (height * 2 + 2).toString(16).padStart(64, '0'), size_on_disk: 30_000 + height * 300, pruned: false, warnings: '' } }
      case 'finalizepsbt': {
        const tx = Transaction.fromPSBT(base64.decode(String(params[0])))
        tx.finalize()
        return { result: { hex: tx.hex, complete: true } }
      }
      case 'sendrawtransaction': {
        const tx = Transaction.fromRaw(Buffer.from(String(params[0]), 'hex'))
        sent.push(String(params[0]))
        return { result: tx.id }
      }
      case 'getwalletinfo': case 'importdescriptors': case 'listsinceblock': case 'walletcreatefundedpsbt': case 'walletprocesspsbt': {
        if (wallet === undefined) {
          if (wallets.size !== 1) return err(-19, 'Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path).')
          wallet = [...wallets.keys()][0]
        }
        return walletCall(method, params, wallet)
      }
      default: return err(-32601, 'Method not found', 404)
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST') { res.writeHead(405).end(); return }
      if (req.headers.authorization !== expected) { res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' }).end(); return }
      if (opts.garbage === true) { res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not json</html>'); return }
      const body = Buffer.concat(chunks).toString('utf8')
      let msg: { id?: unknown, method?: unknown, params?: unknown }
      try { msg = JSON.parse(body) } catch {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ result: null, error: { code: -32700, message: 'Parse error' }, id: null }) + '\n')
        return
      }
      const m = /^\/wallet\/([^/]+)$/.exec(req.url ?? '/')
      const wallet = m === null ? undefined : decodeURIComponent(m[1])
      const method = String(msg.method)
      const params = Array.isArray(msg.params) ? msg.params : []
      requests.push({ method, params, wallet, body })
      let reply: Reply
      try { reply = call(method, params, wallet) } catch (e) { reply = err(-22, `TX decode failed: ${(e as Error).message}`) }
      const out = 'error' in reply ? { result: null, error: reply.error, id: msg.id } : { result: reply.result, error: null, id: msg.id }
      // Core writes amounts as numbers with exactly 8 decimals.
      const text = JSON.stringify(out).replace(/"\\u0000amount:(\d+)"/g, (_, s: string) => (Number(s) / 1e8).toFixed(8)) + '\n'
      res.writeHead('error' in reply ? reply.status : 200, { 'content-type': 'application/json' }).end(text)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    sent,
    imported: (name) => wallets.get(name)?.imported ?? new Set(),
    pay (address, sats, vout = 0) {
      const txid = randomBytes(32).toString('hex')
      txs.push({ txid, vout, address, sats, time: baseTime + height * 600 })
      return txid
    },
    mine (n) {
      for (const t of txs) if (t.height === undefined) t.height = height + 1
      height += n
    },
    get height () { return height },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
