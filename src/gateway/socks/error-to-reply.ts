/**
 * A failure as a SOCKS reply code: a SOCKS client gets no page, only one byte
 * saying roughly what went wrong. The HTTP side of the same failures is
 * error-page.ts; both are keyed by the same error codes.
 */
import { RESOLVE_ERRORS } from '../../resolvers/types.js'
import { ContentErrorCode, GATEWAY_ERRORS, errorCode } from '../errors.js'
import { SOCKS5_REPLY, type Socks5ReplyCode } from './constants.js'

const R = SOCKS5_REPLY
const G = GATEWAY_ERRORS
const N = RESOLVE_ERRORS
const C = ContentErrorCode

// Each reply with the failures it stands for (node's own codes last). Every code not listed (bad
// requests, parse errors, failures without a code) is a general failure.
const CODES_BY_REPLY: Array<[Socks5ReplyCode, string[]]> = [
  [R.hostUnreachable, [N.notFound, N.expired, N.invalidName, N.invalidRecord, C.notFound, C.unreachable, G.upstreamFailed, G.stationNotFound,
    G.hiddenNotFound, G.hiddenUnreachable, G.hiddenBadResponse,
    'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']],
  [R.networkUnreachable, [N.unavailable, N.certificateChanged, 'ENETUNREACH']],
  [R.ttlExpired, [N.timeout, C.timeout, G.timeout, G.bodyTimeout, G.hiddenTimeout, 'ERR_HTTP_REQUEST_TIMEOUT', 'ETIMEDOUT']],
  [R.notAllowed, [N.notTornet, G.notTornet, G.clearnetRefused, G.noTls, G.ownPagesRefused, G.noApp, G.unsupportedNetwork]],
  [R.connectionRefused, ['ECONNREFUSED']]
]

const REPLY_OF = new Map(CODES_BY_REPLY.flatMap(([reply, codes]) => codes.map(code => [code, reply] as const)))

export function errorToSocksReply (err: unknown): Socks5ReplyCode {
  return REPLY_OF.get(errorCode(err) ?? '') ?? R.generalFailure
}
