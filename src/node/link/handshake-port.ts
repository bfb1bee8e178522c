import type { TornetError } from '../errors.js'
import type { Endpoint } from '../types.js'
import type { HandshakeOutcome, LocalKeys, PeerProof } from './handshake.js'
import type { ResolvedLinkOptions } from './link-options.js'
import type { LinkStats } from './link-stats.js'
import type { Session } from './session.js'

/** What the handshake drivers need from the link (kept narrow so they stay testable). */
export interface HandshakePort {
  readonly keys: LocalKeys
  readonly opts: ResolvedLinkOptions
  readonly stats: LinkStats
  now: () => number
  allocIndex: () => number
  send: (datagram: Buffer, to: Endpoint, peerHex: string | undefined, kind: string) => void
  createSession: (role: 'initiator' | 'responder', localIndex: number, endpoint: Endpoint) => Session
  sessionEstablished: (session: Session, outcome: HandshakeOutcome) => void
  sessionByIndex: (localIndex: number) => Session | undefined
  /** Whether an inbound handshake from `from` may become a session (undefined), or why not (refuse BUSY). */
  admitSession: (peer: PeerProof, from: Endpoint, validated: boolean) => string | undefined
  peerError: (endpoint: Endpoint, error: TornetError, direction: 'inbound' | 'outbound', peer?: PeerProof) => void
  drop: (reason: string) => void
}
