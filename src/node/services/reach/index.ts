import type { Link } from '../../link/link.js'
import type { PeerAddress } from '../../link/types.js'
import { registerDialBackServer, type OtherPortSender } from './dial-back-server.js'
import { checkReachability, PendingDialBacks } from './reachability-check.js'
import type { Reachability } from './reachability.js'

export { classifyReachability, describeReachability, type Reachability, type ReachabilityStatus } from './reachability.js'
export type { OtherPortSender } from './dial-back-server.js'
export { ReachError, ReachErrorCode } from './errors.js'

/**
 * Reachability (issue 18 item 2): the link tells each initiator where its packets come from; this
 * service answers peers' dial-back requests and runs the check for this node. The DHT does not
 * use the result yet (recording only reachable contacts, or contacts with their relay, is later).
 */
export interface ReachService {
  /** Asks peers to dial back and classifies; several checks may run at once. */
  check: (opts?: { askHosts?: number, waitMs?: number, signal?: AbortSignal }) => Promise<Reachability>
  /** The latest check's answer that was not 'unknown' (for the dashboard); undefined before one. */
  readonly last: Reachability | undefined
}

export function createReachService (o: { link: Link, sendFromOtherPort: OtherPortSender, candidates: () => PeerAddress[] }): ReachService {
  registerDialBackServer({ link: o.link, sendFromOtherPort: o.sendFromOtherPort })
  const pending = new PendingDialBacks()
  o.link.onDialBack((nonce) => pending.arrive(nonce))
  let last: Reachability | undefined
  return {
    check: async (opts = {}) => {
      const r = await checkReachability({ link: o.link, candidates: o.candidates, pending, ...opts })
      if (r.status !== 'unknown') last = r
      return r
    },
    get last () { return last }
  }
}
