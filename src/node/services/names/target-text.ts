import { formatReference, parseReference } from '../content/reference.js'
import { NameError, NameErrorCode } from './errors.js'
import type { NameTarget } from './registration.js'

/**
 * A name's target as people type and read it (the CLI's `<target>`, the
 * resolver's answer):
 *   <reference> or <reference>.tor-net   content (two base32 labels, see content/reference.ts)
 *   hidden-service:<64 hex digits>        a hidden service's public key
 *   mailbox:<64 hex digits>               a mailbox's public key
 *   station:<64 hex digits>               a radio station's id (its public key)
 */
export type TargetText =
  | { kind: 'content', reference: string }
  | { kind: 'hidden-service', publicKey: string }
  | { kind: 'mailbox', publicKey: string }
  | { kind: 'station', publicKey: string }

const KEY_HEX = /^[0-9a-f]{64}$/

/** Throws NameError NAME_MALFORMED when the text is none of the forms above. */
export function parseTarget (text: string): NameTarget {
  const s = text.trim().toLowerCase()
  const colon = s.indexOf(':')
  if (colon >= 0) {
    const kind = s.slice(0, colon)
    const hex = s.slice(colon + 1)
    if ((kind === 'hidden-service' || kind === 'mailbox' || kind === 'station') && KEY_HEX.test(hex)) return { kind, value: Buffer.from(hex, 'hex') }
    throw new NameError(NameErrorCode.MALFORMED, `'${text.slice(0, 80)}': write hidden-service:<64 hex digits>, mailbox:<64 hex digits> or station:<64 hex digits>`)
  }
  try {
    const ref = parseReference(s)
    return { kind: 'content', value: Buffer.concat([ref.id, ref.key]) }
  } catch (err) {
    throw new NameError(NameErrorCode.MALFORMED, `'${text.slice(0, 80)}' is not a content reference, hidden-service:<key>, mailbox:<key> or station:<key>`, { cause: err })
  }
}

/** The target in the shape the .tor-net resolver returns (public keys in lowercase hex). */
export function describeTarget (t: NameTarget): TargetText {
  if (t.kind === 'content') return { kind: 'content', reference: formatReference({ id: t.value.subarray(0, 32), key: t.value.subarray(32, 64) }) }
  return { kind: t.kind, publicKey: t.value.toString('hex') }
}

/** One line for `tornet name show`. */
export function formatTarget (t: NameTarget): string {
  const d = describeTarget(t)
  return d.kind === 'content' ? `${d.reference}.tor-net` : `${d.kind}:${d.publicKey}`
}
