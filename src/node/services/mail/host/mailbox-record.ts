/**
 * A mailbox host record: which keys a mailbox has, signed by the mailbox's
 * own signing key. It lives on the k nodes nearest the mailbox id
 * (SHA-256 of the signing key); those nodes are the mailbox's hosts and take
 * pushes for it while they hold it. Senders read it for the encryption key.
 * Bytes, little-endian (145):
 *
 *   version        u8 = 1
 *   signing key    32   ed25519 public key; SHA-256 of it is the mailbox id (the location)
 *   encryption key 32   X25519 public key the sender seals to
 *   issued at      u64  ms since the Unix epoch; the record lives RECORD_LIFETIME_MS from it
 *   seq            u64  higher replaces lower (the owner uses its clock)
 *   signature      64   ed25519 over namespaced(NS.mailboxRecord, every byte above)
 */
import { sha256 } from '../../../crypto/hash.js'
import { NS, namespaced } from '../../../crypto/namespaces.js'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sign, verify } from '../../../identity/identity.js'
import { Reader, WireError, Writer } from '../../../wire/codec.js'
import { MailErrorCode, type MailErrorCodeValue } from '../errors.js'

export const MAILBOX_RECORD_VERSION = 1
export const MAILBOX_RECORD_BYTES = 1 + 32 + 32 + 8 + 8 + SIGNATURE_BYTES
/** A record unrefreshed this long is gone: an owner away a week loses its hosts (it re-announces on return). */
export const RECORD_LIFETIME_MS = 7 * 24 * 3600_000
/** How far ahead of this node's clock an owner's may run. */
export const RECORD_CLOCK_SKEW_MS = 10 * 60_000

export interface MailboxRecord {
  signingKey: Buffer
  encryptionKey: Buffer
  issuedAt: number
  seq: number
  signature: Buffer
}

export type UnsignedMailboxRecord = Omit<MailboxRecord, 'signature'>

export function mailboxLocation (signingKey: Uint8Array): Buffer {
  return sha256(signingKey)
}

function writeBody (w: Writer, r: UnsignedMailboxRecord): Writer {
  if (r.signingKey.length !== PUBLIC_KEY_BYTES || r.encryptionKey.length !== 32) throw new RangeError('mailbox keys are 32 bytes each')
  return w.u8(MAILBOX_RECORD_VERSION).bytes(r.signingKey).bytes(r.encryptionKey).u64(r.issuedAt).u64(r.seq)
}

export function encodeMailboxRecord (r: MailboxRecord): Buffer {
  if (r.signature.length !== SIGNATURE_BYTES) throw new RangeError('signature must be 64 bytes')
  return writeBody(new Writer(MAILBOX_RECORD_BYTES), r).bytes(r.signature).finish()
}

/** Throws WireError on anything that is not exactly one record. */
export function decodeMailboxRecord (b: Uint8Array): MailboxRecord {
  if (b.length !== MAILBOX_RECORD_BYTES) throw new WireError(`mailbox record: ${b.length} bytes, not ${MAILBOX_RECORD_BYTES}`)
  const r = new Reader(b, 'mailbox record')
  const version = r.u8()
  if (version !== MAILBOX_RECORD_VERSION) throw new WireError(`mailbox record: unknown version ${version}`)
  const signingKey = Buffer.from(r.bytes(32))
  const encryptionKey = Buffer.from(r.bytes(32))
  const issuedAt = r.u64()
  const seq = r.u64()
  const signature = Buffer.from(r.bytes(SIGNATURE_BYTES))
  r.end()
  return { signingKey, encryptionKey, issuedAt, seq, signature }
}

function signedMessage (r: UnsignedMailboxRecord): Buffer {
  return namespaced(NS.mailboxRecord, writeBody(new Writer(MAILBOX_RECORD_BYTES), r).finish())
}

/** Signs with the mailbox's ed25519 secret (the 32-byte seed). */
export function signMailboxRecord (signingSecret: Buffer, r: UnsignedMailboxRecord): MailboxRecord {
  return { ...r, signature: sign({ secretKey: signingSecret }, signedMessage(r)) }
}

/** The stateless rules, cheapest first; undefined when the record may be held. */
export function checkMailboxRecord (r: MailboxRecord, now: number): MailErrorCodeValue | undefined {
  if (!Number.isSafeInteger(r.issuedAt) || !Number.isSafeInteger(r.seq)) return MailErrorCode.MALFORMED
  if (r.issuedAt > now + RECORD_CLOCK_SKEW_MS || r.issuedAt + RECORD_LIFETIME_MS <= now) return MailErrorCode.RECORD_INVALID
  if (!verify(r.signingKey, signedMessage(r), r.signature)) return MailErrorCode.RECORD_INVALID
  return undefined
}

export function expiresOf (r: MailboxRecord): number {
  return r.issuedAt + RECORD_LIFETIME_MS
}

/** Positive when `a` is newer: higher seq, then later issue, then the larger hash (the same order on every node). */
export function compareMailboxRecords (a: MailboxRecord, b: MailboxRecord): number {
  if (a.seq !== b.seq) return a.seq > b.seq ? 1 : -1
  if (a.issuedAt !== b.issuedAt) return a.issuedAt > b.issuedAt ? 1 : -1
  return Buffer.compare(sha256(encodeMailboxRecord(a)), sha256(encodeMailboxRecord(b)))
}
