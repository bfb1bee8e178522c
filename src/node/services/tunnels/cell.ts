import { TunnelError, TunnelErrorCode } from './errors.js'
import { fillBytes, type RandomBytes } from './fill-bytes.js'

export type { RandomBytes } from './fill-bytes.js'

/**
 * Link cells: what one channel (a link session's `tunnel` service) carries.
 * Every cell is exactly CELL_BYTES long, so an observer of the link learns
 * nothing from sizes:
 *
 *   u32  circuit id   little-endian, per link; 0 only for link-level padding
 *   u8   command      LinkCommand
 *   CELL_BODY_BYTES  body: CREATE/CREATED carry an ntor message then padding,
 *                    RELAY an onion (onion.ts), DESTROY a reason byte then padding
 *
 * Short bodies are padded with random bytes (zeros would show through any
 * later layer that is not encrypted, and cost nothing to avoid).
 */

export const CELL_BYTES = 1024
export const CELL_HEADER_BYTES = 5
export const CELL_BODY_BYTES = CELL_BYTES - CELL_HEADER_BYTES

export const LinkCommand = {
  create: 1,
  created: 2,
  relay: 3,
  destroy: 4,
  padding: 5
} as const
export type LinkCommand = typeof LinkCommand[keyof typeof LinkCommand]

const KNOWN_COMMANDS = new Set<number>(Object.values(LinkCommand))

export interface LinkCell {
  /** u32, per link; 0 is reserved for padding. */
  circuitId: number
  command: LinkCommand
  /** On decode: always CELL_BODY_BYTES (padding included), a view of the input; on encode: at most that. */
  body: Buffer
}

export function encodeLinkCell (c: LinkCell, random: RandomBytes = fillBytes): Buffer {
  const out = Buffer.allocUnsafe(CELL_BYTES)
  encodeLinkCellInto(c, out.subarray(CELL_HEADER_BYTES), random)
  out.writeUInt32LE(c.circuitId, 0)
  out[4] = c.command
  return out
}

/**
 * The body of `c` (padded) into `body` (CELL_BODY_BYTES, e.g. a channel's cell
 * slot whose header the channel writes); checks `c` as encodeLinkCell does,
 * before writing anything.
 */
export function encodeLinkCellInto (c: LinkCell, body: Buffer, random: RandomBytes = fillBytes): void {
  if (!Number.isInteger(c.circuitId) || c.circuitId < 0 || c.circuitId > 0xffffffff) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `cell: circuit id ${c.circuitId} is not a u32`)
  }
  if (!KNOWN_COMMANDS.has(c.command)) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `cell: unknown command ${c.command}`)
  }
  if (c.circuitId === 0 && c.command !== LinkCommand.padding) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'cell: circuit id 0 is reserved for padding cells')
  }
  if (c.body.length > CELL_BODY_BYTES) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT,
      `cell: body of ${c.body.length} bytes exceeds ${CELL_BODY_BYTES}; split it into relay messages`)
  }
  if (body.length !== CELL_BODY_BYTES) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `cell: a body slot is ${CELL_BODY_BYTES} bytes, got ${body.length}`)
  c.body.copy(body, 0)
  const pad = CELL_BODY_BYTES - c.body.length
  if (pad > 0) random(pad).copy(body, c.body.length)
}

/** Throws TunnelError MALFORMED: wrong length, unknown command, circuit id 0 on a non-padding cell. */
export function decodeLinkCell (b: Uint8Array): LinkCell {
  if (b.length !== CELL_BYTES) {
    throw new TunnelError(TunnelErrorCode.MALFORMED, `cell: ${b.length} bytes, every cell is ${CELL_BYTES}`)
  }
  // Channels hand over Buffers already: only a plain Uint8Array needs wrapping.
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)
  const circuitId = buf.readUInt32LE(0)
  const command = buf[4]
  if (!KNOWN_COMMANDS.has(command)) {
    throw new TunnelError(TunnelErrorCode.MALFORMED, `cell: unknown command ${command}`)
  }
  if (circuitId === 0 && command !== LinkCommand.padding) {
    throw new TunnelError(TunnelErrorCode.MALFORMED, `cell: command ${command} on reserved circuit id 0`)
  }
  return { circuitId, command: command as LinkCommand, body: buf.subarray(CELL_HEADER_BYTES) }
}
