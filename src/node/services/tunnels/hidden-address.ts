/**
 * A hidden service's own key as a `.tor-net` host, so a service is reachable
 * without a registered name (Tor's v3 onion address, in our alphabet):
 *
 *   <label>.tor-net   label = base32(public key 32 ‖ check 2 ‖ version 1) = 56 characters
 *   check = SHA-256("tornet/hidden-service" ‖ public key ‖ version)[0..2]
 *
 * Why this shape: it can collide with nothing else a `.tor-net` host means.
 * A registered name never is a single 56-character base32 label (the names
 * rules refuse it, src/node/services/names/name.ts), and a content reference
 * is two such labels. The bare 52-character key would be a valid name. The
 * check catches a mistyped address (all but 1 in 65,536) before any lookup,
 * and the version byte leaves room for another key type.
 */
import { TORNET_SUFFIX } from '../../constants.js'
import { sha256 } from '../../crypto/hash.js'
import { base32Decode, base32Encode } from '../../wire/base32.js'

export const HIDDEN_ADDRESS_VERSION = 1
export const HIDDEN_ADDRESS_CHARS = 56
const KEY_BYTES = 32
const CHECK_BYTES = 2
const CHECK_TAG = Buffer.from('tornet/hidden-service')
const SHAPE = new RegExp(`^[a-z2-7]{${HIDDEN_ADDRESS_CHARS}}$`)

/** The label for a service key (without `.tor-net`). */
export function hiddenAddressLabel (publicKey: Uint8Array): string {
  if (publicKey.length !== KEY_BYTES) throw new RangeError('a hidden service key is 32 bytes')
  const version = Buffer.of(HIDDEN_ADDRESS_VERSION)
  return base32Encode(Buffer.concat([publicKey, checkOf(publicKey, version), version]))
}

/** The host a service key opens at: `<label>.tor-net`. */
export function keyHost (publicKey: Uint8Array): string {
  return hiddenAddressLabel(publicKey) + TORNET_SUFFIX
}

/**
 * What a host says: not this form at all ('none', e.g. a name), a key, or a
 * host of this shape whose check or version is wrong ('bad': a mistyped address,
 * never worth a name lookup since no name has this shape). Lowercase host, with
 * or without `.tor-net`.
 */
export function parseKeyHost (host: string): { kind: 'none' } | { kind: 'bad', why: string } | { kind: 'key', publicKey: Buffer } {
  const label = host.endsWith(TORNET_SUFFIX) ? host.slice(0, -TORNET_SUFFIX.length) : host
  if (!SHAPE.test(label)) return { kind: 'none' }
  const bytes = base32Decode(label)
  if (bytes === undefined || bytes.length !== KEY_BYTES + CHECK_BYTES + 1) {
    return { kind: 'bad', why: 'its last character is not possible for a hidden-service address' }
  }
  const publicKey = Buffer.from(bytes.subarray(0, KEY_BYTES))
  const version = Buffer.from(bytes.subarray(KEY_BYTES + CHECK_BYTES))
  if (version[0] !== HIDDEN_ADDRESS_VERSION) return { kind: 'bad', why: `it has address version ${version[0]}; this node reads version ${HIDDEN_ADDRESS_VERSION}` }
  if (!checkOf(publicKey, version).equals(bytes.subarray(KEY_BYTES, KEY_BYTES + CHECK_BYTES))) {
    return { kind: 'bad', why: 'its checksum does not match: the address is mistyped or cut short' }
  }
  return { kind: 'key', publicKey }
}

function checkOf (publicKey: Uint8Array, version: Buffer): Buffer {
  return sha256(CHECK_TAG, Buffer.from(publicKey), version).subarray(0, CHECK_BYTES)
}
