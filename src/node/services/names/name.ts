import { domainToASCII, domainToUnicode } from 'node:url'
import { sha256 } from '../../crypto/hash.js'
import { TORNET_SUFFIX } from '../../constants.js'
import { REFERENCE_LABEL_CHARS, isReferenceHost } from '../content/reference.js'
import { NameError, NameErrorCode } from './errors.js'

/**
 * Tornet names: `<name>.tor-net`. The registered name is ONE DNS label in its
 * ASCII (IDNA/punycode) form: `Bücher.tor-net` registers `xn--bcher-kva`.
 * Hosts with more labels (`www.shop.tor-net`) are the site's own business: the
 * resolver maps them to the registered label on the right, so registering
 * them is refused rather than creating a second, overlapping namespace.
 * Two labels of 56 base32 characters are a content reference, never a name;
 * a single 56-character base32 label is refused too, so that a name can never
 * be mistaken for half of one.
 */

export const MAX_LABEL_CHARS = 63
/** Longest input looked at, before any processing (a DNS name is at most 253 characters). */
export const MAX_NAME_INPUT_CHARS = 253

/** Names the gateway or common software gives a meaning to. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'tornet', 'tor-net', 'gateway', 'localhost', 'local', 'proxy', 'wpad', 'www', 'dashboard',
  'admin', 'root', 'test', 'example', 'invalid', 'bit', 'onion', 'i2p', 'freenet'
])

const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/
// ASCII that may appear in a name as typed; anything else ASCII (%, /, _, space, ...) is refused
// before IDNA, which would otherwise percent-decode or map some of it silently.
const ASCII_ALLOWED = /^[A-Za-z0-9.-]$/
const BASE32_LABEL = new RegExp(`^[a-z2-7]{${REFERENCE_LABEL_CHARS}}$`)

function invalid (input: string, why: string): NameError {
  return new NameError(NameErrorCode.INVALID, `'${input.slice(0, 80)}' is not a valid Tornet name: ${why}`)
}

/**
 * The canonical name for `input` ("Bücher", "bücher.tor-net", "SHOP.tor-net."),
 * without the `.tor-net` suffix. Throws NameError NAME_INVALID or NAME_RESERVED.
 */
export function normalizeName (input: string): string {
  if (typeof input !== 'string' || input.length === 0) throw invalid(String(input), 'it is empty')
  if (input.length > MAX_NAME_INPUT_CHARS) throw invalid(input, `it is longer than ${MAX_NAME_INPUT_CHARS} characters`)
  for (const ch of input) {
    if (ch.charCodeAt(0) < 0x80 && !ASCII_ALLOWED.test(ch)) throw invalid(input, `the character ${JSON.stringify(ch)} is not allowed`)
  }
  if (isReferenceHost(input)) {
    throw new NameError(NameErrorCode.RESERVED, 'this is a content reference, not a name: it opens without registration')
  }
  let host = input.endsWith('.') ? input.slice(0, -1) : input
  if (!host.toLowerCase().endsWith(TORNET_SUFFIX)) host += TORNET_SUFFIX
  const ascii = domainToASCII(host)
  if (ascii === '' || !ascii.endsWith(TORNET_SUFFIX)) throw invalid(input, 'it is not a valid internationalised domain name')
  const labels = ascii.slice(0, -TORNET_SUFFIX.length).split('.')
  if (labels.length !== 1) throw invalid(input, 'a name is a single label (register "shop", not "www.shop")')
  const label = labels[0]
  if (label.length === 0) throw invalid(input, 'it is empty')
  if (label.length > MAX_LABEL_CHARS) throw invalid(input, `its ASCII form has ${label.length} characters; the limit is ${MAX_LABEL_CHARS}`)
  if (!LABEL.test(label)) throw invalid(input, 'use letters, digits and hyphens, not starting or ending with a hyphen')
  if (label.slice(2, 4) === '--') {
    // Hyphens in positions 3-4 are kept for IDNA ("xn--"); an xn-- label must be valid punycode.
    if (!label.startsWith('xn--') || domainToASCII(domainToUnicode(label)) !== label) {
      throw invalid(input, 'two hyphens in the third and fourth positions are kept for internationalised names')
    }
  }
  if (RESERVED_NAMES.has(label)) throw new NameError(NameErrorCode.RESERVED, `'${label}' is reserved`)
  if (BASE32_LABEL.test(label)) {
    throw new NameError(NameErrorCode.RESERVED, `a ${REFERENCE_LABEL_CHARS}-character base32 label looks like part of a content reference`)
  }
  return label
}

/** True when normalizeName would accept `input`. */
export function isValidName (input: string): boolean {
  try {
    normalizeName(input)
    return true
  } catch {
    return false
  }
}

/** The host a normalised name is opened at. */
export function nameHost (name: string): string {
  return name + TORNET_SUFFIX
}

/** The name as a person reads it (punycode decoded), for display only. */
export function displayName (name: string): string {
  return domainToUnicode(name) || name
}

/** Where a name's registrations live in the DHT: SHA-256("name:" ‖ name). */
export function nameKey (name: string): Buffer {
  return sha256(Buffer.from('name:'), Buffer.from(name, 'ascii'))
}
