import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto'
import {
  ed25519PublicToX25519, ed25519SecretToX25519, generateX25519, hkdf, x25519, type X25519KeyPair, x25519FromSecret
} from '../../link/link-crypto.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import type { HopKeyMaterial } from './tunnel-api.js'

/**
 * An ntor-like one-way authenticated key exchange (after Tor's ntor, tor-spec
 * §5.1.4): the client knows the hop's ed25519 identity B (used as X25519 via
 * the birational map) and proves nothing about itself; only the holder of b
 * can compute the reply's AUTH, so a hop's answer authenticates the hop.
 *
 *   client → hop   ID (32) ‖ B (32, ed25519 public key) ‖ X (32, ephemeral)     NTOR_CLIENT_BYTES
 *   hop → client   Y (32, ephemeral) ‖ AUTH (32)                                 NTOR_REPLY_BYTES
 *
 *   secret_input = X^y ‖ X^b ‖ ID ‖ B ‖ X ‖ Y ‖ PROTOID
 *   secret ‖ verify = HKDF-SHA256(secret_input, salt PROTOID, "key|verify", 64)   secret → HopKeyMaterial
 *   AUTH         = HMAC-SHA256(verify, ID ‖ B ‖ Y ‖ X ‖ PROTOID ‖ "server")
 *
 * The same exchange runs end to end between a hidden-service client and the
 * service (ID = the service key's node id, B = the service key).
 */

export const NTOR_CLIENT_BYTES = 96
export const NTOR_REPLY_BYTES = 64
const PROTOID = Buffer.from('tornet-ntor-x25519-sha256-1')
const SERVER = Buffer.from('server')

export interface NtorClientState {
  readonly id: Buffer
  readonly publicKey: Buffer
  readonly B: Buffer
  readonly x: KeyObject
  readonly X: Buffer
}

export interface NtorOptions {
  /** A fixed 32-byte ephemeral secret (golden vectors only); random otherwise. */
  ephemeralSecret?: Buffer
}

function ephemeral (opts?: NtorOptions): X25519KeyPair {
  return opts?.ephemeralSecret === undefined ? generateX25519() : x25519FromSecret(opts.ephemeralSecret)
}

function derive (xy: Buffer, xb: Buffer, id: Buffer, B: Buffer, X: Buffer, Y: Buffer): { secret: Buffer, auth: Buffer } {
  const input = Buffer.concat([xy, xb, id, B, X, Y, PROTOID])
  const okm = hkdf(input, PROTOID, 'key|verify', 64)
  const secret = okm.subarray(0, 32)
  const verify = okm.subarray(32, 64)
  const auth = createHmac('sha256', verify).update(Buffer.concat([id, B, Y, X, PROTOID, SERVER])).digest()
  return { secret, auth }
}

export function ntorClientStart (hop: { id: Buffer, publicKey: Buffer }, opts?: NtorOptions): { state: NtorClientState, message: Buffer } {
  if (hop.id.length !== 32) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `ntor: hop id of ${hop.id.length} bytes, need 32`)
  const B = hop.publicKey.length === 32 ? ed25519PublicToX25519(hop.publicKey) : undefined
  if (B === undefined) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'ntor: the hop\'s public key is not an ed25519 point; pick another hop')
  const eph = ephemeral(opts)
  const state: NtorClientState = { id: Buffer.from(hop.id), publicKey: Buffer.from(hop.publicKey), B, x: eph.privateKey, X: eph.publicKey }
  return { state, message: Buffer.concat([state.id, state.publicKey, eph.publicKey]) }
}

// A relay answers many handshakes with one static key; the conversion (SHA-512 + key import) is done once per key object.
const staticKeys = new WeakMap<Buffer, X25519KeyPair>()

function staticKey (secretKey: Buffer): X25519KeyPair {
  let k = staticKeys.get(secretKey)
  if (k === undefined) { k = ed25519SecretToX25519(secretKey); staticKeys.set(secretKey, k) }
  return k
}

/**
 * The hop's side. Undefined (drop, answer nothing useful) for a message of the
 * wrong size, meant for another id or key, or with a degenerate X.
 */
export function ntorServerRespond (me: { id: Buffer, publicKey: Buffer, secretKey: Buffer }, message: Buffer, opts?: NtorOptions):
  { reply: Buffer, material: HopKeyMaterial } | undefined {
  if (message.length !== NTOR_CLIENT_BYTES) return undefined
  const id = message.subarray(0, 32)
  const B = message.subarray(32, 64)
  const X = message.subarray(64, 96)
  if (!id.equals(me.id) || !B.equals(me.publicKey)) return undefined
  const y = ephemeral(opts)
  const xy = x25519(y.privateKey, X)
  const xb = x25519(staticKey(me.secretKey).privateKey, X)
  if (xy === undefined || xb === undefined) return undefined
  const { secret, auth } = derive(xy, xb, me.id, me.publicKey, X, y.publicKey)
  return { reply: Buffer.concat([y.publicKey, auth]), material: { secret, role: 'far' } }
}

/** The client's side: the hop's keys, or undefined when the reply does not prove the hop holds its key. */
export function ntorClientFinish (state: NtorClientState, reply: Buffer): HopKeyMaterial | undefined {
  if (reply.length !== NTOR_REPLY_BYTES) return undefined
  const Y = reply.subarray(0, 32)
  const yx = x25519(state.x, Y)
  const bx = x25519(state.x, state.B)
  if (yx === undefined || bx === undefined) return undefined
  const { secret, auth } = derive(yx, bx, state.id, state.publicKey, state.X, Buffer.from(Y))
  if (!timingSafeEqual(auth, reply.subarray(32, 64))) return undefined
  return { secret, role: 'origin' }
}
