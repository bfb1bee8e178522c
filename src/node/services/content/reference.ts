import { TORNET_SUFFIX } from '../../constants.js'
import { sha256 } from '../../crypto/hash.js'
import { FsError, FsErrorCode } from './errors.js'
import { base32Decode, base32Encode } from '../../wire/base32.js'

/**
 * A reference names published content: the root chunk's id and key. As a
 * host name (`http://<ref>.tor-net/`) it is written as lowercase RFC 4648
 * base32 without padding, split into two DNS labels.
 *
 * Bytes encoded (70 bytes → 112 base32 characters → two labels of 56):
 *   version u8 = 1 · chunk id 32 · key 32 · check 5
 *   check = SHA-256("tornet/reference" ‖ version ‖ id ‖ key)[0..5]
 *
 * A resolver tells a reference from a registered name by shape: exactly two
 * labels of exactly 56 base32 characters whose version is known and whose
 * 40-bit check matches (a random or mistyped name passes with odds of 2^-40).
 * Labels stay under DNS's 63; the whole `<ref>.tor-net` is 121 characters.
 */
export interface Reference {
  /** Root chunk id: SHA-256 of its ciphertext. */
  id: Buffer
  /** Root chunk key: SHA-256 of its plaintext. */
  key: Buffer
}

export const REFERENCE_VERSION = 1
export const REFERENCE_LABEL_CHARS = 56
const CHECK_BYTES = 5
const PAYLOAD_BYTES = 1 + 32 + 32 + CHECK_BYTES
const CHECK_TAG = Buffer.from('tornet/reference')
export function formatReference (ref: Reference): string {
  if (ref.id.length !== 32 || ref.key.length !== 32) throw new RangeError('reference id and key must be 32 bytes')
  const head = Buffer.concat([Buffer.of(REFERENCE_VERSION), ref.id, ref.key])
  const text = base32Encode(Buffer.concat([head, checkOf(head)]))
  return `${text.slice(0, REFERENCE_LABEL_CHARS)}.${text.slice(REFERENCE_LABEL_CHARS)}`
}

/**
 * Parses `<label>.<label>`, optionally followed by `.tor-net` and a final dot,
 * in any letter case. Throws FsError FS_REF_MALFORMED, FS_REF_VERSION or
 * FS_REF_CHECKSUM.
 */
export function parseReference (hostPart: string): Reference {
  const labels = stripSuffix(hostPart).split('.')
  if (labels.length !== 2 || labels.some(l => l.length !== REFERENCE_LABEL_CHARS)) {
    throw new FsError(FsErrorCode.REF_MALFORMED, `a reference is two labels of ${REFERENCE_LABEL_CHARS} base32 characters`)
  }
  const bytes = base32Decode(labels[0] + labels[1])
  if (bytes === undefined || bytes.length !== PAYLOAD_BYTES) {
    throw new FsError(FsErrorCode.REF_MALFORMED, 'a reference may only contain the letters a-z and digits 2-7')
  }
  if (bytes[0] !== REFERENCE_VERSION) {
    throw new FsError(FsErrorCode.REF_VERSION, `unknown reference version ${bytes[0]}; this node reads version ${REFERENCE_VERSION}`)
  }
  const head = bytes.subarray(0, 65)
  if (!checkOf(head).equals(bytes.subarray(65))) {
    throw new FsError(FsErrorCode.REF_CHECKSUM, 'reference checksum does not match: the address is mistyped or cut short')
  }
  return { id: Buffer.from(head.subarray(1, 33)), key: Buffer.from(head.subarray(33, 65)) }
}

/** True when `host` (with or without `.tor-net`) is a well-formed, checksummed reference. */
export function isReferenceHost (host: string): boolean {
  try {
    parseReference(host)
    return true
  } catch {
    return false
  }
}

function stripSuffix (host: string): string {
  let h = host.endsWith('.') ? host.slice(0, -1) : host
  if (h.toLowerCase().endsWith(TORNET_SUFFIX)) h = h.slice(0, -TORNET_SUFFIX.length)
  return h
}

function checkOf (head: Buffer): Buffer {
  return sha256(CHECK_TAG, head).subarray(0, CHECK_BYTES)
}
