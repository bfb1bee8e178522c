/**
 * The contract between the ledger (credit lines, refusals, restoring credit)
 * and the Bitcoin side (addresses, URIs, payment detection, sending tips).
 * The ledger depends only on this file; `createBitcoinPayments` (in
 * ./payments.ts) implements it over an xpub and a chain source (Bitcoin Core
 * JSON-RPC or an Electrum server). Amounts are integer satoshis everywhere.
 */

/** Where payments are looked for. */
export type ChainSource =
  | { kind: 'bitcoind', url: string, user?: string, password?: string, wallet?: string }
  | {
    kind: 'electrum', host: string, port: number, tls: boolean
    /** TLS: check the certificate against the system CAs (default true); false for a self-signed server you trust. */
    rejectUnauthorized?: boolean
  }

export interface BitcoinConfig {
  /** BIP84 account xpub/zpub/vpub (or tpub for regtest/testnet); no private key ever lives in the node. */
  xpub?: string
  network: 'mainnet' | 'testnet' | 'regtest'
  source?: ChainSource
  /** Confirmations before a payment counts (default 1). */
  confirmations: number
  /** Polling interval for the chain source, ms (default 30 s). */
  pollMs: number
}

/** A payment seen on an address, with its confirmations at the time it was reported. */
export interface ReceivedPayment {
  address: string
  txid: string
  /** Output index inside the transaction. */
  vout: number
  sats: number
  confirmations: number
}

export interface PaymentRequest {
  address: string
  /** A BIP21 URI: `bitcoin:<address>?amount=<BTC decimal>&label=…&message=…`. */
  uri: string
}

export interface TipResult {
  /** When sent through the wallet: the transaction id. */
  txid?: string
  /**
   * When Bitcoin Core's wallet built the payment but cannot sign it (a watch-only
   * wallet): the funded PSBT, base64, for another wallet to sign and send.
   */
  psbt?: string
  /** Always given: a BIP21 URI any wallet can pay. */
  uri: string
}

/** Options of `watch`. */
export interface WatchOptions {
  /**
   * Outputs already credited, as "txid:vout" (a set the caller kept across a
   * restart, or a lookup into it): never reported again.
   */
  seen?: Iterable<string> | ((outpoint: string) => boolean)
}

export interface BitcoinPayments {
  /**
   * The receive address for peer number `index` (a stable per-peer index the
   * ledger keeps): BIP84 m/84'/coin'/account'/0/index derived from the xpub.
   * Undefined when no xpub is configured.
   */
  receiveAddress: (index: number) => string | undefined
  /** A BIP21 payment request for `sats` to the address of peer `index` (undefined without an xpub). */
  request: (index: number, sats: number, label?: string, message?: string) => PaymentRequest | undefined
  /**
   * Calls `onPaid` once per output paying `address` once it has the configured
   * confirmations (never twice for the same txid:vout, across restarts too: the
   * ledger keeps what it credited and ignores repeats). Returns a function that stops watching.
   */
  watch: (address: string, onPaid: (payment: ReceivedPayment) => void, options?: WatchOptions) => () => void
  /**
   * Pays `sats` to `address`: through Bitcoin Core's wallet when a bitcoind source
   * with a wallet is configured (walletcreatefundedpsbt → walletprocesspsbt →
   * finalizepsbt → sendrawtransaction, signing left to the wallet), otherwise only a BIP21 URI.
   */
  tip: (address: string, sats: number, label?: string) => Promise<TipResult>
  start: () => Promise<void>
  stop: () => Promise<void>
  /** Looks at the chain source now instead of waiting for the next poll (a "check payment" button, tests). */
  poll?: () => Promise<void>
}
