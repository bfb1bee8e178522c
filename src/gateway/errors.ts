/**
 * Stable error codes of the gateway, and the content codes it expects from
 * SiteContent (the node's ContentErrorCode). Tests check codes, never message
 * text. Messages are for the user: what failed and what to do next.
 */
import { ContentErrorCode, TornetError, tornetError, type CodeOf, type ErrorFactory } from '../node/index.js'

export { TornetError }
export { ContentErrorCode, tornetError, type ErrorFactory }

export const GATEWAY_ERRORS = {
  portInUse: 'GATEWAY_PORT_IN_USE',
  portDenied: 'GATEWAY_PORT_DENIED',
  publicInterface: 'GATEWAY_PUBLIC_INTERFACE', // asked to bind a non-loopback host without allowPublic
  badRequest: 'GATEWAY_BAD_REQUEST',
  headerTooLarge: 'GATEWAY_HEADER_TOO_LARGE',
  notTornet: 'GATEWAY_NOT_TORNET', // a host outside .tor-net/.bit while pass-through is off
  clearnetRefused: 'GATEWAY_CLEARNET_REFUSED', // a .bit name pointing at an IP, pass-through off or private address
  noTls: 'GATEWAY_NO_TLS', // https/port 443 to a Tornet host
  ownPagesRefused: 'GATEWAY_OWN_PAGES_REFUSED', // a name other than the gateway's own resolved to its pages
  noApp: 'GATEWAY_NO_APP', // resolved, but nothing here serves that kind of target yet
  unsupportedNetwork: 'GATEWAY_UNSUPPORTED_NETWORK', // .bit record for Tor/I2P/Freenet
  methodNotAllowed: 'GATEWAY_METHOD_NOT_ALLOWED',
  notFound: 'GATEWAY_NOT_FOUND', // no such page on the gateway itself
  rangeNotSatisfiable: 'GATEWAY_RANGE_NOT_SATISFIABLE',
  timeout: 'GATEWAY_TIMEOUT', // our own deadline for resolve+stat passed
  bodyTimeout: 'GATEWAY_BODY_TIMEOUT', // a request body too slow (minimum rate) or past its route's deadline
  upstreamFailed: 'GATEWAY_UPSTREAM_FAILED', // pass-through connection failed
  pacMissing: 'GATEWAY_PAC_MISSING',
  stationNotFound: 'GATEWAY_STATION_NOT_FOUND', // no relay carries the station (or the name/label names none)
  hiddenNotFound: 'GATEWAY_HIDDEN_NOT_FOUND', // no descriptor for the hidden service (not running, expired, wrong key)
  hiddenUnreachable: 'GATEWAY_HIDDEN_UNREACHABLE', // descriptor found, but no circuit reached the service (or it failed mid-way)
  hiddenTimeout: 'GATEWAY_HIDDEN_TIMEOUT', // connecting to the service, or its answer, took longer than our deadline
  hiddenBadResponse: 'GATEWAY_HIDDEN_BAD_RESPONSE' // the service answered with something that is not HTTP/1.1 (or too large a head)
} as const

/** Why a SOCKS handshake failed (the client also gets the matching reply code). */
export const SOCKS_ERRORS = {
  noAcceptableMethod: 'SOCKS_NO_ACCEPTABLE_METHOD', // greeting offered neither no-auth nor username/password
  malformed: 'SOCKS_MALFORMED', // bytes that are not a SOCKS message
  badAuth: 'SOCKS_BAD_AUTH', // username/password sub-negotiation malformed
  commandNotSupported: 'SOCKS_COMMAND_NOT_SUPPORTED', // BIND, UDP ASSOCIATE
  addressTypeNotSupported: 'SOCKS_ADDRESS_TYPE_NOT_SUPPORTED',
  badHost: 'SOCKS_BAD_HOST' // a domain that is no valid host name
} as const

export type GatewayErrorCode = CodeOf<typeof GATEWAY_ERRORS> | CodeOf<typeof SOCKS_ERRORS>

/** Content failures the gateway raises itself (a short body) carry the node's ContentErrorCode. */
export const gatewayError: ErrorFactory<GatewayErrorCode | CodeOf<typeof ContentErrorCode>> = tornetError

/**
 * The stable code of any error, by shape rather than class: errors from the
 * resolvers or the node may come from another copy of TornetError, and node's
 * own errors (ECONNREFUSED, HPE_HEADER_OVERFLOW) carry codes too.
 */
export function errorCode (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}
