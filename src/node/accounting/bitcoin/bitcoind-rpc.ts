import { base64 } from '@scure/base'
import { Transaction } from '@scure/btc-signer'
import { isTornetError, type TornetError } from '../../errors.js'
import { bitcoinError, BitcoinErrorCode } from './errors.js'
import { addressScript, type BitcoinNetwork } from './bip84.js'
import { formatBtc, MAX_SATS, SATS_PER_BTC } from './bip21.js'
import { withChecksum } from './descriptor-checksum.js'

/**
 * Bitcoin Core's JSON-RPC over HTTP (POST, Basic auth), wallet calls on
 * `/wallet/<name>`:
 *
 *   → {"jsonrpc": "1.0", "id": n, "method": "listsinceblock", "params": ["<hash>", 1, true]}
 *   ← {"result": {...}, "error": null, "id": n}
 *   ← {"result": null, "error": {"code": -18, "message": "Requested wallet does not exist or is not loaded"}, "id": n}
 *
 * JSON-RPC 1.0 because every Core version speaks it; errors then come with HTTP 500
 * (404 for an unknown method) and a JSON body, a bad password with a bare 401.
 *
 * How payments are found, with a watch-only descriptor wallet
 * (`createwallet tornet disable_private_keys=true blank=true`): each watched
 * address is imported as an `addr(<address>)#<checksum>` descriptor with
 * `importdescriptors` (timestamp: the moment it was handed out, so no old
 * blocks are rescanned), and every poll calls
 * `listsinceblock <lastblock> <confirmations> true`: the wallet's receives in
 * blocks after `lastblock` and in the mempool, each with address, vout, amount
 * and confirmations, plus the `lastblock` to pass next time — chosen by Core so
 * that anything not yet `confirmations` deep is listed again. Spent outputs are
 * still listed (unlike listunspent), so a payment the owner sweeps at once is
 * not lost.
 *
 * Amounts go out as exact decimal text (never a float) and come back as JSON
 * numbers with 8 decimals, rounded to whole satoshis.
 */

export interface BitcoindOptions {
  url: string
  user?: string
  password?: string
  wallet?: string
  fetch?: typeof fetch
  /** Per request; default 15 s. */
  timeoutMs?: number
  /** Largest answer read; default 32 MiB (listsinceblock of a busy wallet). */
  maxResponseBytes?: number
}

/** A wallet receive as listsinceblock reports it. */
export interface WalletReceive {
  address: string
  txid: string
  vout: number
  sats: number
  confirmations: number
}

export interface SinceBlock {
  receives: WalletReceive[]
  lastblock: string
  /** Entries that did not have the documented shape and were skipped. */
  malformed: number
}

export type TipOutcome = { txid: string } | { psbt: string }

/** A JSON-RPC error answer; `rpcCode` is Core's (e.g. -6 insufficient funds, -18 wallet not loaded). */
export interface RpcRefusal extends TornetError { rpcCode?: number }

const HEX64 = /^[0-9a-f]{64}$/
/** Marks an amount inside params so it can be written as exact decimal text. */
const AMOUNT_TAG = '\u0000btc-amount:'
/** At most this many wallet entries are looked at per answer. */
const MAX_ENTRIES = 200_000

export class BitcoindRpc {
  readonly url: string // no credentials: it goes into messages
  private readonly walletUrl: string
  private readonly auth: string | undefined
  private readonly fetchFn: typeof fetch
  private readonly timeoutMs: number
  private readonly maxResponseBytes: number
  private nextId = 1

  constructor (opts: BitcoindOptions) {
    let parsed: URL
    try {
      parsed = new URL(opts.url)
    } catch {
      throw bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE, `bitcoin.source.url ${JSON.stringify(opts.url.replace(/\/\/[^/]*@/, '//…@'))} is not a URL (e.g. http://127.0.0.1:8332/).`)
    }
    const user = opts.user ?? (parsed.username !== '' ? decodeURIComponent(parsed.username) : undefined)
    const password = opts.password ?? (parsed.password !== '' ? decodeURIComponent(parsed.password) : undefined)
    parsed.username = ''
    parsed.password = ''
    this.url = parsed.href
    const base = parsed.href.replace(/\/+$/, '')
    this.walletUrl = opts.wallet === undefined ? `${base}/` : `${base}/wallet/${encodeURIComponent(opts.wallet)}`
    this.auth = user !== undefined || password !== undefined ? `Basic ${Buffer.from(`${user ?? ''}:${password ?? ''}`).toString('base64')}` : undefined
    this.fetchFn = opts.fetch ?? fetch
    this.timeoutMs = opts.timeoutMs ?? 15_000
    this.maxResponseBytes = opts.maxResponseBytes ?? 32 << 20
  }

  /** The chain Core follows ("main", "test", "testnet4", "signet", "regtest") and its height. */
  async chainInfo (signal?: AbortSignal): Promise<{ chain: string, blocks: number }> {
    const r = asObject(await this.call('getblockchaininfo', [], false, signal), 'getblockchaininfo', this.url)
    if (typeof r.chain !== 'string' || !Number.isSafeInteger(r.blocks)) throw malformed(this.url, 'getblockchaininfo', 'no "chain" string or "blocks" integer')
    return { chain: r.chain, blocks: r.blocks as number }
  }

  /** Checks that Core follows `network`'s chain; throws BITCOIN_WRONG_CHAIN otherwise. */
  async checkChain (network: BitcoinNetwork, signal?: AbortSignal): Promise<void> {
    const { chain } = await this.chainInfo(signal)
    const ok = network === 'mainnet' ? chain === 'main' : network === 'regtest' ? chain === 'regtest' : chain !== 'main' && chain !== 'regtest'
    if (!ok) throw bitcoinError(BitcoinErrorCode.WRONG_CHAIN, `Bitcoin Core at ${this.url} follows the "${chain}" chain but bitcoin.network is ${network}; point bitcoin.source at a node of that network.`)
  }

  /** The wallet's name and whether it can sign (a watch-only wallet cannot). */
  async walletInfo (signal?: AbortSignal): Promise<{ name: string, privateKeys: boolean }> {
    const r = asObject(await this.call('getwalletinfo', [], true, signal), 'getwalletinfo', this.url)
    if (typeof r.walletname !== 'string') throw malformed(this.url, 'getwalletinfo', 'no "walletname"')
    return { name: r.walletname, privateKeys: r.private_keys_enabled !== false }
  }

  /** Imports each address as a watch-only `addr()` descriptor, rescanning from `timestamp` (unix seconds). */
  async importAddresses (addresses: string[], timestamp: number, signal?: AbortSignal): Promise<void> {
    if (addresses.length === 0) return
    const requests = addresses.map(a => ({ desc: withChecksum(`addr(${a})`), timestamp, label: 'tornet' }))
    const result = await this.call('importdescriptors', [requests], true, signal)
    if (!Array.isArray(result) || result.length !== addresses.length) throw malformed(this.url, 'importdescriptors', 'not one result per descriptor')
    result.forEach((r, i) => {
      const o = r as { success?: unknown, error?: { message?: unknown } } | null
      if (o === null || typeof o !== 'object' || typeof o.success !== 'boolean') throw malformed(this.url, 'importdescriptors', 'a result without "success"')
      if (!o.success) {
        const why = typeof o.error?.message === 'string' ? o.error.message.slice(0, 300) : 'no reason given'
        throw bitcoinError(BitcoinErrorCode.SOURCE_REFUSED, `Bitcoin Core at ${this.url} did not import ${addresses[i]}: ${why}. ` +
          'Use a descriptor wallet (createwallet with descriptors=true, disable_private_keys=true) for bitcoin.source.wallet.')
      }
    })
  }

  /** The wallet's receives since block `cursor` (all of them without a cursor), see the file comment. */
  async listSinceBlock (cursor: string | undefined, confirmations: number, signal?: AbortSignal): Promise<SinceBlock> {
    const params: unknown[] = cursor === undefined ? ['', confirmations, true] : [cursor, confirmations, true]
    const r = asObject(await this.call('listsinceblock', params, true, signal), 'listsinceblock', this.url)
    if (!Array.isArray(r.transactions)) throw malformed(this.url, 'listsinceblock', 'no "transactions" list')
    if (typeof r.lastblock !== 'string' || !HEX64.test(r.lastblock)) throw malformed(this.url, 'listsinceblock', 'no 64-hex-digit "lastblock"')
    if (r.transactions.length > MAX_ENTRIES) throw malformed(this.url, 'listsinceblock', `more than ${MAX_ENTRIES} entries`)
    const receives: WalletReceive[] = []
    let bad = 0
    for (const e of r.transactions as unknown[]) {
      if (typeof e !== 'object' || e === null) { bad++; continue }
      const t = e as Record<string, unknown>
      if (t.category !== 'receive') continue // send, generate, immature, orphan: not a payment to us
      const sats = typeof t.amount === 'number' ? Math.round(t.amount * SATS_PER_BTC) : NaN
      if (typeof t.address !== 'string' || typeof t.txid !== 'string' || !HEX64.test(t.txid) ||
          !Number.isSafeInteger(t.vout) || (t.vout as number) < 0 || !Number.isSafeInteger(t.confirmations) ||
          !(sats > 0 && sats <= MAX_SATS)) { bad++; continue }
      receives.push({ address: t.address, txid: t.txid, vout: t.vout as number, sats, confirmations: t.confirmations as number })
    }
    return { receives, lastblock: r.lastblock, malformed: bad }
  }

  /**
   * Pays `sats` to `address` from the wallet: walletcreatefundedpsbt (the wallet picks
   * inputs, change and fee), a check that the PSBT pays exactly that, walletprocesspsbt
   * (the wallet signs), finalizepsbt, sendrawtransaction. A wallet that cannot sign
   * (watch-only) leaves the PSBT incomplete: it is returned for another wallet to sign.
   */
  async sendTo (address: string, sats: number, network: BitcoinNetwork, signal?: AbortSignal): Promise<TipOutcome> {
    const script = addressScript(address, network)
    const funded = asObject(await this.call('walletcreatefundedpsbt', [[], [{ [address]: btcAmount(sats) }], 0, { replaceable: true }], true, signal), 'walletcreatefundedpsbt', this.url)
    if (typeof funded.psbt !== 'string') throw malformed(this.url, 'walletcreatefundedpsbt', 'no "psbt"')
    checkPays(funded.psbt, script, sats, address, this.url)
    const processed = asObject(await this.call('walletprocesspsbt', [funded.psbt, true, 'ALL'], true, signal), 'walletprocesspsbt', this.url)
    if (typeof processed.psbt !== 'string' || typeof processed.complete !== 'boolean') throw malformed(this.url, 'walletprocesspsbt', 'no "psbt" and "complete"')
    if (!processed.complete) return { psbt: processed.psbt }
    checkPays(processed.psbt, script, sats, address, this.url)
    const final = asObject(await this.call('finalizepsbt', [processed.psbt, true], true, signal), 'finalizepsbt', this.url)
    if (final.complete !== true || typeof final.hex !== 'string' || !/^([0-9a-f]{2})+$/.test(final.hex)) throw malformed(this.url, 'finalizepsbt', 'not complete, or no transaction "hex"')
    let txid: string
    try {
      txid = Transaction.fromRaw(Buffer.from(final.hex, 'hex'), { allowUnknownOutputs: true }).id
    } catch (err) {
      throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Bitcoin Core at ${this.url} finalized a transaction that does not decode (${(err as Error).message}).`, err)
    }
    const sent = await this.call('sendrawtransaction', [final.hex], false, signal)
    if (sent !== txid) throw malformed(this.url, 'sendrawtransaction', `txid ${String(sent).slice(0, 80)} is not the id of the transaction sent (${txid})`)
    return { txid }
  }

  /** One JSON-RPC call; `wallet` sends it to the wallet endpoint. Throws typed errors only. */
  async call (method: string, params: unknown[], wallet: boolean, signal?: AbortSignal): Promise<unknown> {
    signal?.throwIfAborted()
    const id = this.nextId++
    // Amounts were tagged as strings; write them back as bare decimal numbers, exactly.
    const body = JSON.stringify({ jsonrpc: '1.0', id, method, params })
      .replace(/"\\u0000btc-amount:(\d+(?:\.\d+)?)"/g, '$1')
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (this.auth !== undefined) headers.authorization = this.auth
    const url = wallet ? this.walletUrl : this.url
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    let status: number
    let text: string
    try {
      const res = await this.fetchFn(url, { method: 'POST', headers, body, signal: combined })
      status = res.status
      text = await readLimited(res, this.maxResponseBytes, this.url)
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason
      if (isTornetError(err)) throw err
      if (timeout.aborted) throw bitcoinError(BitcoinErrorCode.SOURCE_TIMEOUT, `Bitcoin Core at ${this.url} did not answer ${method} within ${this.timeoutMs} ms; is it still syncing or overloaded?`, err)
      throw bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE, `Cannot reach Bitcoin Core at ${this.url} (${describe(err)}). Check that bitcoind runs with server=1 and that bitcoin.source.url matches its rpcport.`, err)
    }
    if (status === 401 || status === 403) {
      throw bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE, `Bitcoin Core at ${this.url} refused the credentials (HTTP ${status}); check bitcoin.source.user and bitcoin.source.password (rpcauth in bitcoin.conf).`)
    }
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch {
      throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `The server at ${this.url} answered ${method} with HTTP ${status} and a body that is not JSON: is bitcoin.source.url really Bitcoin Core's RPC port?`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed(this.url, method, 'not a JSON-RPC object')
    const o = parsed as Record<string, unknown>
    if (o.id !== id) throw malformed(this.url, method, `the answer is for request ${JSON.stringify(o.id)}, not ${id}`)
    if (o.error !== null && o.error !== undefined) {
      const e = o.error as Record<string, unknown>
      const code = typeof e.code === 'number' ? e.code : undefined
      const message = typeof e.message === 'string' ? e.message.slice(0, 300) : JSON.stringify(o.error).slice(0, 300)
      const err: RpcRefusal = bitcoinError(BitcoinErrorCode.SOURCE_REFUSED, `Bitcoin Core at ${this.url} refused ${method}: ${message} (code ${code ?? '?'}).${hint(code)}`)
      err.rpcCode = code
      throw err
    }
    if (status !== 200) throw malformed(this.url, method, `HTTP ${status} without an error object`)
    if (!('result' in o)) throw malformed(this.url, method, 'no "result"')
    return o.result
  }
}

/** An amount for a params list, written out as exact BTC decimal text by `call`. */
function btcAmount (sats: number): string {
  if (!Number.isSafeInteger(sats) || sats <= 0) throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, `A payment must be a positive whole number of satoshis (got ${String(sats)}).`)
  return AMOUNT_TAG + formatBtc(sats)
}

/** The wallet chose inputs, change and fee; it must still pay exactly `sats` to `script`, or nothing is signed. */
function checkPays (psbtBase64: string, script: Uint8Array, sats: number, address: string, url: string): void {
  let tx: Transaction
  try {
    tx = Transaction.fromPSBT(base64.decode(psbtBase64), { allowUnknownOutputs: true, allowUnknownInputs: true })
  } catch (err) {
    throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Bitcoin Core at ${url} returned a PSBT that does not decode (${(err as Error).message}).`, err)
  }
  const want = Buffer.from(script)
  for (let i = 0; i < tx.outputsLength; i++) {
    const out = tx.getOutput(i)
    if (out.script !== undefined && want.equals(out.script) && out.amount === BigInt(sats)) return
  }
  throw bitcoinError(BitcoinErrorCode.PSBT_MISMATCH, `The PSBT from Bitcoin Core at ${url} does not pay ${sats} sat to ${address}; it was not signed or sent.`)
}

async function readLimited (res: Response, max: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > max) {
    await res.body?.cancel()
    throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Bitcoin Core at ${url} sent an answer of ${declared} bytes, more than the ${max} read.`)
  }
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel()
      throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Bitcoin Core at ${url} sent an answer longer than ${max} bytes.`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function asObject (v: unknown, method: string, url: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(url, method, 'the result is not an object')
  return v as Record<string, unknown>
}

function malformed (url: string, method: string, why: string): TornetError {
  return bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Bitcoin Core at ${url} gave an unexpected ${method} answer: ${why}. Is it Bitcoin Core 0.21 or later, with a descriptor wallet?`)
}

function hint (code: number | undefined): string {
  switch (code) {
    case -18: return ' Create or load the wallet named in bitcoin.source.wallet (bitcoin-cli createwallet NAME disable_private_keys=true blank=true).'
    case -19: return ' Several wallets are loaded: name one in bitcoin.source.wallet.'
    case -28: return ' Bitcoin Core is still starting; Tornet tries again at the next poll.'
    case -6: return ' The wallet has too little to pay this.'
    case -4: return ' The wallet could not do it (too little money in it?); the payment URI works with any other wallet.'
    default: return ''
  }
}

function describe (err: unknown): string {
  for (let e = err as { code?: unknown, cause?: unknown, message?: unknown } | undefined, depth = 0; e != null && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && !e.code.startsWith('UND_')) return e.code === 'ECONNREFUSED' ? 'connection refused' : e.code
  }
  return (err as Error)?.message ?? String(err)
}
