import { WireError } from './codec.js'

/**
 * Relay frames (issue 18 item 5), carried on a reliable stream of service "relay" that a node
 * opens to its relay (a stream, not datagrams, because relayed link packets — inits are padded to
 * 1200 bytes — do not fit in one datagram of the session to the relay):
 *
 *   id[32] ‖ length u16 ‖ packet[length]
 *
 * From a node to the relay, `id` names the node to forward to; from the relay to a node, the node
 * it came from. `packet` is a whole link datagram of the end-to-end session, opaque to the relay.
 */
export const RELAY_SERVICE = 'relay'
export const RELAY_ID_BYTES = 32
export const RELAY_HEADER_BYTES = RELAY_ID_BYTES + 2
export const MAX_RELAYED_PACKET = 0xffff

export interface RelayFrame { id: Buffer, packet: Buffer }

export function encodeRelayFrame (f: RelayFrame): Buffer {
  if (f.id.length !== RELAY_ID_BYTES) throw new RangeError(`a node id is ${RELAY_ID_BYTES} bytes`)
  if (f.packet.length === 0 || f.packet.length > MAX_RELAYED_PACKET) throw new RangeError(`a relayed packet is 1..${MAX_RELAYED_PACKET} bytes`)
  const out = Buffer.allocUnsafe(RELAY_HEADER_BYTES + f.packet.length)
  f.id.copy(out, 0)
  out.writeUInt16LE(f.packet.length, RELAY_ID_BYTES)
  f.packet.copy(out, RELAY_HEADER_BYTES)
  return out
}

/**
 * Splits a stream's bytes into frames. Holds at most one partial frame (≤ 65,569 bytes); a frame
 * of length 0 is malformed (the stream is then closed by its owner).
 */
export class RelayFrameReader {
  private pending: Buffer = Buffer.alloc(0)

  push (chunk: Buffer): RelayFrame[] {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const out: RelayFrame[] = []
    while (buf.length >= RELAY_HEADER_BYTES) {
      const n = buf.readUInt16LE(RELAY_ID_BYTES)
      if (n === 0) throw new WireError('relay frame: empty packet')
      if (buf.length < RELAY_HEADER_BYTES + n) break
      out.push({ id: Buffer.from(buf.subarray(0, RELAY_ID_BYTES)), packet: Buffer.from(buf.subarray(RELAY_HEADER_BYTES, RELAY_HEADER_BYTES + n)) })
      buf = buf.subarray(RELAY_HEADER_BYTES + n)
    }
    this.pending = Buffer.from(buf)
    return out
  }
}
