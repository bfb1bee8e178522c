/**
 * The isolation tag: the user name a client gave the proxy (SOCKS5
 * username/password, the SOCKS4 user id, or HTTP Proxy-Authorization Basic).
 * Nothing is authenticated by it: like Tor's IsolateSOCKSAuth, requests with
 * different tags must not share a circuit, so a browser (or a tool like
 * torsocks) can ask for separate ones, and `tornet-hops-N` asks for a circuit
 * length. '' means none was given.
 *
 * Bytes map one to one onto the string (latin1), so two different user names
 * can never end up as the same tag; the length is bounded, as SOCKS bounds it.
 */
import { GATEWAY_ERRORS, gatewayError } from '../errors.js'

/** Longest tag, in bytes: SOCKS5's ULEN is one byte, and HTTP gets the same bound. */
export const MAX_ISOLATION_BYTES = 255

export const NO_ISOLATION = ''

/** The tag from a user name's raw bytes (SOCKS fields are at most 255 bytes by their framing). */
export function isolationFromBytes (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_ISOLATION_BYTES)).toString('latin1')
}

/**
 * The tag from a Proxy-Authorization header. No header, or a scheme other than Basic: ''
 * (we ask for no credentials, so other schemes carry nothing we use). A Basic value that
 * does not decode, or a user name longer than MAX_ISOLATION_BYTES, is a bad request:
 * quietly ignoring it would merge circuits the client meant to keep apart.
 */
export function isolationFromProxyAuthorization (header: string | string[] | undefined): string {
  if (header === undefined) return NO_ISOLATION
  if (Array.isArray(header)) throw badCredentials('Send one Proxy-Authorization header, not several.')
  const match = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header)
  if (match === null) {
    if (/^\s*basic(\s|$)/i.test(header)) throw badCredentials('The Proxy-Authorization Basic value is not base64 of "user:password".')
    return NO_ISOLATION
  }
  const decoded = Buffer.from(match[1]!, 'base64')
  const colon = decoded.indexOf(0x3a)
  if (colon < 0) throw badCredentials('The Proxy-Authorization Basic value has no ":" between user and password.')
  if (colon > MAX_ISOLATION_BYTES) {
    throw badCredentials(`The proxy user name is longer than ${MAX_ISOLATION_BYTES} bytes; use a shorter one.`)
  }
  return decoded.subarray(0, colon).toString('latin1')
}

function badCredentials (why: string): Error {
  return gatewayError(GATEWAY_ERRORS.badRequest, why)
}
