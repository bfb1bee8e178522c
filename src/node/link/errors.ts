import { TornetError } from '../errors.js'
import { RefuseReason } from '../wire/link-packets.js'

/**
 * Stable error codes of the link layer. A refusal received from a peer
 * (REFUSE packet, ERROR or STREAM_RESET frame) reaches the caller as a
 * TornetError with one of these codes and the peer's text.
 */
export const LinkErrorCode = {
  RANK_TOO_LOW: 'LINK_RANK_TOO_LOW',
  UNSUPPORTED_VERSION: 'LINK_UNSUPPORTED_VERSION',
  BUSY: 'LINK_BUSY',
  KEY_MISMATCH: 'LINK_KEY_MISMATCH',
  BAD_SIGNATURE: 'LINK_BAD_SIGNATURE',
  STALE: 'LINK_STALE_HANDSHAKE',
  WRONG_PEER: 'LINK_WRONG_PEER',
  HANDSHAKE_TIMEOUT: 'LINK_HANDSHAKE_TIMEOUT',
  TIMEOUT: 'LINK_TIMEOUT',
  ABORTED: 'LINK_ABORTED',
  CLOSED: 'LINK_CLOSED',
  UNKNOWN_SERVICE: 'LINK_UNKNOWN_SERVICE',
  HANDLER_FAILED: 'LINK_HANDLER_FAILED',
  TOO_LARGE: 'LINK_TOO_LARGE',
  TOO_MANY_REQUESTS: 'LINK_TOO_MANY_REQUESTS',
  PROTOCOL: 'LINK_PROTOCOL_ERROR',
  BAD_ARGUMENT: 'LINK_BAD_ARGUMENT',
  SELF: 'LINK_SELF',
  STREAM_RESET: 'LINK_STREAM_RESET'
} as const
export type LinkErrorCodeValue = typeof LinkErrorCode[keyof typeof LinkErrorCode]

export class LinkError extends TornetError {
  constructor (code: LinkErrorCodeValue | string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

const REFUSE_TO_CODE: Record<number, LinkErrorCodeValue> = {
  [RefuseReason.RANK_TOO_LOW]: LinkErrorCode.RANK_TOO_LOW,
  [RefuseReason.UNSUPPORTED_VERSION]: LinkErrorCode.UNSUPPORTED_VERSION,
  [RefuseReason.BUSY]: LinkErrorCode.BUSY,
  [RefuseReason.KEY_MISMATCH]: LinkErrorCode.KEY_MISMATCH,
  [RefuseReason.BAD_SIGNATURE]: LinkErrorCode.BAD_SIGNATURE,
  [RefuseReason.STALE]: LinkErrorCode.STALE,
  [RefuseReason.CLOSED]: LinkErrorCode.CLOSED,
  [RefuseReason.WRONG_PEER]: LinkErrorCode.WRONG_PEER
}

const CODE_TO_REFUSE = new Map<string, number>(Object.entries(REFUSE_TO_CODE).map(([k, v]) => [v, Number(k)]))

/** The error a caller sees for a REFUSE packet from the peer. */
export function errorFromRefuse (reason: number, text: string): LinkError {
  const code = REFUSE_TO_CODE[reason] ?? LinkErrorCode.PROTOCOL
  return new LinkError(code, `peer refused the link: ${text === '' ? code : text}`)
}

/** The REFUSE reason for one of our link errors (a protocol error when none fits). */
export function refuseReasonOf (code: string): number {
  return CODE_TO_REFUSE.get(code) ?? RefuseReason.BAD_SIGNATURE
}
