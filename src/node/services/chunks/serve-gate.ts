import type { Duplex } from 'node:stream'
import type { Contact } from '../../routing/contact.js'

/**
 * What the accounting layer decides while a peer's slice stream is served (the chunk service
 * knows nothing of ledgers): whether the peer is still within its credit line, when its
 * request's turn comes under load, and the charge for what was sent. Absent: everyone is
 * served at once and for free.
 */
export interface ServeGate {
  /** The gate for one peer's stream (given, so a turn can last until the stream sent its bytes). */
  forPeer: (peer: Contact, stream?: Duplex) => PeerServeGate
}

export interface OwedAnswer { owedCredit: number, sats: number, uri: string }

export interface PeerServeGate {
  /** Undefined when the request may be served; else the refusal sent back (SLICE_OWED). */
  admit: (chunkId: Buffer) => Promise<OwedAnswer> | undefined
  /** Resolves when the request of `bytes` may be served; `done` must follow. Undefined: go now. */
  turn: (bytes: number) => Promise<void> | undefined
  /** A turn taken with `turn` is over. */
  done: () => void
  /** `bytes` of chunk `chunkId` went to the peer. */
  charge: (chunkId: Buffer, bytes: number) => void
}
