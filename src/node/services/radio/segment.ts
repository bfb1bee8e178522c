import { namespaced, NS } from '../../crypto/namespaces.js'
import { sign, verify } from '../../identity/identity.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { MAX_POST_BYTES, MAX_SEGMENT_PAYLOAD, type RadioCodec, type SegmentKind, type StationKeyPair, type VerifiedSegment } from './radio-api.js'

/**
 * The signed segment: everything a station says travels in one of these, and
 * relays forward the bytes untouched. Little-endian:
 *
 *   u8  version (1)
 *   32  station id (ed25519 public key)
 *   u64 seq            one counter per station over every kind
 *   u64 timestamp ms   the broadcaster's wall clock
 *   u8  codec          0 mp3, 1 ogg, 2 aac
 *   u8  kind           0 audio, 1 init, 2 title, 3 post, 4 info
 *   u32 duration ms    play time (audio only; 0 otherwise)
 *   u16 length + payload
 *   64  ed25519 signature over namespaced(radio/segment/v1, every byte above)
 *
 * `info` is protocol-internal (station label, bit rate, ended flag: see
 * station-info.ts); consumers of the service never see it.
 */
export type WireKind = SegmentKind | 'info'

export interface Segment extends Omit<VerifiedSegment, 'kind'> {
  kind: WireKind
  /** The whole encoding, signature included: what relays forward. */
  bytes: Buffer
}

export const SEGMENT_VERSION = 1
export const SIGNATURE_BYTES = 64
const HEADER_BYTES = 1 + 32 + 8 + 8 + 1 + 1 + 4 + 2
export const MAX_SEGMENT_BYTES = HEADER_BYTES + MAX_SEGMENT_PAYLOAD + SIGNATURE_BYTES
/** Longest play time one audio segment may claim. */
export const MAX_SEGMENT_DURATION_MS = 10_000

export const CODECS: readonly RadioCodec[] = ['mp3', 'ogg', 'aac']
export const KINDS: readonly WireKind[] = ['audio', 'init', 'title', 'post', 'info']

/** Payload bound of each kind: audio and decoder set-up up to 16 KiB, text up to 1 KiB. */
export function maxPayload (kind: WireKind): number {
  return kind === 'audio' || kind === 'init' ? MAX_SEGMENT_PAYLOAD : kind === 'info' ? 512 : MAX_POST_BYTES
}

export interface SegmentFields {
  seq: number
  timestampMs: number
  codec: RadioCodec
  kind: WireKind
  durationMs: number
  payload: Uint8Array
}

/** Encodes and signs; throws RangeError on fields the decoder would refuse (a local bug, not input). */
export function signSegment (key: StationKeyPair, f: SegmentFields): Segment {
  if (f.payload.length > maxPayload(f.kind)) throw new RangeError(`${f.kind} payload of ${f.payload.length} bytes exceeds ${maxPayload(f.kind)}`)
  if (f.kind !== 'audio' && f.durationMs !== 0) throw new RangeError('only audio segments have a duration')
  if (!Number.isInteger(f.durationMs) || f.durationMs < 0 || f.durationMs > MAX_SEGMENT_DURATION_MS) throw new RangeError(`duration ${f.durationMs} ms out of range`)
  const w = new Writer(HEADER_BYTES + f.payload.length + SIGNATURE_BYTES)
  w.u8(SEGMENT_VERSION).bytes(key.publicKey).u64(f.seq).u64(f.timestampMs)
    .u8(CODECS.indexOf(f.codec)).u8(KINDS.indexOf(f.kind)).u32(f.durationMs).bytes16(f.payload)
  const body = w.finish()
  const signature = sign({ secretKey: key.privateKey }, namespaced(NS.radioSegment, body))
  const bytes = Buffer.concat([body, signature])
  return { station: Buffer.from(key.publicKey), seq: f.seq, timestampMs: f.timestampMs, codec: f.codec, kind: f.kind, durationMs: f.durationMs, payload: Buffer.from(f.payload), bytes }
}

/** Decodes without checking the signature; throws WireError on anything malformed. */
export function decodeSegment (b: Uint8Array): Segment {
  const r = new Reader(b, 'radio segment')
  const version = r.u8()
  if (version !== SEGMENT_VERSION) throw new WireError(`radio segment: unknown version ${version}`)
  const station = Buffer.from(r.bytes(32))
  const seq = r.u64()
  const timestampMs = r.u64()
  const codec = CODECS[r.u8()]
  const kind = KINDS[r.u8()]
  if (codec === undefined) throw new WireError('radio segment: unknown codec')
  if (kind === undefined) throw new WireError('radio segment: unknown kind')
  const durationMs = r.u32()
  if (kind !== 'audio' ? durationMs !== 0 : durationMs > MAX_SEGMENT_DURATION_MS) throw new WireError(`radio segment: bad duration ${durationMs} ms for ${kind}`)
  const payload = Buffer.from(r.bytes16(maxPayload(kind)))
  r.bytes(SIGNATURE_BYTES)
  r.end()
  return { station, seq, timestampMs, codec, kind, durationMs, payload, bytes: Buffer.from(b) }
}

export function verifySegment (s: Segment): boolean {
  const body = s.bytes.subarray(0, s.bytes.length - SIGNATURE_BYTES)
  return verify(s.station, namespaced(NS.radioSegment, body), s.bytes.subarray(s.bytes.length - SIGNATURE_BYTES))
}

/** Decodes and verifies; why it was refused otherwise. */
export function openSegment (b: Uint8Array): Segment | 'malformed' | 'bad-signature' {
  let s: Segment
  try {
    s = decodeSegment(b)
  } catch (err) {
    if (err instanceof WireError) return 'malformed'
    throw err
  }
  return verifySegment(s) ? s : 'bad-signature'
}

/** The consumer's view (info segments never reach consumers). */
export function toVerified (s: Segment): VerifiedSegment {
  return { station: s.station, seq: s.seq, timestampMs: s.timestampMs, codec: s.codec, kind: s.kind as SegmentKind, durationMs: s.durationMs, payload: s.payload }
}
