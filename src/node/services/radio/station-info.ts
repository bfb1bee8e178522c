import { Reader, WireError, Writer } from '../../wire/codec.js'

/**
 * The payload of an `info` segment: what a listener must know about a
 * station before it plays (label for `icy-name`, bit rate for `icy-br`), and
 * whether the broadcaster has ended. Signed like every segment, so a relay
 * cannot rename a station. The broadcaster re-sends it every few seconds; it
 * doubles as the heartbeat that tells a quiet stream from a dead relay.
 *
 *   u8 flags (bit 0: ended)  u16 bit rate kbit/s  u8 length + label (UTF-8)
 */
export interface StationInfoPayload {
  label: string
  bitrateKbps: number
  ended: boolean
}

export function encodeStationInfo (p: StationInfoPayload): Buffer {
  return new Writer(64).u8(p.ended ? 1 : 0).u16(Math.min(0xffff, Math.max(0, Math.round(p.bitrateKbps)))).string8(p.label).finish()
}

/** Throws WireError on malformed bytes. */
export function decodeStationInfo (b: Uint8Array): StationInfoPayload {
  const r = new Reader(b, 'station info')
  const flags = r.u8()
  if ((flags & ~1) !== 0) throw new WireError('station info: unknown flags')
  const bitrateKbps = r.u16()
  const label = r.string8()
  r.end()
  return { label, bitrateKbps, ended: (flags & 1) !== 0 }
}
