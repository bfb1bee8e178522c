/**
 * The introduction a client sends through an intro point, readable only by
 * the service (Tor's INTRODUCE2 encrypted part, shaped for Tornet):
 *
 *   blob  = ephemeral X25519 public 32 ‖ powNonce 8 ‖ sealed(inner)
 *   key   = HKDF(X25519(ephemeral, service key as X25519), salt = servicePublicKey ‖ authKey ‖ ephemeral,
 *                "tornet hs introduce v1"), ChaCha20-Poly1305, nonce 0 (the key is used once), AAD authKey ‖ powNonce
 *   inner = version u8 = 1 ‖ cookie 20 ‖ rendezvous id 32 ‖ rendezvous ed25519 key 32 ‖ rendezvous rank nonce 8
 *           ‖ host string8 ‖ port u16 ‖ ntor message bytes16 ‖ timestamp u64 (ms)
 *           ‖ (version 2) early data bytes16 — the first bytes of the client's first stream (0-RTT):
 *             the service writes them to its local server at once, and its answer flows on stream
 *             HS_EARLY_STREAM_ID as soon as the circuits join. Version 1 (no early data) still decodes.
 *
 * The proof of work sits outside the ciphertext so that a service under a
 * flood checks it (one hash) before it spends an X25519 and a decryption:
 * SHA-256(namespaced(hsIntroduce, servicePublicKey ‖ authKey ‖ ephemeral) ‖ powNonce)
 * must start with the descriptor's powBits zero bits. It is bound to the
 * ephemeral key, so one proof buys exactly one introduction.
 */
import { randomBytes } from 'node:crypto'
import { sha256 } from '../../../crypto/hash.js'
import { NS, namespaced } from '../../../crypto/namespaces.js'
import { mineSuffix } from '../../../crypto/prefix-pow.js'
import { leadingZeroBits } from '../../../identity/identity.js'
import {
  type X25519KeyPair, ed25519PublicToX25519, generateX25519, hkdf, open, seal, x25519
} from '../../../link/link-crypto.js'
import type { Endpoint } from '../../../types.js'
import { Reader, WireError, Writer, tryDecode } from '../../../wire/codec.js'
import { COOKIE_BYTES, KEY_BYTES, MAX_BLOB_BYTES } from './hs-messages.js'

const VERSION = 2
const POW_NONCE_BYTES = 8
const HOST_MAX = 64
const NTOR_MAX = 256

export interface RendezvousContact {
  id: Buffer
  publicKey: Buffer
  /** The rank proof of the rendezvous node (so the service can check its rank). */
  nonce: Buffer
  endpoint: Endpoint
}

export interface IntroductionInner {
  cookie: Buffer
  rendezvous: RendezvousContact
  /** ntorClientStart's message against the service key. */
  ntor: Buffer
  timestamp: number
  /** The first bytes of the client's first stream (may be empty). */
  early?: Buffer
}

/** Bytes of a sealed introduction around the inner part: ephemeral key, PoW nonce, AEAD tag. */
export const BLOB_OVERHEAD = KEY_BYTES + 8 + 16

/** How many early-data bytes fit in an introduction whose inner part (without them) is `inner`. */
export function earlyRoom (inner: IntroductionInner): number {
  return Math.max(0, MAX_BLOB_BYTES - BLOB_OVERHEAD - encodeInner({ ...inner, early: undefined }).length)
}

export function encodeInner (m: IntroductionInner): Buffer {
  const rv = m.rendezvous
  return new Writer(200 + m.ntor.length).u8(VERSION).bytes(m.cookie).bytes(rv.id).bytes(rv.publicKey).bytes(rv.nonce)
    .string8(rv.endpoint.address).u16(rv.endpoint.port).bytes16(m.ntor).u64(m.timestamp).bytes16(m.early ?? Buffer.alloc(0)).finish()
}

export function decodeInner (b: Uint8Array): IntroductionInner {
  const r = new Reader(b, 'introduction')
  const version = r.u8()
  if (version !== VERSION && version !== 1) throw new WireError(`introduction: unknown version ${version}`)
  const cookie = Buffer.from(r.bytes(COOKIE_BYTES))
  const id = Buffer.from(r.bytes(KEY_BYTES))
  const publicKey = Buffer.from(r.bytes(KEY_BYTES))
  const nonce = Buffer.from(r.bytes(POW_NONCE_BYTES))
  const address = r.string8(HOST_MAX)
  const port = r.u16()
  if (port === 0 || address.length === 0) throw new WireError('introduction: empty rendezvous endpoint')
  const ntor = Buffer.from(r.bytes16(NTOR_MAX))
  const timestamp = r.u64()
  const early = version >= 2 ? Buffer.from(r.bytes16(MAX_BLOB_BYTES)) : Buffer.alloc(0)
  r.end()
  return { cookie, rendezvous: { id, publicKey, nonce, endpoint: { address, port } }, ntor, timestamp, early }
}

function powPrefix (servicePublicKey: Buffer, authKey: Buffer, ephemeral: Buffer): Buffer {
  return namespaced(NS.hsIntroduce, servicePublicKey, authKey, ephemeral)
}

/** Whether `powNonce` proves `bits` of work for this introduction. */
export function checkPow (servicePublicKey: Buffer, authKey: Buffer, ephemeral: Buffer, powNonce: Buffer, bits: number): boolean {
  if (bits <= 0) return true
  return leadingZeroBits(sha256(powPrefix(servicePublicKey, authKey, ephemeral), powNonce)) >= bits
}

function blobKey (shared: Buffer, servicePublicKey: Buffer, authKey: Buffer, ephemeral: Buffer): Buffer {
  return hkdf(shared, Buffer.concat([servicePublicKey, authKey, ephemeral]), 'tornet hs introduce v1', 32)
}

/**
 * Seals `inner` to the service; mines a proof of `powBits` first when the
 * descriptor asks for one (progress and abort through `opts`).
 */
export async function sealIntroduction (
  servicePublicKey: Buffer, authKey: Buffer, inner: IntroductionInner, powBits: number,
  opts: { signal?: AbortSignal } = {}
): Promise<Buffer> {
  const serviceX = ed25519PublicToX25519(servicePublicKey)
  if (serviceX === undefined) throw new RangeError('the service key is not a valid ed25519 point')
  const eph = generateX25519()
  const shared = x25519(eph.privateKey, serviceX)
  if (shared === undefined) throw new RangeError('the service key gives no shared secret')
  const powNonce = powBits > 0
    ? (await mineSuffix(powPrefix(servicePublicKey, authKey, eph.publicKey), powBits, { signal: opts.signal })).nonce
    : randomBytes(POW_NONCE_BYTES)
  const key = blobKey(shared, servicePublicKey, authKey, eph.publicKey)
  const sealed = seal(key, 0, 0, Buffer.concat([authKey, powNonce]), encodeInner(inner))
  const blob = Buffer.concat([eph.publicKey, powNonce, sealed])
  if (blob.length > MAX_BLOB_BYTES) throw new RangeError(`the introduction is ${blob.length} bytes, over ${MAX_BLOB_BYTES}`)
  return blob
}

export type OpenedIntroduction =
  | { ok: true, inner: IntroductionInner, ephemeral: Buffer }
  | { ok: false, reason: 'malformed' | 'pow' | 'decrypt' }

/** The service's side: checks the proof of work first (cheap), then decrypts and decodes. */
export function openIntroduction (
  service: { publicKey: Buffer, x25519: X25519KeyPair }, authKey: Buffer, blob: Buffer, powBits: number
): OpenedIntroduction {
  if (blob.length < KEY_BYTES + POW_NONCE_BYTES + 16) return { ok: false, reason: 'malformed' }
  const ephemeral = blob.subarray(0, KEY_BYTES)
  const powNonce = blob.subarray(KEY_BYTES, KEY_BYTES + POW_NONCE_BYTES)
  if (!checkPow(service.publicKey, authKey, ephemeral, powNonce, powBits)) return { ok: false, reason: 'pow' }
  const shared = x25519(service.x25519.privateKey, ephemeral)
  if (shared === undefined) return { ok: false, reason: 'decrypt' }
  const key = blobKey(shared, service.publicKey, authKey, ephemeral)
  const plain = open(key, 0, 0, Buffer.concat([authKey, powNonce]), blob.subarray(KEY_BYTES + POW_NONCE_BYTES))
  if (plain === undefined) return { ok: false, reason: 'decrypt' }
  const inner = tryDecode(decodeInner, plain)
  if (inner === undefined) return { ok: false, reason: 'malformed' }
  return { ok: true, inner, ephemeral: Buffer.from(ephemeral) }
}
