import type { PeerAddress, PeerInfo } from '../../link/types.js'
import type { ReachService } from '../reach/index.js'
import type { PunchService } from './punch-service.js'

/** How many introducers a NATted node keeps (each costs a keep request every 20 s). */
export const INTRODUCERS_KEPT = 3

/**
 * The reach service, with one consequence of its answer: a node that is not public (its NAT keeps
 * a mapping, or it is unreachable) keeps introducers — contacts it holds an open session with,
 * which it opened itself so its NAT lets their packets in — and a public node drops them. Kept out
 * of the reach service so the check stays free of policy. `alsoTo` hears each choice too (the
 * relay client keeps a relay stream to each introducer, for peers that cannot punch).
 */
export function withIntroducers (reach: ReachService, punch: PunchService, contacts: () => PeerAddress[], open: () => PeerInfo[],
  alsoTo?: (introducers: PeerAddress[]) => void): ReachService {
  const choose = (peers: PeerAddress[]): void => { punch.setIntroducers(peers); alsoTo?.(peers) }
  return {
    check: async (opts) => {
      const r = await reach.check(opts)
      if (r.status === 'public') choose([])
      else if (r.status !== 'unknown') choose(pickIntroducers(contacts(), open()))
      return r
    },
    get last () { return reach.last }
  }
}

export function pickIntroducers (contacts: readonly PeerAddress[], open: readonly PeerInfo[]): PeerAddress[] {
  const live = new Set(open.map(p => p.idHex))
  return contacts.filter(c => c.id !== undefined && live.has(c.id.toString('hex'))).slice(0, INTRODUCERS_KEPT)
}
