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
