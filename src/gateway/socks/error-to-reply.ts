/**
 * A failure as a SOCKS reply code: a SOCKS client gets no page, only one byte
 * saying roughly what went wrong. The HTTP side of the same failures is
 * error-page.ts; both are keyed by the same error codes.
 */
import { RESOLVE_ERRORS } from '../../resolvers/types.js'
import { ContentErrorCode, GATEWAY_ERRORS, errorCode } from '../errors.js'
import { SOCKS5_REPLY, type Socks5ReplyCode } from './constants.js'

const R = SOCKS5_REPLY

// Every code not listed (bad requests, parse errors, failures without a code) is a general failure.
const REPLY_OF: Record<string, Socks5ReplyCode> = {
  [RESOLVE_ERRORS.notFound]: R.hostUnreachable,
  [RESOLVE_ERRORS.expired]: R.hostUnreachable,
  [RESOLVE_ERRORS.invalidName]: R.hostUnreachable,
  [RESOLVE_ERRORS.invalidRecord]: R.hostUnreachable,
  [RESOLVE_ERRORS.unavailable]: R.networkUnreachable,
  [RESOLVE_ERRORS.timeout]: R.ttlExpired,
  [RESOLVE_ERRORS.notTornet]: R.notAllowed,

  [ContentErrorCode.notFound]: R.hostUnreachable,
  [ContentErrorCode.unreachable]: R.hostUnreachable,
  [ContentErrorCode.timeout]: R.ttlExpired,

  [GATEWAY_ERRORS.notTornet]: R.notAllowed,
  [GATEWAY_ERRORS.clearnetRefused]: R.notAllowed,
  [GATEWAY_ERRORS.noTls]: R.notAllowed,
  [GATEWAY_ERRORS.ownPagesRefused]: R.notAllowed,
  [GATEWAY_ERRORS.noApp]: R.notAllowed,
  [GATEWAY_ERRORS.unsupportedNetwork]: R.notAllowed,
  [GATEWAY_ERRORS.timeout]: R.ttlExpired,
  [GATEWAY_ERRORS.bodyTimeout]: R.ttlExpired,
  [GATEWAY_ERRORS.upstreamFailed]: R.hostUnreachable,

  // node's own codes
  ERR_HTTP_REQUEST_TIMEOUT: R.ttlExpired,
  ECONNREFUSED: R.connectionRefused,
  ENOTFOUND: R.hostUnreachable,
  EAI_AGAIN: R.hostUnreachable,
  EHOSTUNREACH: R.hostUnreachable,
  ENETUNREACH: R.networkUnreachable,
  ETIMEDOUT: R.ttlExpired
}

export function errorToSocksReply (err: unknown): Socks5ReplyCode {
  return REPLY_OF[errorCode(err) ?? ''] ?? R.generalFailure
}
