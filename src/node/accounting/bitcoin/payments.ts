import { isTornetError } from '../../errors.js'
import { bitcoinError, BitcoinErrorCode } from './errors.js'
import { addressScript, parseAccountKey, receiveAddress as deriveAddress, type AccountKey } from './bip84.js'
import { buildPaymentUri, formatBtc } from './bip21.js'
import { createChainScanner, type ChainScanner, type FoundOutput } from './chain-scanner.js'
import type { ElectrumOptions } from './electrum.js'
import type { BitcoinConfig, BitcoinPayments, ReceivedPayment, TipResult, WatchOptions } from './payments-api.js'

/**
 * Bitcoin payments over an account xpub and a chain source (see payments-api.ts
 * for the contract). One poll loop serves every watched address: each poll asks
 * the source once for outputs with enough confirmations and reports the new
 * ones. A poll never overlaps the previous one; a failing source is logged
 * (once per distinct problem, with what to do) and asked again at the next poll.
 */

export type PaymentsLog = (level: 'debug' | 'info' | 'warn', message: string) => void

export interface BitcoinPaymentsOptions {
  log?: PaymentsLog
  /** For Bitcoin Core's JSON-RPC (tests pass their own). */
  fetch?: typeof fetch
  /** Wall clock, ms (import timestamps). */
  now?: () => number
  /** Most addresses watched at once (default 10,000); one more is refused with BITCOIN_WATCH_LIMIT. */
  maxWatched?: number
  /** Electrum connection options (timeouts, certificate checking). */
  electrum?: ElectrumOptions
}

export interface BitcoinPaymentsService extends BitcoinPayments {
  poll: () => Promise<void>
  /** Addresses watched now. */
  readonly watching: number
}

export const DEFAULT_MAX_WATCHED = 10_000
/** Outputs remembered per watcher: paying one address 10,000 times costs the payer far more than it costs us. */
const MAX_SEEN_PER_WATCHER = 10_000
const ADDRESS_CACHE = 4096

interface Watcher {
  onPaid: (p: ReceivedPayment) => void
  seen: Set<string>
  isSeen?: (outpoint: string) => boolean
}

export function createBitcoinPayments (config: BitcoinConfig, opts: BitcoinPaymentsOptions = {}): BitcoinPaymentsService {
  const log: PaymentsLog = opts.log ?? (() => {})
  const now = opts.now ?? Date.now
  const maxWatched = opts.maxWatched ?? DEFAULT_MAX_WATCHED
  const account: AccountKey | undefined = config.xpub === undefined ? undefined : parseAccountKey(config.xpub, config.network)
  const scanner: ChainScanner | undefined = config.source === undefined
    ? undefined
    : createChainScanner(config.source, { network: config.network, fetch: opts.fetch, now, log, electrum: opts.electrum })

  const addresses = new Map<number, string>()
  const watched = new Map<string, { script: Uint8Array, watchers: Set<Watcher> }>()
  const toImport = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = true
  let stopping = false
  let lastProblem: string | undefined

  const receiveAddress = (index: number): string | undefined => {
    if (account === undefined) return undefined
    let a = addresses.get(index)
    if (a === undefined) {
      a = deriveAddress(account, index)
      if (addresses.size >= ADDRESS_CACHE) addresses.delete(addresses.keys().next().value as number)
      addresses.set(index, a)
    }
    return a
  }

  const problem = (err: unknown): void => {
    if (stopping) return // a poll cut short by stop() is no problem to report
    const message = isTornetError(err) ? err.message : `unexpected failure: ${(err as Error)?.stack ?? String(err)}`
    if (message !== lastProblem) log('warn', `bitcoin: payments are not being checked: ${message}`)
    lastProblem = message
  }

  const deliver = (found: FoundOutput): void => {
    const entry = watched.get(found.address)
    if (entry === undefined) return
    const outpoint = `${found.txid}:${found.vout}`
    for (const w of [...entry.watchers]) {
      if (w.seen.has(outpoint) || w.isSeen?.(outpoint) === true) continue
      if (w.seen.size >= MAX_SEEN_PER_WATCHER) {
        log('warn', `bitcoin: ${found.address} has received more than ${MAX_SEEN_PER_WATCHER} payments; later ones are not reported. Hand this peer a new address.`)
        continue
      }
      w.seen.add(outpoint)
      try {
        w.onPaid({ address: found.address, txid: found.txid, vout: found.vout, sats: found.sats, confirmations: found.confirmations })
      } catch (err) {
        log('warn', `bitcoin: the handler for a payment to ${found.address} (${outpoint}) failed: ${(err as Error)?.message ?? String(err)}`)
      }
    }
  }

  const pollOnce = async (): Promise<void> => {
    if (scanner === undefined || watched.size === 0) return
    try {
      if (toImport.size > 0) {
        const batch = [...toImport]
        await scanner.add(batch)
        for (const a of batch) toImport.delete(a)
      }
      const scripts = new Map<string, Uint8Array>()
      for (const [a, e] of watched) scripts.set(a, e.script)
      const { outputs, malformed } = await scanner.scan(scripts, config.confirmations)
      if (malformed > 0) log('warn', `bitcoin: ${scanner.label} listed ${malformed} wallet entries without the documented fields; they were skipped. Is it a current Bitcoin Core?`)
      for (const o of outputs) deliver(o)
      if (lastProblem !== undefined) log('info', `bitcoin: ${scanner.label} answers again; payments are being checked.`)
      lastProblem = undefined
    } catch (err) {
      problem(err)
    }
  }

  const poll = async (): Promise<void> => {
    // One poll at a time: a caller arriving mid-poll waits for it, then gets a fresh one.
    while (running !== undefined) await running
    running = pollOnce().finally(() => { running = undefined })
    await running
  }

  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(() => { void poll().finally(schedule) }, config.pollMs)
    timer.unref()
  }

  return {
    receiveAddress,

    request (index, sats, label, message) {
      const address = receiveAddress(index)
      if (address === undefined) return undefined
      return { address, uri: buildPaymentUri({ address, sats, label, message }) }
    },

    watch (address: string, onPaid: (p: ReceivedPayment) => void, options: WatchOptions = {}) {
      const script = addressScript(address, config.network)
      let entry = watched.get(address)
      if (entry === undefined) {
        if (watched.size >= maxWatched) {
          throw bitcoinError(BitcoinErrorCode.WATCH_LIMIT, `Already watching ${watched.size} addresses, the most allowed; stop watching some (the stop function watch returned) first.`)
        }
        entry = { script, watchers: new Set() }
        watched.set(address, entry)
        toImport.add(address)
      }
      const w: Watcher = { onPaid, seen: new Set() }
      if (typeof options.seen === 'function') w.isSeen = options.seen
      else if (options.seen !== undefined) for (const s of options.seen) w.seen.add(s)
      entry.watchers.add(w)
      let active = true
      return () => {
        if (!active) return
        active = false
        const e = watched.get(address)
        if (e === undefined) return
        e.watchers.delete(w)
        if (e.watchers.size === 0) { watched.delete(address); toImport.delete(address) }
      }
    },

    async tip (address: string, sats: number, label?: string): Promise<TipResult> {
      addressScript(address, config.network)
      formatBtc(sats)
      if (sats <= 0) throw bitcoinError(BitcoinErrorCode.INVALID_AMOUNT, 'A tip must be at least 1 satoshi.')
      const uri = buildPaymentUri({ address, sats, label })
      if (scanner?.send === undefined) return { uri }
      const sent = await scanner.send(address, sats)
      if ('txid' in sent) log('info', `bitcoin: sent ${formatBtc(sats)} BTC to ${address} in ${sent.txid}`)
      return { uri, ...sent }
    },

    async start () {
      if (!stopped) return
      stopped = false
      if (scanner !== undefined) {
        try {
          await scanner.start()
        } catch (err) {
          // The wrong chain is a configuration mistake: the node must not run with it.
          if (isTornetError(err, BitcoinErrorCode.WRONG_CHAIN)) { stopped = true; throw err }
          problem(err)
        }
      }
      schedule()
    },

    async stop () {
      stopped = true
      stopping = true
      clearTimeout(timer)
      timer = undefined
      // Closing first fails a poll waiting on a stuck Electrum server at once instead of at its timeout.
      scanner?.close()
      while (running !== undefined) await running
      stopping = false
    },

    poll,

    get watching () { return watched.size }
  }
}
