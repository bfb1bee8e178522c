import { randomBytes } from 'node:crypto'
import type { Endpoint } from '../types.js'
import { PATH_DATA_BYTES } from '../wire/channel-frames.js'

/**
 * Path validation, as QUIC does it. An authenticated packet from a new source
 * address proves nothing about that address: the peer (or anyone replaying
 * the peer's packet first) can forge the source. So the session does not move
 * there; it sends a PATH_CHALLENGE with fresh random data to the new address
 * and moves only when an authenticated PATH_RESPONSE echoing that data comes
 * back from it. Until then at most AMPLIFICATION_FACTOR times the bytes
 * received from the candidate address are sent to it (only challenges; all
 * other traffic keeps going to the validated path), so a spoofed packet cannot
 * aim more than that at a victim. One candidate at a time: a packet from yet
 * another address replaces it.
 */
export const AMPLIFICATION_FACTOR = 3
/** A challenge is repeated after this long without an answer... */
export const PATH_CHALLENGE_RETRY_MS = 250
/** ...at most this many times in all; then the candidate waits for a new packet from it. */
export const PATH_CHALLENGE_ATTEMPTS = 3

interface Candidate {
  endpoint: Endpoint
  data: Buffer
  bytesIn: number
  bytesOut: number
  attempts: number
  sentAt: number
}

export class PathValidator {
  private candidate?: Candidate

  constructor (private readonly now: () => number) {}

  get pending (): Endpoint | undefined { return this.candidate?.endpoint }

  /** An authenticated datagram of `bytes` arrived from `from`, which is not the session's path. */
  received (from: Endpoint, bytes: number): void {
    const c = this.candidate
    if (c !== undefined && same(c.endpoint, from)) {
      c.bytesIn += bytes
      // A packet after the attempts ran out starts a new round (the peer is still there).
      if (c.attempts >= PATH_CHALLENGE_ATTEMPTS) c.attempts = 0
      return
    }
    this.candidate = { endpoint: { address: from.address, port: from.port }, data: randomBytes(PATH_DATA_BYTES), bytesIn: bytes, bytesOut: 0, attempts: 0, sentAt: -Infinity }
  }

  /**
   * The challenge to send now, if one is due (first, or retry after the
   * interval) and a datagram of `size` bytes fits the amplification budget;
   * the caller sends it and the bytes are counted as sent.
   */
  challengeDue (size: number): { to: Endpoint, data: Buffer } | undefined {
    const c = this.candidate
    if (c === undefined || c.attempts >= PATH_CHALLENGE_ATTEMPTS) return undefined
    const now = this.now()
    if (now - c.sentAt < PATH_CHALLENGE_RETRY_MS) return undefined
    if (c.bytesOut + size > AMPLIFICATION_FACTOR * c.bytesIn) return undefined
    c.bytesOut += size
    c.attempts++
    c.sentAt = now
    return { to: c.endpoint, data: c.data }
  }

  /** True (and the candidate is done) when `data` from `from` answers the pending challenge. */
  answered (data: Buffer, from: Endpoint): boolean {
    const c = this.candidate
    if (c === undefined || !same(c.endpoint, from) || !c.data.equals(data)) return false
    this.candidate = undefined
    return true
  }

  /** The session's path changed or the session closed. */
  clear (): void { this.candidate = undefined }
}

function same (a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port
}
