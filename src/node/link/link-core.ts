import type { TornetError } from '../errors.js'
import type { Endpoint } from '../types.js'
import type { HandshakeOutcome, LocalKeys, PeerProof } from './handshake.js'
import type { ResolvedLinkOptions } from './link-options.js'
import type { Session } from './session.js'

/** Counters of a link; `dropped` counts discarded datagrams by reason. */
export interface LinkStats {
  datagramsIn: number
  datagramsOut: number
  bytesIn: number
  bytesOut: number
  dropped: Record<string, number>
  handshakesStarted: number
  handshakesCompleted: number
  handshakesFailed: number
  handshakesAccepted: number
  handshakesRefused: number
  /** IK attempts refused BUSY that we retried with XX. */
  handshakeFallbacks: number
  cookiesSent: number
  rekeys: number
  sessionsOpened: number
  sessionsClosed: number
}

export function emptyStats (): LinkStats {
  return {
    datagramsIn: 0,
    datagramsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    dropped: {},
    handshakesStarted: 0,
    handshakesCompleted: 0,
    handshakesFailed: 0,
    handshakesAccepted: 0,
    handshakesRefused: 0,
    handshakeFallbacks: 0,
    cookiesSent: 0,
    rekeys: 0,
    sessionsOpened: 0,
    sessionsClosed: 0
  }
}

/** What the handshake drivers need from the link (kept narrow so they stay testable). */
export interface LinkCore {
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
