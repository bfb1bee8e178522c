import { CELL_BODY_BYTES } from './cell.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { HANDSHAKE_MAX } from './relay-message.js'

/**
 * Bodies of the link cells CREATE and CREATED (the first hop's handshake,
 * and each later hop's, sent by the relay before it): u16 length
 * (little-endian, ≤ HANDSHAKE_MAX) ‖ the ntor message or reply; the cell
 * codec pads the rest with random bytes.
 */
export function encodeHandshakeBody (handshake: Buffer): Buffer {
  if (handshake.length > HANDSHAKE_MAX) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `handshake of ${handshake.length} bytes exceeds ${HANDSHAKE_MAX}`)
  const out = Buffer.alloc(2 + handshake.length)
  out.writeUInt16LE(handshake.length, 0)
  handshake.copy(out, 2)
  return out
}

/** Throws TunnelError MALFORMED when the length is over the bound or past the body. */
export function decodeHandshakeBody (body: Buffer): Buffer {
  if (body.length < 2 || body.length > CELL_BODY_BYTES) throw new TunnelError(TunnelErrorCode.MALFORMED, `handshake body of ${body.length} bytes`)
  const n = body.readUInt16LE(0)
  if (n > HANDSHAKE_MAX || 2 + n > body.length) throw new TunnelError(TunnelErrorCode.MALFORMED, `handshake length ${n} is over ${HANDSHAKE_MAX} or past the body`)
  return Buffer.from(body.subarray(2, 2 + n))
}
