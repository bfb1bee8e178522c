import type { WireContact } from '../wire/routing-messages.js'
import { makeContact, type Contact } from './contact.js'
import { nodeIdOf, rankOf } from '../identity/identity.js'
import { ID_BYTES, idsEqual } from './distance.js'

/**
 * Turns a contact from the wire into a routing Contact, or rejects it: an
 * unusable endpoint (port 0, unspecified address), or a public key that does
 * not hash to the claimed id. A carried key and nonce give a verified rank.
 */
export function contactFromWire (w: WireContact): Contact | undefined {
  if (w.id.length !== ID_BYTES) return undefined
  const { address, port } = w.endpoint
  if (port < 1 || port > 0xffff || address === '0.0.0.0' || address === '::') return undefined
  if (w.publicKey !== undefined) {
    if (!idsEqual(nodeIdOf(w.publicKey), w.id)) return undefined
    const rank = w.nonce !== undefined ? rankOf(w.publicKey, w.nonce) : 0
    return makeContact(w.id, w.endpoint, { publicKey: w.publicKey, nonce: w.nonce, rank })
  }
  return makeContact(w.id, w.endpoint)
}

/**
 * The wire form of a contact: id and endpoint, plus the public key when
 * `withKey` (in DHT messages the key replaces the id), plus the rank nonce
 * when `withNonce` too. The long form (writeWireContact) needs both or neither.
 */
export function contactToWire (c: Contact, withKey: boolean, withNonce = withKey): WireContact {
  const w: WireContact = { id: c.id, endpoint: c.endpoint }
  if (!withKey || c.publicKey === undefined) return w
  w.publicKey = c.publicKey
  if (withNonce && c.nonce !== undefined) w.nonce = c.nonce
  return w
}
