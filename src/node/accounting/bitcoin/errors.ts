import { tornetError, type ErrorFactory } from '../../errors.js'

/** Stable codes of the Bitcoin payments layer; tests and callers match on these, never on text. */
export const BitcoinErrorCode = {
  /** The account key is not a BIP84 account xpub/zpub/tpub/vpub of the configured network (or is a private key). */
  INVALID_XPUB: 'BITCOIN_INVALID_XPUB',
  /** An address that does not decode, or belongs to another network. */
  INVALID_ADDRESS: 'BITCOIN_INVALID_ADDRESS',
  /** An amount that is not a whole number of satoshis from 1 to 21 million BTC, or a malformed BTC decimal. */
  INVALID_AMOUNT: 'BITCOIN_INVALID_AMOUNT',
  /** A `bitcoin:` URI that BIP21 does not allow (bad scheme, bad amount, an unknown `req-` parameter…). */
  INVALID_URI: 'BITCOIN_INVALID_URI',
  /** A bad index (negative, hardened range) for address derivation. */
  INVALID_INDEX: 'BITCOIN_INVALID_INDEX',
  /** The chain source cannot be reached, refused the credentials, or closed the connection. */
  SOURCE_UNAVAILABLE: 'BITCOIN_SOURCE_UNAVAILABLE',
  /** The chain source did not answer in time. */
  SOURCE_TIMEOUT: 'BITCOIN_SOURCE_TIMEOUT',
  /** The chain source answered something that is not what the protocol says (not JSON, wrong shape, too big). */
  SOURCE_MALFORMED: 'BITCOIN_SOURCE_MALFORMED',
  /** The chain source answered with a JSON-RPC error (wallet not loaded, insufficient funds…). */
  SOURCE_REFUSED: 'BITCOIN_SOURCE_REFUSED',
  /** The chain source follows another chain than the configured network. */
  WRONG_CHAIN: 'BITCOIN_WRONG_CHAIN',
  /** More addresses watched than the bound allows. */
  WATCH_LIMIT: 'BITCOIN_WATCH_LIMIT',
  /** The wallet built a transaction that does not pay what was asked: it is not signed nor sent. */
  PSBT_MISMATCH: 'BITCOIN_PSBT_MISMATCH'
} as const

export type BitcoinErrorCode = typeof BitcoinErrorCode[keyof typeof BitcoinErrorCode]

export const bitcoinError: ErrorFactory<BitcoinErrorCode> = tornetError
