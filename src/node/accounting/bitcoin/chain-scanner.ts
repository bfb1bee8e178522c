import { Transaction } from '@scure/btc-signer'
import { bitcoinError, BitcoinErrorCode } from './errors.js'
import type { BitcoinNetwork } from './bip84.js'
import { BitcoindRpc, type TipOutcome } from './bitcoind-rpc.js'
import { ElectrumClient, scriptHash, type ElectrumEndpoint, type ElectrumOptions } from './electrum.js'
import type { ChainSource } from './payments-api.js'

/**
 * The two ways of finding payments, behind one interface so the watcher in
 * payments.ts does not care which it has. Both report every output paying a
 * watched address that has at least `minConf` confirmations, every time they
 * are asked (the watcher keeps what was reported).
 */

export interface FoundOutput { address: string, txid: string, vout: number, sats: number, confirmations: number }

export interface ChainScanner {
  readonly label: string
  /** Checks the source is reachable and on the right chain. */
  start: () => Promise<void>
  /** New addresses to look for (Bitcoin Core imports them into its wallet). */
  add: (addresses: string[]) => Promise<void>
  /** Outputs paying `addresses` (address → its output script) with at least `minConf` confirmations. */
  scan: (addresses: ReadonlyMap<string, Uint8Array>, minConf: number) => Promise<{ outputs: FoundOutput[], malformed: number }>
  /** Pays through the source's wallet, when it has one. */
  send?: (address: string, sats: number) => Promise<TipOutcome>
  close: () => void
}

export interface ScannerOptions {
  network: BitcoinNetwork
  fetch?: typeof fetch
  now: () => number
  log: (level: 'debug' | 'info' | 'warn', message: string) => void
  electrum?: ElectrumOptions
}

export function createChainScanner (source: ChainSource, opts: ScannerOptions): ChainScanner {
  return source.kind === 'bitcoind' ? bitcoindScanner(source, opts) : electrumScanner(source, opts)
}

function bitcoindScanner (source: Extract<ChainSource, { kind: 'bitcoind' }>, opts: ScannerOptions): ChainScanner {
  const rpc = new BitcoindRpc({ ...source, fetch: opts.fetch })
  // listsinceblock's lastblock from the previous scan; undefined: list the whole wallet.
  let cursor: string | undefined
  return {
    label: `Bitcoin Core at ${rpc.url}`,
    async start () {
      await rpc.checkChain(opts.network)
      const info = await rpc.walletInfo()
      opts.log('info', `bitcoin: watching payments through Bitcoin Core wallet "${info.name}" at ${rpc.url}` +
        (info.privateKeys ? '' : ' (watch-only: tips come back as PSBTs to sign elsewhere)'))
    },
    async add (addresses) {
      // Fresh addresses have no history: rescanning from now is enough.
      await rpc.importAddresses(addresses, Math.floor(opts.now() / 1000))
      // A re-watched address may have payments older than the cursor: list the whole wallet once.
      cursor = undefined
    },
    async scan (addresses, minConf) {
      const since = await rpc.listSinceBlock(cursor, Math.max(1, minConf))
      const outputs = since.receives.filter(r => addresses.has(r.address) && r.confirmations >= minConf)
      cursor = since.lastblock
      return { outputs, malformed: since.malformed }
    },
    send: source.wallet === undefined ? undefined : async (address, sats) => await rpc.sendTo(address, sats, opts.network),
    close () {}
  }
}

/** Decoded outputs of transactions already fetched, so a poll does not fetch them again. */
const MAX_CACHED_TXS = 4096

function electrumScanner (source: Extract<ChainSource, { kind: 'electrum' }>, opts: ScannerOptions): ChainScanner {
  const endpoint: ElectrumEndpoint = { host: source.host, port: source.port, tls: source.tls }
  let client: ElectrumClient | undefined
  let connecting: Promise<ElectrumClient> | undefined
  const txOutputs = new Map<string, Array<{ script: Buffer, sats: number }>>()

  const connection = async (): Promise<ElectrumClient> => {
    if (client !== undefined && !client.closed) return client
    connecting ??= ElectrumClient.connect(endpoint, { rejectUnauthorized: source.rejectUnauthorized, ...opts.electrum }).finally(() => { connecting = undefined })
    client = await connecting
    return client
  }

  const outputsOf = async (c: ElectrumClient, txid: string): Promise<Array<{ script: Buffer, sats: number }>> => {
    const cached = txOutputs.get(txid)
    if (cached !== undefined) return cached
    const hex = await c.transaction(txid)
    let tx: Transaction
    try {
      tx = Transaction.fromRaw(Buffer.from(hex, 'hex'), { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true })
    } catch (err) {
      throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Electrum server ${c.label} sent transaction ${txid} that does not decode (${(err as Error).message}); use another server.`, err)
    }
    // The server chooses what it sends: only a transaction that hashes to the asked id counts.
    if (tx.id !== txid) throw bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Electrum server ${c.label} answered transaction ${txid} with another one (${tx.id}); use another server.`)
    const outs: Array<{ script: Buffer, sats: number }> = []
    for (let i = 0; i < tx.outputsLength; i++) {
      const o = tx.getOutput(i)
      outs.push({ script: Buffer.from(o.script ?? new Uint8Array()), sats: Number(o.amount ?? 0n) })
    }
    if (txOutputs.size >= MAX_CACHED_TXS) txOutputs.delete(txOutputs.keys().next().value as string)
    txOutputs.set(txid, outs)
    return outs
  }

  return {
    label: `Electrum server ${source.host}:${source.port}`,
    async start () { await connection() },
    async add () {},
    async scan (addresses, minConf) {
      const c = await connection()
      const tip = await c.height()
      const outputs: FoundOutput[] = []
      const entries = [...addresses]
      // A few requests in flight at once: one connection, answers matched by id.
      for (let i = 0; i < entries.length; i += 16) {
        await Promise.all(entries.slice(i, i + 16).map(async ([address, script]) => {
          const want = Buffer.from(script)
          for (const h of await c.history(scriptHash(script))) {
            const confirmations = h.height > 0 ? tip - h.height + 1 : 0
            if (confirmations < minConf || h.height > tip) continue
            const outs = await outputsOf(c, h.txid)
            outs.forEach((o, vout) => {
              if (o.script.equals(want)) outputs.push({ address, txid: h.txid, vout, sats: o.sats, confirmations })
            })
          }
        }))
      }
      return { outputs, malformed: 0 }
    },
    close () { client?.close(); client = undefined }
  }
}
