import { ed25519 } from '@noble/curves/ed25519.js'
import { base32Decode, base32Encode, base32Length } from '../../wire/base32.js'
import { normalizeName } from '../names/name.js'
import { MailError, MailErrorCode } from './errors.js'

/**
 * Mail addresses, as a user types them (case and surrounding blanks ignored,
 * `Alice <alice@tor-net>` taken as `alice@tor-net`):
 *   NAME@tor-net     NAME.tor-net targets the mailbox (NAME as the names service normalises it,
 *                    so `Bücher@tor-net` is `xn--bcher-kva@tor-net`)
 *   NAME@bit         the Namecoin record d/NAME carries the mailbox key
 *   <key>@tor-net    the ed25519 signing key itself: 52 RFC 4648 base32 digits, lower case
 * A 52-character local part made only of base32 digits is always read as a key (a
 * name of that shape would be ambiguous), and must be a valid ed25519 point.
 * Anything else is refused with MAIL_BAD_ADDRESS saying which form was meant.
 */
export type ParsedAddress =
  | { kind: 'name', name: string }
  | { kind: 'bit', name: string }
  | { kind: 'key', signingKey: Buffer }

export const KEY_ADDRESS_CHARS = base32Length(32)
const MAX_ADDRESS_INPUT = 320 // RFC 3696's bound on a mail address
const BASE32_KEY = new RegExp(`^[a-z2-7]{${KEY_ADDRESS_CHARS}}$`)
// Namecoin d/ names as DNS labels (what the .bit resolver accepts).
const BIT_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const FORMS = 'write NAME@tor-net, NAME@bit, or a mailbox key as <52 base32 digits>@tor-net'

function bad (input: string, why: string): MailError {
  return new MailError(MailErrorCode.BAD_ADDRESS, `'${input.slice(0, 80)}' is not a mail address: ${why}; ${FORMS}`)
}

export function parseAddress (text: string): ParsedAddress {
  if (typeof text !== 'string') throw bad(String(text), 'it is not text')
  if (text.length > MAX_ADDRESS_INPUT) throw bad(text, `it is longer than ${MAX_ADDRESS_INPUT} characters`)
  let s = text.trim()
  const angle = /^[^<>]*<([^<>]*)>$/.exec(s)
  if (angle !== null) s = angle[1].trim()
  const at = s.lastIndexOf('@')
  if (at < 0) throw bad(text, 'it has no @')
  const local = s.slice(0, at)
  const domain = s.slice(at + 1).toLowerCase()
  if (local.length === 0) throw bad(text, 'nothing before the @')
  if (local.includes('@')) throw bad(text, 'it has more than one @')
  if (domain === 'bit') {
    const name = local.toLowerCase()
    if (!BIT_LABEL.test(name)) throw bad(text, 'a .bit name is 1-63 letters, digits and hyphens, not starting or ending with a hyphen')
    return { kind: 'bit', name }
  }
  if (domain !== 'tor-net') throw bad(text, `the domain must be tor-net or bit, not '${domain.slice(0, 40)}'`)
  const lower = local.toLowerCase()
  if (BASE32_KEY.test(lower)) {
    const signingKey = base32Decode(lower)
    if (signingKey === undefined || signingKey.length !== 32) throw bad(text, 'its last key digit is not possible for a 32-byte key (a typing error?)')
    if (!isPoint(signingKey)) throw bad(text, 'the key is not a valid ed25519 public key (a typing error?)')
    return { kind: 'key', signingKey }
  }
  try {
    return { kind: 'name', name: normalizeName(local) }
  } catch (err) {
    throw new MailError(MailErrorCode.BAD_ADDRESS, `'${text.slice(0, 80)}' is not a mail address: ${(err as Error).message}`, { cause: err })
  }
}

/** The raw-key address of a mailbox: always valid, needs no name. */
export function keyAddress (signingKey: Buffer): string {
  if (signingKey.length !== 32) throw new MailError(MailErrorCode.BAD_ARGUMENT, 'a mailbox signing key is 32 bytes')
  return `${base32Encode(signingKey)}@tor-net`
}

export function formatAddress (a: ParsedAddress): string {
  switch (a.kind) {
    case 'name': return `${a.name}@tor-net`
    case 'bit': return `${a.name}@bit`
    case 'key': return keyAddress(a.signingKey)
  }
}

/** The canonical spelling of a typed address (throws MAIL_BAD_ADDRESS). */
export function normalizeAddress (text: string): string {
  return formatAddress(parseAddress(text))
}

function isPoint (key: Buffer): boolean {
  try {
    ed25519.Point.fromHex(key.toString('hex'))
    return true
  } catch {
    return false
  }
}
