/**
 * A name registration: one link of a name's chain. Bytes, little-endian:
 *
 *   version    u8 = 1
 *   name       u8 len + ASCII     1..63, normalised (see name.ts)
 *   owner      32                 ed25519 public key
 *   target     kind u8 + u8 len + bytes
 *                1 content         root chunk id 32 ‖ root key 32 (a reference)
 *                2 hidden-service  the service's 32-byte public key
 *                3 mailbox         the mailbox's 32-byte public key
 *                4 station         a radio station's 32-byte public key (its id)
 *   created    u64                ms since the Unix epoch
 *   expires    u64                created < expires ≤ created + 33 days (30-day term + grace)
 *   previous   32                 id of the registration this one renews; zeros for a first one
 *   nonce      8                  proof of work
 *   signature  64                 ed25519 under namespaced(NS.nameRegistration, every byte above)
 *
 * A registration's id is SHA-256 of its encoding; a renewal names its
 * predecessor by that id, so a name builds up a verifiable history.
 *
 * Proof of work: leading zero bits of SHA-256(pow input) ≥ the difficulty a
 * node requires, with
 *   pow input = "tornet/names/pow/v1" ‖ name (u8 len + bytes) ‖ owner ‖ kind u8 ‖
 *               target (u8 len + bytes) ‖ previous ‖ created u64 ‖ nonce
 * The nonce is last so that a miner rewrites 8 bytes of one buffer. `created`
 * is in it (beyond the name, owner, target and previous that the design asks
 * for) so that proofs cannot be mined long in advance and kept: a claim dated
 * in the future is refused, and one dated in the past loses its term.
 */
import { sha256 } from '../../crypto/hash.js'
import { NS, namespaced } from '../../crypto/namespaces.js'
import {
  type Identity, NONCE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, leadingZeroBits, sign, verify
} from '../../identity/identity.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { NameErrorCode, type NameErrorCodeValue, nameErrorCodeOf } from './errors.js'
import { MAX_LABEL_CHARS, normalizeName } from './name.js'

export const REGISTRATION_VERSION = 1
export const DAY_MS = 24 * 3600_000
/** How long a registration is meant to last: the owner renews every term. */
export const TERM_MS = 30 * DAY_MS
/** Extra time past the term, so that a renewal a little late still links to its predecessor. */
export const GRACE_MS = 3 * DAY_MS
export const MAX_TERM_MS = TERM_MS + GRACE_MS
/**
 * Leading zero bits required by default: 2^22 ≈ 4.2 M hashes expected, about 3 s on one core of
 * the 2-core build machine (1.3-1.4 M SHA-256/s in-process, measured by bench/names-pow.ts).
 * The time to a proof is memoryless: one registration in twenty takes over three times that.
 */
export const DEFAULT_DIFFICULTY = 22
/** The `previous` of a first registration. */
export const NO_PREVIOUS: Buffer = Buffer.alloc(32)

const POW_TAG = Buffer.from('tornet/names/pow/v1')

export type TargetKind = 'content' | 'hidden-service' | 'mailbox' | 'station'

export interface NameTarget {
  kind: TargetKind
  /** content: chunk id ‖ key (64 bytes); hidden-service / mailbox / station: a 32-byte public key. */
  value: Buffer
}

export interface Registration {
  name: string
  owner: Buffer
  target: NameTarget
  created: number
  expires: number
  previous: Buffer
  nonce: Buffer
  signature: Buffer
}

export type UnsignedRegistration = Omit<Registration, 'nonce' | 'signature'>

export interface RegistrationPolicy {
  /** Leading zero bits a proof of work must have. */
  difficulty: number
  /** How far in the future `created` may be (the owner's clock against ours). */
  clockSkewMs: number
}

export const DEFAULT_REGISTRATION_POLICY: RegistrationPolicy = {
  difficulty: DEFAULT_DIFFICULTY,
  clockSkewMs: 10 * 60_000
}

const KIND_CODE: Record<TargetKind, number> = { content: 1, 'hidden-service': 2, mailbox: 3, station: 4 }
const KIND_OF: Record<number, TargetKind | undefined> = { 1: 'content', 2: 'hidden-service', 3: 'mailbox', 4: 'station' }
const TARGET_BYTES: Record<TargetKind, number> = { content: 64, 'hidden-service': 32, mailbox: 32, station: 32 }

export function targetKindCode (kind: TargetKind): number {
  const code = KIND_CODE[kind]
  if (code === undefined) throw new RangeError(`unknown target kind ${String(kind)}`)
  return code
}

/** True when the target's value has the length its kind requires. */
export function isValidTarget (t: NameTarget): boolean {
  return KIND_CODE[t.kind] !== undefined && t.value.length === TARGET_BYTES[t.kind]
}

function writeBody (w: Writer, r: UnsignedRegistration): Writer {
  if (r.owner.length !== PUBLIC_KEY_BYTES || r.previous.length !== 32) throw new RangeError('owner and previous must be 32 bytes')
  return w.u8(REGISTRATION_VERSION).string8(r.name).bytes(r.owner)
    .u8(targetKindCode(r.target.kind)).bytes8(r.target.value)
    .u64(r.created).u64(r.expires).bytes(r.previous)
}

export function encodeRegistration (r: Registration): Buffer {
  if (r.nonce.length !== NONCE_BYTES || r.signature.length !== SIGNATURE_BYTES) throw new RangeError('nonce must be 8 bytes, signature 64')
  return writeBody(new Writer(320), r).bytes(r.nonce).bytes(r.signature).finish()
}

/**
 * A name as registrations and GETs carry it: u8 length + ASCII. A byte above 0x7f is refused
 * here: read as Latin-1 it would re-encode (UTF-8) to other bytes, so a registration's id and
 * signature would no longer cover what was received (found by fuzzing).
 */
export function readAsciiName (r: Reader, what: string): string {
  const b = r.bytes8(MAX_LABEL_CHARS)
  for (let i = 0; i < b.length; i++) {
    if (b[i] > 0x7f) throw new WireError(`${what}: name is not ASCII`)
  }
  return b.toString('latin1')
}

/** Throws WireError on anything but exactly one registration (field rules are checkRegistration's). */
export function decodeRegistration (b: Uint8Array): Registration {
  const r = new Reader(b, 'name registration')
  const version = r.u8()
  if (version !== REGISTRATION_VERSION) throw new WireError(`name registration: unknown version ${version}`)
  const name = readAsciiName(r, 'name registration')
  const owner = Buffer.from(r.bytes(PUBLIC_KEY_BYTES))
  const kindCode = r.u8()
  const kind = KIND_OF[kindCode]
  if (kind === undefined) throw new WireError(`name registration: unknown target kind ${kindCode}`)
  const value = Buffer.from(r.bytes8(64))
  const created = r.u64()
  const expires = r.u64()
  const previous = Buffer.from(r.bytes(32))
  const nonce = Buffer.from(r.bytes(NONCE_BYTES))
  const signature = Buffer.from(r.bytes(SIGNATURE_BYTES))
  r.end()
  return { name, owner, target: { kind, value }, created, expires, previous, nonce, signature }
}

/** SHA-256 of the encoding: what a renewal's `previous` holds. */
export function registrationId (r: Registration): Buffer {
  return sha256(encodeRegistration(r))
}

export function isFirstRegistration (r: Pick<Registration, 'previous'>): boolean {
  return r.previous.equals(NO_PREVIOUS)
}

/** The proof-of-work input without its trailing 8-byte nonce. */
export function powPrefix (u: UnsignedRegistration): Buffer {
  return new Writer(200).bytes(POW_TAG).string8(u.name).bytes(u.owner)
    .u8(targetKindCode(u.target.kind)).bytes8(u.target.value).bytes(u.previous).u64(u.created).finish()
}

/** Leading zero bits of the registration's proof of work. */
export function powBits (r: UnsignedRegistration & { nonce: Buffer }): number {
  return leadingZeroBits(sha256(powPrefix(r), r.nonce))
}

function signedMessage (u: UnsignedRegistration, nonce: Buffer): Buffer {
  return namespaced(NS.nameRegistration, writeBody(new Writer(256), u).bytes(nonce).finish())
}

export function signRegistration (identity: Pick<Identity, 'secretKey'>, u: UnsignedRegistration, nonce: Buffer): Registration {
  if (nonce.length !== NONCE_BYTES) throw new RangeError('nonce must be 8 bytes')
  return { ...u, nonce, signature: sign(identity, signedMessage(u, nonce)) }
}

export function verifyRegistrationSignature (r: Registration): boolean {
  return verify(r.owner, signedMessage(r, r.nonce), r.signature)
}

/**
 * The rules one registration must meet on its own, cheapest first. With
 * `allowExpired` an expired link passes (it is history inside a chain). With
 * `skipSignature` the signature is not checked: only for links read back from
 * our own disk, which were verified before they were saved (a signature check
 * costs about as much as everything else here together, times a thousand).
 * Undefined when valid, else the reason.
 */
export function checkRegistration (
  r: Registration, now: number, policy: RegistrationPolicy = DEFAULT_REGISTRATION_POLICY,
  opts: { allowExpired?: boolean, skipSignature?: boolean } = {}
): NameErrorCodeValue | undefined {
  try {
    if (normalizeName(r.name) !== r.name) return NameErrorCode.INVALID
  } catch (err) {
    return nameErrorCodeOf(err) ?? NameErrorCode.INVALID
  }
  if (!isValidTarget(r.target)) return NameErrorCode.MALFORMED
  if (!Number.isSafeInteger(r.created) || !Number.isSafeInteger(r.expires)) return NameErrorCode.MALFORMED
  if (r.expires <= r.created || r.expires - r.created > MAX_TERM_MS) return NameErrorCode.MALFORMED
  if (r.created > now + policy.clockSkewMs) return NameErrorCode.FROM_THE_FUTURE
  if (opts.allowExpired !== true && r.expires <= now) return NameErrorCode.EXPIRED
  if (powBits(r) < policy.difficulty) return NameErrorCode.POW_INSUFFICIENT
  if (opts.skipSignature !== true && !verifyRegistrationSignature(r)) return NameErrorCode.BAD_SIGNATURE
  return undefined
}
