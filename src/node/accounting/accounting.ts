import type { BitcoinPayments } from './bitcoin/payments-api.js'
import { AddressExchange } from './address-exchange/address-exchange.js'
import type { BitcoinNetwork } from './bitcoin/bip84.js'
import { CreditLines } from './credit-lines.js'
import { FairScheduler, standingWeight } from './fair-scheduler.js'
import { type BinaryDb, Ledger, type LedgerOptions, ledgerDatabases } from './ledger/ledger.js'
import { Cause, type CauseValue, chunkBytePrice as priceByte, tunnelCellPrice } from './price.js'
import { type ExchangeHook, createExchangeCharger } from './priced-exchange.js'
import { SERVICE_PRICERS } from './service-pricers.js'
import { PaidPulls } from './paid-pulls.js'
import { createSliceGate } from './slice-gate.js'
import type { ServeGate } from '../services/chunks/serve-gate.js'
import type { Contact } from '../routing/contact.js'
import { StrangerProbe } from './stranger-probe.js'

/**
 * The accounting layer of one node: the ledger, the credit lines, the scheduler that orders
 * requests by standing under load, and the hooks the node plugs where traffic flows (the
 * chunk service's serve gate, the traffic meter, verified content received).
 */
export interface CreditConfig {
  /** Multiplies the seed's line of 100 MB × rank (0: no credit at all). */
  factor: number
  /** Satoshis per MB of credit: the posted price that reverses a debt. */
  satsPerMB: number
  /** Slice requests served at once before the rest wait their weighted turn. */
  concurrency: number
}

export const DEFAULT_CREDIT: CreditConfig = { factor: 1, satsPerMB: 10, concurrency: 16 }

export interface AccountingOptions {
  selfId: Buffer
  openDatabase: (name: string) => BinaryDb
  credit?: Partial<CreditConfig>
  payments?: BitcoinPayments
  /** The network send addresses are checked against (config bitcoin.network; default mainnet). */
  bitcoinNetwork?: BitcoinNetwork
  ledger?: LedgerOptions
  /** Sends a peer one lookup query whose answer the exchange hook books (stranger-probe.ts); absent: no probing. */
  probeAsk?: (peer: Contact) => Promise<void>
  log?: (level: 'info' | 'warn', message: string) => void
}

/** Traffic-meter kinds (service names) whose bytes are service of a priced cause. */
const KIND_CAUSE: Record<string, CauseValue> = { dht: Cause.lookup, kv: Cause.kv, radio: Cause.radioSegment, mail: Cause.mailPush, tunnel: Cause.tunnelCell }

export interface Accounting {
  readonly ledger: Ledger
  readonly credit: CreditLines
  readonly scheduler: FairScheduler
  readonly serveGate: ServeGate
  readonly config: CreditConfig
  /** Send addresses exchanged with peers (the "ledger" link service); the node sets its `send`. */
  readonly addresses: AddressExchange
  /** The link meter's hook: bytes of a priced service kind are entered under its cause (handshakes and chunk streams are not). */
  meter: (peerHex: string, direction: 'in' | 'out', bytes: number, kind: string) => void
  /** Verified chunk bytes a provider served this node: what it is owed. */
  received: (peerHex: string, chunkId: Buffer, bytes: number) => void
  /** Request/reply exchanges of priced services (lookups, kv, mail, radio pushes): credit by cause (service-pricers.ts). */
  exchange: ExchangeHook
  /** A tunnel cell this node relayed for `prevHex`, handed to or taken from `nextHex` (price.ts tunnelCellPrice). */
  relayed: (prevHex: string, nextHex: string | undefined, bytes: number) => void
  /** A cell of this node's own circuit that its entry hop carried: owed to the entry, as the entry books it (`relayed`). */
  carried: (entryHex: string, bytes: number) => void
  /**
   * Storage sold to a peer (`sent`: a paid week's place for its chunk, a kv record it stored
   * here) or bought from one (`received`), priced by sell.storagePrice. Booked as credit only,
   * under the cause of the stored thing (chunk-slice, kv): the bytes columns stay traffic.
   */
  storage: (peerHex: string, what: 'chunk' | 'kv', direction: 'sent' | 'received', credit: number) => void
  /**
   * A paid place's pull of `chunkId` between this node and `peerHex` (either side): its slices
   * move bytes but no credit, the place's price pays for them (paid-pulls.ts).
   */
  paidPull: (peerHex: string, chunkId: Buffer) => void
  start: () => void
  stop: () => Promise<void>
}

export function createAccounting (o: AccountingOptions): Accounting {
  const config = { ...DEFAULT_CREDIT, ...o.credit }
  const ledger = new Ledger(ledgerDatabases(o.openDatabase), { ...o.ledger, warn: (m) => o.log?.('warn', m) })
  const credit = new CreditLines({ ledger, payments: o.payments, factor: config.factor, satsPerMB: config.satsPerMB, log: o.log })
  const addresses = new AddressExchange({ ledger, network: o.bitcoinNetwork ?? 'mainnet', ownAddress: async (hex) => await credit.receiveAddressFor(hex), log: o.log })
  const priced = (hex: string): void => { addresses.announce(hex) }
  const paidPulls = new PaidPulls()
  const ask = o.probeAsk
  const probe = ask === undefined ? undefined : new StrangerProbe({ ask, reweigh: (hex) => { scheduler.reweigh(hex) } })
  const scheduler: FairScheduler = new FairScheduler({
    capacity: config.concurrency,
    maxQueued: 4096,
    // What a peer gave (service received from it plus credit it bought back with bitcoin) and what it owes.
    weightOf: (hex) => {
      const b = ledger.get(hex)
      const gave = b === undefined ? 0 : b.creditReceived + b.restoredCredit
      // A peer that gave nothing and left this node's probe unanswered weighs the least (stranger-probe.ts).
      if (gave === 0 && probe?.silent(hex) === true) return 1
      return standingWeight(gave, b?.owed ?? 0)
    }
  })
  return {
    ledger,
    credit,
    scheduler,
    config,
    addresses,
    serveGate: createSliceGate({
      selfId: o.selfId,
      ledger,
      credit,
      scheduler,
      probe: probe === undefined ? undefined : (peer) => { probe.maybe(peer) },
      paidPull: (hex, chunkId) => paidPulls.covers(hex, chunkId)
    }),
    meter: (peerHex, direction, bytes, kind) => {
      const cause = KIND_CAUSE[kind]
      if (cause === undefined) return
      // Bytes only, no credit: raw traffic cannot tell a request from an answer, and inbound
      // bytes would let a peer buy standing with junk. Credit moves for priced service only:
      // verified chunk slices, priced exchanges (`exchange`) and relayed cells (`relayed`).
      ledger.charge(peerHex, cause, direction === 'out' ? 'sent' : 'received', bytes, 0)
    },
    storage: (peerHex, what, direction, credit) => {
      if (credit > 0) ledger.charge(peerHex, what === 'kv' ? Cause.kv : Cause.chunkSlice, direction, 0, credit)
    },
    paidPull: (peerHex, chunkId) => { paidPulls.mark(peerHex, chunkId) },
    received: (peerHex, chunkId, bytes) => {
      ledger.charge(peerHex, Cause.chunkSlice, 'received', bytes, paidPulls.covers(peerHex, chunkId) ? 0 : chunkPriceOf(peerHex, chunkId, bytes))
      priced(peerHex)
    },
    exchange: createExchangeCharger(ledger, SERVICE_PRICERS, priced),
    relayed: (prevHex, nextHex, bytes) => {
      const credit = tunnelCellPrice(bytes)
      try {
        ledger.charge(prevHex, Cause.tunnelCell, 'sent', 0, credit)
        if (nextHex !== undefined) ledger.charge(nextHex, Cause.tunnelCell, 'received', 0, credit)
      } catch { /* not a node id: nothing to book */ }
    },
    carried: (entryHex, bytes) => {
      try { ledger.charge(entryHex, Cause.tunnelCell, 'received', 0, tunnelCellPrice(bytes)) } catch { /* not a node id: nothing to book */ }
    },
    // The payments source given here is this layer's to run: started with the node, stopped before the ledger closes.
    start: () => {
      o.payments?.start().catch((err: Error) => { o.log?.('warn', `the bitcoin payments source did not start: ${err.message}`) })
      credit.start()
    },
    stop: async () => {
      credit.stop()
      await o.payments?.stop().catch((err: Error) => { o.log?.('warn', `stopping the bitcoin payments source failed: ${err.message}`) })
      await credit.settled()
      await ledger.close()
    }
  }
}

function chunkPriceOf (peerHex: string, chunkId: Buffer, bytes: number): number {
  const id = Buffer.from(peerHex, 'hex')
  return id.length === 32 && chunkId.length === 32 ? bytes * priceByte(id, chunkId) : bytes
}
