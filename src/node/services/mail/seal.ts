import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib'
import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto'
import { sha256 } from '../../crypto/hash.js'
import { NS, namespaced } from '../../crypto/namespaces.js'
import { sign, verify } from '../../identity/identity.js'
import { generateX25519, hkdf, x25519, x25519FromSecret } from '../../link/link-crypto.js'
import { MailError, MailErrorCode } from './errors.js'
import type { MailKeys } from './mail-keys.js'

/**
 * A sealed message: what is published as chunks and what only its recipient can open.
 *
 *   version u8 = 1 · ephemeral X25519 public key 32 · key check 8 · ciphertext · tag 16
 *
 *   shared   = X25519(ephemeral secret, recipient encryption key)
 *   key‖check = HKDF-SHA256(shared, salt = ephemeral ‖ recipient encryption key ‖ mailbox id,
 *                           info = "tornet/mail/seal/v1", 40 bytes)
 *   AEAD     = ChaCha20-Poly1305(key, nonce = 0^12 (the key is fresh per message), aad = the 41 header bytes)
 *
 * The key check tells "not for me" (MAIL_WRONG_KEY) from "damaged" (MAIL_BAD_SEAL) without a
 * trial decryption, and reveals nothing to whoever lacks the shared secret. Plaintext:
 *
 *   compression u8 (0 none, 1 brotli) · sender signing key 32 · signature 64 · body
 *   signature = ed25519(sender, NS mail/seal ‖ SHA-256(mailbox id ‖ sender key ‖ SHA-256(message)))
 *
 * The sender's key and signature are inside the seal, so hosts and relays never learn who
 * wrote to whom; the mailbox id inside the signature stops a recipient re-sealing a signed
 * message to a third party as if it had been sent to them.
 */

export const SEAL_VERSION = 1
/** Bound on a sealed message (what a recipient fetches before opening). */
export const MAX_SEALED_BYTES = 32 * 1024 * 1024
/** Bound on the opened message: a small seal must not inflate into unbounded memory. */
export const MAX_PLAIN_BYTES = 48 * 1024 * 1024

const EPHEMERAL_BYTES = 32
const CHECK_BYTES = 8
const TAG_BYTES = 16
const HEADER_BYTES = 1 + EPHEMERAL_BYTES + CHECK_BYTES
const INNER_HEAD_BYTES = 1 + 32 + 64
/** The shortest well-formed seal (an empty message, stored uncompressed). */
export const MIN_SEALED_BYTES = HEADER_BYTES + INNER_HEAD_BYTES + TAG_BYTES
const INFO = 'tornet/mail/seal/v1'
const NONCE = Buffer.alloc(12)
const ALGO = 'chacha20-poly1305'
const COMPRESSION_NONE = 0
const COMPRESSION_BROTLI = 1
// Brotli quality 4: text shrinks to a few %, base64 attachments to ~76 % (their 6 bits a byte); higher
// qualities cost more time for no gain on either (seal speed: npm run bench -- mail-store).
const BROTLI_QUALITY = 4

export interface SealRecipient {
  mailboxId: Buffer
  encryptionKey: Buffer
}

export interface OpenedMail {
  plain: Buffer
  senderSigningKey: Buffer
}

function deriveKeys (shared: Buffer, ephemeral: Uint8Array, encryptionKey: Uint8Array, mailboxId: Uint8Array): { key: Buffer, check: Buffer } {
  const out = hkdf(shared, Buffer.concat([ephemeral, encryptionKey, mailboxId]), INFO, 32 + CHECK_BYTES)
  return { key: out.subarray(0, 32), check: out.subarray(32) }
}

function signedPayload (mailboxId: Uint8Array, senderKey: Uint8Array, plain: Uint8Array): Buffer {
  return namespaced(NS.mailSeal, mailboxId, senderKey, sha256(plain))
}

function compress (plain: Buffer): { kind: number, body: Buffer } {
  if (plain.length < 64) return { kind: COMPRESSION_NONE, body: plain }
  const packed = brotliCompressSync(plain, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: plain.length
    }
  })
  return packed.length < plain.length ? { kind: COMPRESSION_BROTLI, body: packed } : { kind: COMPRESSION_NONE, body: plain }
}

/** Seals `plain` (an RFC 5322 message) from `from` to one recipient mailbox. Throws MAIL_OVERSIZED or MAIL_BAD_ARGUMENT. */
export function sealMail (plain: Buffer, from: MailKeys, to: SealRecipient): Buffer {
  if (to.mailboxId.length !== 32 || to.encryptionKey.length !== 32) {
    throw new MailError(MailErrorCode.BAD_ARGUMENT, 'a recipient is a 32-byte mailbox id and a 32-byte encryption key')
  }
  if (plain.length > MAX_PLAIN_BYTES) {
    throw new MailError(MailErrorCode.OVERSIZED, `the message is ${plain.length} bytes; the limit is ${MAX_PLAIN_BYTES}: send large files as a published link instead`)
  }
  const eph = generateX25519()
  const shared = x25519(eph.privateKey, to.encryptionKey)
  if (shared === undefined) throw new MailError(MailErrorCode.BAD_ARGUMENT, 'the recipient encryption key is not a usable X25519 key')
  const { key, check } = deriveKeys(shared, eph.publicKey, to.encryptionKey, to.mailboxId)
  const signature = sign({ secretKey: from.signingSecret }, signedPayload(to.mailboxId, from.signingKey, plain))
  const { kind, body } = compress(plain)
  const header = Buffer.concat([Buffer.of(SEAL_VERSION), eph.publicKey, check])
  const sealedLength = HEADER_BYTES + INNER_HEAD_BYTES + body.length + TAG_BYTES
  if (sealedLength > MAX_SEALED_BYTES) {
    throw new MailError(MailErrorCode.OVERSIZED, `the sealed message would be ${sealedLength} bytes; the limit is ${MAX_SEALED_BYTES}: send large files as a published link instead`)
  }
  const c = createCipheriv(ALGO, key, NONCE, { authTagLength: TAG_BYTES })
  c.setAAD(header, { plaintextLength: INNER_HEAD_BYTES + body.length })
  const parts = [header, c.update(Buffer.concat([Buffer.of(kind), from.signingKey, signature])), c.update(body)]
  c.final()
  parts.push(c.getAuthTag())
  return Buffer.concat(parts)
}

/**
 * Opens a sealed message addressed to `me`. Throws MailError: MAIL_OVERSIZED, MAIL_UNKNOWN_VERSION,
 * MAIL_WRONG_KEY (for another mailbox), MAIL_BAD_SEAL (truncated or altered), MAIL_BAD_SIGNATURE.
 */
export function openMail (sealed: Buffer, me: Pick<MailKeys, 'id' | 'encryptionKey' | 'encryptionSecret'>): OpenedMail {
  if (sealed.length > MAX_SEALED_BYTES) throw new MailError(MailErrorCode.OVERSIZED, `a sealed message of ${sealed.length} bytes is over the ${MAX_SEALED_BYTES}-byte limit`)
  if (sealed.length === 0) throw new MailError(MailErrorCode.BAD_SEAL, 'the sealed message is empty')
  if (sealed[0] !== SEAL_VERSION) {
    throw new MailError(MailErrorCode.UNKNOWN_VERSION, `sealed message version ${sealed[0]} is not known to this node (it knows ${SEAL_VERSION}): update Tornet`)
  }
  if (sealed.length < MIN_SEALED_BYTES) throw new MailError(MailErrorCode.BAD_SEAL, `the sealed message is truncated (${sealed.length} bytes, at least ${MIN_SEALED_BYTES})`)
  const ephemeral = sealed.subarray(1, 1 + EPHEMERAL_BYTES)
  const check = sealed.subarray(1 + EPHEMERAL_BYTES, HEADER_BYTES)
  const shared = x25519(x25519FromSecret(me.encryptionSecret).privateKey, ephemeral)
  if (shared === undefined) throw new MailError(MailErrorCode.BAD_SEAL, 'the sealed message carries an unusable ephemeral key')
  const keys = deriveKeys(shared, ephemeral, me.encryptionKey, me.id)
  if (!timingSafeEqual(keys.check, check)) throw new MailError(MailErrorCode.WRONG_KEY, 'the message is not sealed to this mailbox')
  let inner: Buffer
  try {
    const d = createDecipheriv(ALGO, keys.key, NONCE, { authTagLength: TAG_BYTES })
    d.setAAD(sealed.subarray(0, HEADER_BYTES), { plaintextLength: sealed.length - HEADER_BYTES - TAG_BYTES })
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    inner = d.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES))
    d.final()
  } catch (err) {
    throw new MailError(MailErrorCode.BAD_SEAL, 'the sealed message was altered or damaged on the way (its authentication tag does not verify)', { cause: err })
  }
  const kind = inner[0]
  const senderSigningKey = Buffer.from(inner.subarray(1, 33))
  const signature = inner.subarray(33, INNER_HEAD_BYTES)
  const body = inner.subarray(INNER_HEAD_BYTES)
  let plain: Buffer
  if (kind === COMPRESSION_NONE) {
    plain = Buffer.from(body)
  } else if (kind === COMPRESSION_BROTLI) {
    try {
      plain = brotliDecompressSync(body, { maxOutputLength: MAX_PLAIN_BYTES })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new MailError(MailErrorCode.OVERSIZED, `the message expands beyond ${MAX_PLAIN_BYTES} bytes`, { cause: err })
      }
      throw new MailError(MailErrorCode.BAD_SEAL, 'the message inside the seal does not decompress', { cause: err })
    }
  } else {
    throw new MailError(MailErrorCode.UNKNOWN_VERSION, `the message uses compression ${kind}, unknown to this node: update Tornet`)
  }
  if (!verify(senderSigningKey, signedPayload(me.id, senderSigningKey, plain), signature)) {
    throw new MailError(MailErrorCode.BAD_SIGNATURE, 'the sender signature inside the seal does not verify: the message is forged or was re-sealed by someone else')
  }
  return { plain, senderSigningKey }
}
