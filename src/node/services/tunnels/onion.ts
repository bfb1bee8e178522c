import { createSecretKey, type KeyObject } from 'node:crypto'
import { AEAD_TAG_BYTES, hkdf, open, seal } from '../../link/link-crypto.js'
import { CELL_BODY_BYTES } from './cell.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { fillBytes, type RandomBytes } from './fill-bytes.js'
import type { HopKeyMaterial } from './tunnel-api.js'

/**
 * Layered (onion) crypto of relay cells. An onion is the body of a RELAY cell:
 *
 *   SLOTS   MAX_HOPS × 16-byte tags   slot 0 is the tag the receiving hop checks
 *   PAYLOAD ONION_PAYLOAD_BYTES       ChaCha20-Poly1305 ciphertext, one layer per hop
 *
 * Each hop has a forward and a backward key (HKDF of its handshake secret) and
 * a counter per direction as the nonce; channels deliver cells in order, so a
 * replayed, dropped, reordered or tagged cell fails authentication at the next
 * hop that checks it, and the circuit is torn down.
 *
 * Forward: the origin seals for hop d with AAD "deliver", then for d-1..0 with
 * "forward"; tags go in slots [t0 … td, random]. A hop checks slot 0 ("forward"
 * then "deliver"); forward → slots shift left by one, 16 random bytes appended.
 * Backward: hop j seals with "origin", tag at slot 0, random after; each hop on
 * the way seals again with "relay", prepends its tag and drops the last slot.
 * The origin peels "relay" layers until one opens with "origin".
 *
 * A layer with role 'far' is the far origin's end of a virtual hop (a hidden
 * service past a joined rendezvous): in wrapForward it seals like
 * originateBackward, in unwrapBackward it opens like relayForward's deliver,
 * so each origin's forward cells reach the other as backward cells.
 *
 * No position on the path is in any cell: tags are indistinguishable from the
 * random fill, and the payload is always the same size.
 */

export const MAX_HOPS = 8
export const TAG_BYTES = AEAD_TAG_BYTES
export const SLOTS_BYTES = MAX_HOPS * TAG_BYTES
export const ONION_BYTES = CELL_BODY_BYTES
export const ONION_PAYLOAD_BYTES = ONION_BYTES - SLOTS_BYTES

const AAD_FORWARD = Buffer.from('forward')
const AAD_DELIVER = Buffer.from('deliver')
const AAD_RELAY = Buffer.from('relay')
const AAD_ORIGIN = Buffer.from('origin')
const KEY_SALT = Buffer.from('tornet tunnel hop keys v1')
// Each direction has its own key, so one nonce epoch serves both.
const EPOCH = 0

/** One hop's keys and per-direction counters; the same class at the origin and at the hop. */
export class HopLayer {
  readonly role: HopKeyMaterial['role']
  private readonly fwdKey: KeyObject
  private readonly bwdKey: KeyObject
  private fwd = 0
  private bwd = 0

  constructor (role: HopKeyMaterial['role'], fwdKey: Buffer, bwdKey: Buffer) {
    this.role = role
    this.fwdKey = createSecretKey(fwdKey)
    this.bwdKey = createSecretKey(bwdKey)
  }

  /** Cells that passed this layer origin → far (sealed at the origin, opened at the hop). */
  get fwdCount (): number { return this.fwd }
  /** Cells that passed this layer far → origin. */
  get bwdCount (): number { return this.bwd }

  /** Seals `plaintext` under the next forward nonce: ciphertext (same length) and tag. */
  sealForward (aad: Buffer, plaintext: Buffer): Buffer { return seal(this.fwdKey, EPOCH, this.fwd++, aad, plaintext) }
  sealBackward (aad: Buffer, plaintext: Buffer): Buffer { return seal(this.bwdKey, EPOCH, this.bwd++, aad, plaintext) }

  /** Opens ciphertext ‖ tag under the next forward nonce; the counter moves only on success. */
  openForward (aads: Buffer[], sealed: Buffer): { aad: Buffer, plain: Buffer } | undefined {
    for (const aad of aads) {
      const plain = open(this.fwdKey, EPOCH, this.fwd, aad, sealed)
      if (plain !== undefined) { this.fwd++; return { aad, plain } }
    }
    return undefined
  }

  openBackward (aads: Buffer[], sealed: Buffer): { aad: Buffer, plain: Buffer } | undefined {
    for (const aad of aads) {
      const plain = open(this.bwdKey, EPOCH, this.bwd, aad, sealed)
      if (plain !== undefined) { this.bwd++; return { aad, plain } }
    }
    return undefined
  }
}

/** Both sides of a handshake derive the same two keys; the role only says which end this is. */
export function deriveHopKeys (material: HopKeyMaterial): HopLayer {
  if (material.secret.length < 32) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: hop secret of ${material.secret.length} bytes, need ≥ 32`)
  }
  const okm = hkdf(material.secret, KEY_SALT, 'forward|backward', 64)
  return new HopLayer(material.role, okm.subarray(0, 32), okm.subarray(32, 64))
}

function split (sealed: Buffer): { body: Buffer, tag: Buffer } {
  return { body: sealed.subarray(0, sealed.length - TAG_BYTES), tag: sealed.subarray(sealed.length - TAG_BYTES) }
}

function checkPayload (payload: Buffer): void {
  if (payload.length !== ONION_PAYLOAD_BYTES) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: payload of ${payload.length} bytes, must be ${ONION_PAYLOAD_BYTES}`)
  }
}

/** Slot 0's tag and the payload of an onion, joined as AEAD input (ciphertext ‖ tag). */
function sealedAt (onion: Buffer, slot: number): Buffer {
  return Buffer.concat([onion.subarray(SLOTS_BYTES), onion.subarray(slot * TAG_BYTES, (slot + 1) * TAG_BYTES)])
}

/**
 * Origin side: an onion carrying `payload` (ONION_PAYLOAD_BYTES) to hop `dest`
 * (0-based index into `layers`). Advances the forward counter of layers 0..dest.
 */
export function wrapForward (layers: HopLayer[], dest: number, payload: Buffer, random: RandomBytes = fillBytes): Buffer {
  checkPayload(payload)
  if (!Number.isInteger(dest) || dest < 0 || dest >= layers.length || dest >= MAX_HOPS) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: destination hop ${dest} outside the circuit's ${layers.length} hops`)
  }
  if (layers.slice(0, dest).some(l => l.role === 'far')) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'onion: a far (virtual-hop) layer must be the last one')
  }
  const tags: Buffer[] = []
  let body = payload
  for (let i = dest; i >= 0; i--) {
    const layer = layers[i]
    let sealed: Buffer
    if (layer.role === 'far') {
      sealed = layer.sealBackward(AAD_ORIGIN, body)
    } else {
      sealed = layer.sealForward(i === dest ? AAD_DELIVER : AAD_FORWARD, body)
    }
    const s = split(sealed)
    body = s.body
    tags.push(s.tag)
  }
  tags.reverse()
  const fill = SLOTS_BYTES - tags.length * TAG_BYTES
  return Buffer.concat([...tags, random(fill), body])
}

/**
 * Origin side: peels a backward onion. `from` is the index of the layer that
 * sent it; undefined when a layer fails (tagged, replayed, reordered).
 */
export function unwrapBackward (layers: HopLayer[], onion: Buffer): { from: number, payload: Buffer } | undefined {
  if (onion.length !== ONION_BYTES) return undefined
  let body = onion.subarray(SLOTS_BYTES)
  const hops = Math.min(layers.length, MAX_HOPS)
  for (let i = 0; i < hops; i++) {
    const layer = layers[i]
    const sealed = Buffer.concat([body, onion.subarray(i * TAG_BYTES, (i + 1) * TAG_BYTES)])
    if (layer.role === 'far') {
      const got = layer.openForward([AAD_DELIVER], sealed)
      return got === undefined ? undefined : { from: i, payload: got.plain }
    }
    const got = layer.openBackward([AAD_RELAY, AAD_ORIGIN], sealed)
    if (got === undefined) return undefined
    if (got.aad === AAD_ORIGIN) return { from: i, payload: got.plain }
    body = got.plain
  }
  return undefined
}

/**
 * Relay side, a cell from the origin's direction: 'deliver' when this hop is
 * its destination, else the onion to pass on; undefined when it fails to
 * authenticate (drop it, count it, tear the circuit down).
 */
export function relayForward (layer: HopLayer, onion: Buffer, random: RandomBytes = fillBytes):
  { kind: 'deliver', payload: Buffer } | { kind: 'forward', onion: Buffer } | undefined {
  if (onion.length !== ONION_BYTES) return undefined
  const got = layer.openForward([AAD_FORWARD, AAD_DELIVER], sealedAt(onion, 0))
  if (got === undefined) return undefined
  if (got.aad === AAD_DELIVER) return { kind: 'deliver', payload: got.plain }
  return { kind: 'forward', onion: Buffer.concat([onion.subarray(TAG_BYTES, SLOTS_BYTES), random(TAG_BYTES), got.plain]) }
}

/** Relay side, a cell from downstream: adds this hop's backward layer. */
export function relayBackward (layer: HopLayer, onion: Buffer): Buffer {
  if (onion.length !== ONION_BYTES) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: ${onion.length} bytes, must be ${ONION_BYTES}`)
  }
  const s = split(layer.sealBackward(AAD_RELAY, onion.subarray(SLOTS_BYTES)))
  return Buffer.concat([s.tag, onion.subarray(0, SLOTS_BYTES - TAG_BYTES), s.body])
}

/** Relay side: a cell this hop sends toward the origin (EXTENDED, RESPONSE, DATA from the exit …). */
export function originateBackward (layer: HopLayer, payload: Buffer, random: RandomBytes = fillBytes): Buffer {
  checkPayload(payload)
  const s = split(layer.sealBackward(AAD_ORIGIN, payload))
  return Buffer.concat([s.tag, random(SLOTS_BYTES - TAG_BYTES), s.body])
}
