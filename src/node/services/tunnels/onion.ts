import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpenDetached, aeadSealDetached } from '../../crypto/aead.js'
import { hkdf } from '../../link/link-crypto.js'
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
 *
 * Speed (issue 17): every cell of a circuit passes here once per layer, so the
 * AEAD is libsodium's one-shot call (crypto/aead.ts) writing into the
 * caller's buffer: a cell is sealed in place, or straight from the received
 * cell into the outgoing one (`out`), with no cipher object, concat or copy
 * per layer. Inputs are never modified.
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

/** One direction of one layer: its key, the next counter, and that counter as the nonce. */
class Direction {
  count = 0
  // 96-bit nonce: epoch u32 LE ‖ counter u64 LE (the link's layout), rewritten before each use.
  private readonly nonceBuf = Buffer.alloc(AEAD_NONCE_BYTES)
  /**
   * Which AAD opened the last cell: tried first next time. A hop sees long runs
   * of one kind (a middle relay forwards, an exit takes delivery), and a failed
   * try costs a Poly1305 pass over the cell. Either order accepts exactly the
   * same cells: the nonce is the same and only one AAD can authenticate.
   */
  lastAad = 0

  constructor (readonly key: Buffer) {
    this.nonceBuf.writeUInt32LE(EPOCH, 0)
  }

  nonce (): Buffer {
    const c = this.count
    this.nonceBuf.writeUInt32LE(c % 0x100000000, 4)
    this.nonceBuf.writeUInt32LE(Math.floor(c / 0x100000000), 8)
    return this.nonceBuf
  }

  /** Seals `src` into `dst` (same length; may be the same bytes) under the next counter; the tag into `tag`. */
  seal (aad: Buffer, src: Buffer, dst: Buffer, tag: Buffer): void {
    aeadSealDetached(this.key, this.nonce(), src, aad, dst, tag)
    this.count++
  }

  /**
   * Opens `src` into `dst` (never the same bytes: a failed try clears `dst`)
   * under the next counter with one of `aads`; the index of the AAD that
   * opened it, or -1. The counter moves only on success.
   */
  open (aads: readonly Buffer[], src: Buffer, tag: Buffer, dst: Buffer): number {
    const nonce = this.nonce()
    const first = this.lastAad < aads.length ? this.lastAad : 0
    for (let k = 0; k < aads.length; k++) {
      const i = (first + k) % aads.length
      if (aeadOpenDetached(this.key, nonce, src, aads[i], tag, dst)) {
        this.count++
        this.lastAad = i
        return i
      }
    }
    return -1
  }
}

/** One hop's keys and per-direction counters; the same class at the origin and at the hop. */
export class HopLayer {
  readonly role: HopKeyMaterial['role']
  /** @internal origin → far. */
  readonly fwd: Direction
  /** @internal far → origin. */
  readonly bwd: Direction

  constructor (role: HopKeyMaterial['role'], fwdKey: Buffer, bwdKey: Buffer) {
    this.role = role
    this.fwd = new Direction(Buffer.from(fwdKey))
    this.bwd = new Direction(Buffer.from(bwdKey))
  }

  /** Cells that passed this layer origin → far (sealed at the origin, opened at the hop). */
  get fwdCount (): number { return this.fwd.count }
  /** Cells that passed this layer far → origin. */
  get bwdCount (): number { return this.bwd.count }
}

/** Both sides of a handshake derive the same two keys; the role only says which end this is. */
export function deriveHopKeys (material: HopKeyMaterial): HopLayer {
  if (material.secret.length < 32) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: hop secret of ${material.secret.length} bytes, need ≥ 32`)
  }
  const okm = hkdf(material.secret, KEY_SALT, 'forward|backward', 64)
  return new HopLayer(material.role, okm.subarray(0, 32), okm.subarray(32, 64))
}

function checkPayload (payload: Buffer): void {
  if (payload.length !== ONION_PAYLOAD_BYTES) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: payload of ${payload.length} bytes, must be ${ONION_PAYLOAD_BYTES}`)
  }
}

function checkOut (out: Buffer): void {
  if (out.length !== ONION_BYTES) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: output of ${out.length} bytes, must be ${ONION_BYTES}`)
}

const slot = (onion: Buffer, i: number): Buffer => onion.subarray(i * TAG_BYTES, (i + 1) * TAG_BYTES)
const payloadOf = (onion: Buffer): Buffer => onion.subarray(SLOTS_BYTES)

const FORWARD_AADS = [AAD_FORWARD, AAD_DELIVER] as const
const BACKWARD_AADS = [AAD_RELAY, AAD_ORIGIN] as const
const DELIVER_AADS = [AAD_DELIVER] as const

/**
 * Origin side: an onion carrying `payload` (ONION_PAYLOAD_BYTES) to hop `dest`
 * (0-based index into `layers`). Advances the forward counter of layers 0..dest.
 * `out` (ONION_BYTES, e.g. a cell slot of a channel) receives it; fresh when absent.
 */
export function wrapForward (layers: HopLayer[], dest: number, payload: Buffer, random: RandomBytes = fillBytes, out?: Buffer): Buffer {
  checkPayload(payload)
  const onion = out ?? Buffer.allocUnsafe(ONION_BYTES)
  checkOut(onion)
  checkPath(layers, dest)
  payload.copy(onion, SLOTS_BYTES)
  return sealForwardInPlace(layers, dest, onion, random)
}

function checkPath (layers: HopLayer[], dest: number): void {
  if (!Number.isInteger(dest) || dest < 0 || dest >= layers.length || dest >= MAX_HOPS) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: destination hop ${dest} outside the circuit's ${layers.length} hops`)
  }
  for (let i = 0; i < dest; i++) {
    if (layers[i].role === 'far') throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'onion: a far (virtual-hop) layer must be the last one')
  }
}

/**
 * wrapForward on an onion whose payload region (after SLOTS_BYTES) already
 * holds the plaintext relay message: sealed in place, tags and fill written.
 */
export function sealForwardInPlace (layers: HopLayer[], dest: number, onion: Buffer, random: RandomBytes = fillBytes): Buffer {
  checkOut(onion)
  checkPath(layers, dest)
  const body = payloadOf(onion)
  for (let i = dest; i >= 0; i--) {
    const layer = layers[i]
    if (layer.role === 'far') layer.bwd.seal(AAD_ORIGIN, body, body, slot(onion, i))
    else layer.fwd.seal(i === dest ? AAD_DELIVER : AAD_FORWARD, body, body, slot(onion, i))
  }
  const from = (dest + 1) * TAG_BYTES
  random(SLOTS_BYTES - from).copy(onion, from)
  return onion
}

// Between layers the origin's peel alternates between a fresh buffer and this one (never in place: a failed try clears its output).
const scratch = Buffer.alloc(ONION_PAYLOAD_BYTES)

/**
 * Origin side: peels a backward onion. `from` is the index of the layer that
 * sent it; undefined when a layer fails (tagged, replayed, reordered). The
 * payload is `into` (ONION_PAYLOAD_BYTES, not overlapping `onion`: the
 * caller's scratch, which then holds it until its next use), or a fresh
 * buffer of its own when absent.
 */
export function unwrapBackward (layers: HopLayer[], onion: Buffer, into?: Buffer): { from: number, payload: Buffer } | undefined {
  if (onion.length !== ONION_BYTES) return undefined
  if (into !== undefined && into.length !== ONION_PAYLOAD_BYTES) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: payload output of ${into.length} bytes, must be ${ONION_PAYLOAD_BYTES}`)
  }
  const own = into ?? Buffer.allocUnsafe(ONION_PAYLOAD_BYTES)
  let src = payloadOf(onion)
  let dst = own
  const hops = Math.min(layers.length, MAX_HOPS)
  for (let i = 0; i < hops; i++) {
    const layer = layers[i]
    const tag = slot(onion, i)
    if (layer.role === 'far') {
      if (layer.fwd.open(DELIVER_AADS, src, tag, dst) < 0) return undefined
      return { from: i, payload: settle(dst, own) }
    }
    const got = layer.bwd.open(BACKWARD_AADS, src, tag, dst)
    if (got < 0) return undefined
    if (got === 1) return { from: i, payload: settle(dst, own) }
    src = dst
    dst = dst === own ? scratch : own
  }
  return undefined
}

function settle (got: Buffer, own: Buffer): Buffer {
  if (got !== own) got.copy(own)
  return own
}

/**
 * Relay side, a cell from the origin's direction: 'deliver' when this hop is
 * its destination, else the onion to pass on; undefined when it fails to
 * authenticate (drop it, count it, tear the circuit down).
 */
export function relayForward (layer: HopLayer, onion: Buffer, random: RandomBytes = fillBytes, into?: Buffer):
  { kind: 'deliver', payload: Buffer } | { kind: 'forward', onion: Buffer } | undefined {
  if (onion.length !== ONION_BYTES) return undefined
  // `into` (ONION_BYTES, not overlapping `onion`): the caller's scratch, holding either result until its next use.
  const out = into ?? Buffer.allocUnsafe(ONION_BYTES)
  checkOut(out)
  const got = layer.fwd.open(FORWARD_AADS, payloadOf(onion), slot(onion, 0), payloadOf(out))
  if (got < 0) return undefined
  if (got === 1) return { kind: 'deliver', payload: payloadOf(out) }
  onion.copy(out, 0, TAG_BYTES, SLOTS_BYTES)
  random(TAG_BYTES).copy(out, SLOTS_BYTES - TAG_BYTES)
  return { kind: 'forward', onion: out }
}

/**
 * Relay side, a cell from downstream: adds this hop's backward layer. `out`
 * (ONION_BYTES, not overlapping `onion`; e.g. a cell slot of the previous
 * hop's channel) receives it; fresh when absent.
 */
export function relayBackward (layer: HopLayer, onion: Buffer, out?: Buffer): Buffer {
  if (onion.length !== ONION_BYTES) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `onion: ${onion.length} bytes, must be ${ONION_BYTES}`)
  }
  const dst = out ?? Buffer.allocUnsafe(ONION_BYTES)
  checkOut(dst)
  layer.bwd.seal(AAD_RELAY, payloadOf(onion), payloadOf(dst), slot(dst, 0))
  onion.copy(dst, TAG_BYTES, 0, SLOTS_BYTES - TAG_BYTES)
  return dst
}

/** Relay side: a cell this hop sends toward the origin (EXTENDED, RESPONSE, DATA from the exit …). */
export function originateBackward (layer: HopLayer, payload: Buffer, random: RandomBytes = fillBytes, out?: Buffer): Buffer {
  checkPayload(payload)
  const onion = out ?? Buffer.allocUnsafe(ONION_BYTES)
  checkOut(onion)
  payload.copy(onion, SLOTS_BYTES)
  return sealOriginInPlace(layer, onion, random)
}

/** originateBackward on an onion whose payload region already holds the plaintext relay message. */
export function sealOriginInPlace (layer: HopLayer, onion: Buffer, random: RandomBytes = fillBytes): Buffer {
  checkOut(onion)
  const body = payloadOf(onion)
  layer.bwd.seal(AAD_ORIGIN, body, body, slot(onion, 0))
  random(SLOTS_BYTES - TAG_BYTES).copy(onion, TAG_BYTES)
  return onion
}
