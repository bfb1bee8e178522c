import { TornetError } from '../errors.js'

/** Stable codes of the accounting layer (ledger, prices, credit lines); tests check these, never messages. */
export const AccountingErrorCode = {
  /** a bad argument from local code (unknown cause, negative bytes, wrong id size) */
  INVALID_ARGUMENT: 'ACCOUNTING_INVALID_ARGUMENT',
  /** the peer used up its credit line here: the error carries what reverses the debt */
  CREDIT_EXHAUSTED: 'ACCOUNTING_CREDIT_EXHAUSTED',
  /** too many requests wait for their turn here */
  BUSY: 'ACCOUNTING_BUSY',
  /** the ledger was closed */
  CLOSED: 'ACCOUNTING_CLOSED'
} as const

export type AccountingErrorCodeValue = typeof AccountingErrorCode[keyof typeof AccountingErrorCode]

/** What a refused peer needs to be served again: the debt, its price, and where to pay it. */
export interface CreditRefusal {
  /** Credit units owed beyond nothing (what a payment reverses). */
  owedCredit: number
  /** The price, in satoshis, that reverses all of it at the node's posted rate. */
  sats: number
  /** A BIP21 `bitcoin:` URI for the refusing node's receive address for this peer ('' without an xpub). */
  uri: string
}

export class AccountingError extends TornetError {
  readonly refusal?: CreditRefusal
  constructor (code: AccountingErrorCodeValue, message: string, options?: { cause?: unknown, refusal?: CreditRefusal }) {
    super(code, message, options)
    this.name = 'AccountingError'
    this.refusal = options?.refusal
  }
}
