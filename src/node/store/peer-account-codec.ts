import { nodeIdOf } from '../identity/identity.js'
import type { Endpoint } from '../types.js'
import { Reader, WireError, Writer } from '../wire/codec.js'
import { readEndpoint, writeEndpoint } from './endpoint-codec.js'

/**
 * One peer's account, stored in the `peers` database under its node id (32 bytes).
 * Fixed layout, little-endian:
 *
 *   u8   version          = 1
 *   32   public key       ed25519; SHA-256 of it must equal the key the record is stored under
 *   8    rank nonce
 *   u8   rank             leading zero bits of SHA-256(public key ‖ nonce), as claimed at contact
 *   u64  first contact    ms since the epoch
 *   u64  last contact     ms since the epoch, ≥ first contact
 *   u32  smoothed RTT     microseconds; 0xffffffff = never measured
 *   u8   has endpoint     0 or 1, then the endpoint (endpoint-codec.ts) when 1
 *   u32  connection errors
 *   u64  bytes sent       to the peer
 *   u64  bytes received   from the peer
 *
 * Later versions append fields after a version bump; a record that fails to decode is
 * skipped and reported by PeerAccounts, never thrown to the node.
 */
export const PEER_ACCOUNT_VERSION = 1
const RTT_UNKNOWN = 0xffffffff

export interface PeerAccount {
  id: Buffer
  publicKey: Buffer
  nonce: Buffer
  rank: number
  firstContact: number
  lastContact: number
  /** Smoothed round-trip time in ms (RFC 6298 weights), undefined until measured. */
  rttMs: number | undefined
  endpoint: Endpoint | undefined
  connectionErrors: number
  bytesSent: number
  bytesReceived: number
}

export function encodePeerAccount (a: PeerAccount): Buffer {
  const w = new Writer(128)
    .u8(PEER_ACCOUNT_VERSION)
    .bytes(fixed(a.publicKey, 32, 'public key'))
    .bytes(fixed(a.nonce, 8, 'nonce'))
    .u8(a.rank)
    .u64(a.firstContact)
    .u64(a.lastContact)
    .u32(a.rttMs === undefined ? RTT_UNKNOWN : Math.min(RTT_UNKNOWN - 1, Math.max(0, Math.round(a.rttMs * 1000))))
  if (a.endpoint === undefined) w.u8(0)
  else { w.u8(1); writeEndpoint(w, a.endpoint) }
  return w
    .u32(Math.min(0xffffffff, a.connectionErrors))
    .u64(a.bytesSent)
    .u64(a.bytesReceived)
    .finish()
}

export function decodePeerAccount (id: Uint8Array, b: Uint8Array): PeerAccount {
  if (id.length !== 32) throw new WireError('peer account: key is not 32 bytes')
  const r = new Reader(b, 'peer account')
  const version = r.u8()
  if (version !== PEER_ACCOUNT_VERSION) throw new WireError(`peer account: unknown version ${version}`)
  const publicKey = Buffer.from(r.bytes(32))
  if (!nodeIdOf(publicKey).equals(id)) throw new WireError('peer account: public key does not match the node id')
  const nonce = Buffer.from(r.bytes(8))
  const rank = r.u8()
  const firstContact = r.u64()
  const lastContact = r.u64()
  if (lastContact < firstContact) throw new WireError('peer account: last contact before first contact')
  const rtt = r.u32()
  const has = r.u8()
  if (has > 1) throw new WireError('peer account: bad endpoint flag')
  const endpoint = has === 1 ? readEndpoint(r) : undefined
  const connectionErrors = r.u32()
  const bytesSent = r.u64()
  const bytesReceived = r.u64()
  r.end()
  return {
    id: Buffer.from(id),
    publicKey,
    nonce,
    rank,
    firstContact,
    lastContact,
    rttMs: rtt === RTT_UNKNOWN ? undefined : rtt / 1000,
    endpoint,
    connectionErrors,
    bytesSent,
    bytesReceived
  }
}

function fixed (b: Uint8Array, n: number, what: string): Uint8Array {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes`)
  return b
}
