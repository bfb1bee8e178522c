import type { Link } from '../../link/link.js'
import type { PeerInfo } from '../../link/types.js'
import { hostOf } from '../../link/source-address.js'
import type { Endpoint } from '../../types.js'
import { tryDecode } from '../../wire/codec.js'
import { encodeLinkPacket, PacketType } from '../../wire/link-packets.js'
import { decodeReachMessage, DialBackResult, encodeReachMessage, REACH_SERVICE } from '../../wire/reach-messages.js'
import { ReachError, ReachErrorCode } from './errors.js'
import { RateTable } from '../rate-table.js'

/** Sends one datagram from a UDP port other than the node's own (transport/other-port-sender.ts). */
export type OtherPortSender = (datagram: Buffer, to: Endpoint) => Promise<void>

export interface DialBackServerOptions {
  link: Link
  sendFromOtherPort: OtherPortSender
  now?: () => number
  /** One dial-back per requesting host per this long (default 5 s). */
  intervalMs?: number
  /** Requesting hosts remembered for the interval (default 1024): the bound on this table. */
  maxHosts?: number
}

/**
 * Answers "reach" requests: sends a DIAL_BACK packet with the requester's nonce to the endpoint its
 * session comes from, from another port. Only to that endpoint, so the service cannot be turned
 * against a third party, one small packet per request (smaller than the request), and at most one
 * per requesting host per interval. A request riding 0-RTT in an IK_INIT from a spoofed source
 * would send those 18 bytes to the spoofed address: no amplification (the init is ≥ 1200 bytes),
 * and one per interval per host.
 */
export function registerDialBackServer (o: DialBackServerOptions): void {
  const now = o.now ?? Date.now
  const intervalMs = o.intervalMs ?? 5_000
  const maxHosts = o.maxHosts ?? 1024
  const last = new RateTable(maxHosts)

  o.link.registerService(REACH_SERVICE, {
    onRequest: async (peer: PeerInfo, payload: Buffer) => {
      const m = tryDecode(decodeReachMessage, payload)
      if (m === undefined || m.type !== 'dial-back-request') throw new ReachError(ReachErrorCode.MALFORMED, 'not a dial-back request')
      const host = hostOf(peer.endpoint.address)
      if (!last.allow(host, now(), intervalMs)) return encodeReachMessage({ type: 'dial-back-answer', result: DialBackResult.TOO_SOON })
      await o.sendFromOtherPort(encodeLinkPacket({ type: PacketType.DIAL_BACK, nonce: m.nonce }), peer.endpoint)
      return encodeReachMessage({ type: 'dial-back-answer', result: DialBackResult.SENT })
    }
  })
}
