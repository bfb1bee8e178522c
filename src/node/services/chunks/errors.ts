import { TornetError } from '../../errors.js'

/** Stable codes of the chunk exchange; tests and callers check these, never messages. */
export const ChunkErrorCode = {
  /** no provider of the chunk could be found (`notFound` carries the highest not-found count heard) */
  NOT_FOUND: 'CHUNK_NOT_FOUND',
  /** providers were found, but none delivered the whole chunk (slow, gone, lying, or banned) */
  UNAVAILABLE: 'CHUNK_UNAVAILABLE',
  /** the descriptor the caller gave does not describe the chunk it names (length or id) */
  BAD_DESCRIPTOR: 'CHUNK_BAD_DESCRIPTOR',
  /** the service was stopped while the call ran, or before it */
  STOPPED: 'CHUNK_SERVICE_STOPPED',
  /** a crypto worker failed while it held the only copy of a downloaded chunk (fetch it again) */
  WORKER_FAILED: 'CHUNK_WORKER_FAILED',
  /** the providers that had the chunk refused: this node is past its credit line with them (`refusals` says what to pay) */
  PAYMENT_REQUIRED: 'CHUNK_PAYMENT_REQUIRED',
  /** a bad argument from local code (wrong id size, ...) */
  INVALID_ARGUMENT: 'CHUNK_INVALID_ARGUMENT'
} as const

export type ChunkErrorCodeValue = typeof ChunkErrorCode[keyof typeof ChunkErrorCode]

export class ChunkError extends TornetError {
  /** For NOT_FOUND: how often the nodes asked had already been asked for this id (the seed's counter). */
  readonly notFound: number
  /** For PAYMENT_REQUIRED: each refusing provider's id (hex), the debt, its price and a BIP21 URI. */
  readonly refusals: Array<{ provider: string, owedCredit: number, sats: number, uri: string }>

  constructor (code: ChunkErrorCodeValue, message: string, options?: { cause?: unknown, notFound?: number, refusals?: ChunkError['refusals'] }) {
    super(code, message, options)
    this.name = 'ChunkError'
    this.notFound = options?.notFound ?? 0
    this.refusals = options?.refusals ?? []
  }
}
