import {
  DATA_OVERHEAD, IK_INIT_PAYLOAD_FIXED, IK_RESP_OVERHEAD, INIT_AAD_BYTES, MIN_INIT_BYTES, RESP_AAD_BYTES, TAG_BYTES,
  XX_FIN_OVERHEAD, XX_FIN_PAYLOAD_FIXED
} from '../../wire/link-packets.js'
import { requestOverhead, RESPONSE_OVERHEAD } from '../../wire/channel-frames.js'

/**
 * What one DHT request/response costs on the link, derived from the link's
 * own packet constants (wire/link-packets.ts, wire/channel-frames.ts), so the
 * simulator charges what the real link would send. Three ways to carry it:
 *
 *  open  a session exists: REQUEST in a DATA packet, RESPONSE in another
 *        (1 round trip)
 *  ik    no session, the contact's key is known (Noise IK, 0-RTT): IK_INIT
 *        carries the REQUEST and is padded to MIN_INIT_BYTES against
 *        amplification; IK_RESP carries the RESPONSE; the initiator then
 *        PINGs once to confirm the session, the responder PONGs
 *        (1 round trip for the request)
 *  xx    no session, only the endpoint is known: XX_INIT (padded), XX_RESP
 *        (the responder's key, nonce and signature), then XX_FIN carries the
 *        REQUEST; the RESPONSE comes in a DATA packet. The handshake takes
 *        1.5 round trips and the request rides on its third message, so the
 *        response arrives after 2 round trips: 4 one-way trips in all
 *
 * IP and UDP headers are not counted (as nowhere in the benchmarks).
 */
export type LinkPattern = 'open' | 'ik' | 'xx'

const SERVICE = 'dht'
/** A DATA packet carrying one REQUEST frame for service "dht", around the DHT payload. */
export const REQUEST_LINK_BYTES = DATA_OVERHEAD + requestOverhead(Buffer.byteLength(SERVICE))
/** A DATA packet carrying one RESPONSE frame, around the DHT payload. */
export const RESPONSE_LINK_BYTES = DATA_OVERHEAD + RESPONSE_OVERHEAD
/** PING or PONG in a DATA packet: frame type u8 and id u32. */
const PING_BYTES = DATA_OVERHEAD + 5
/** IK_INIT without a cookie, before its frames and padding. */
const IK_INIT_FIXED = INIT_AAD_BYTES + 1 + 2 + IK_INIT_PAYLOAD_FIXED + TAG_BYTES
/** XX_RESP carries the responder's key, rank nonce and signature (the same fields as XX_FIN's fixed part). */
const XX_RESP_BYTES = RESP_AAD_BYTES + 2 + XX_FIN_PAYLOAD_FIXED + TAG_BYTES

/** One-way trips until the response is back. */
export function oneWayTrips (p: LinkPattern): number {
  return p === 'xx' ? 4 : 2
}

/** Bytes of the first packet we send (all a dead peer ever costs us). */
export function firstPacketBytes (p: LinkPattern, requestPayload: number): number {
  const frame = requestOverhead(Buffer.byteLength(SERVICE)) + requestPayload
  switch (p) {
    case 'open': return DATA_OVERHEAD + frame
    case 'ik': return Math.max(MIN_INIT_BYTES, IK_INIT_FIXED + frame)
    case 'xx': return MIN_INIT_BYTES
  }
}

/** Bytes of a whole exchange, both directions, for DHT payloads of these sizes. */
export function exchangeBytes (p: LinkPattern, requestPayload: number, responsePayload: number): number {
  const response = RESPONSE_OVERHEAD + responsePayload
  switch (p) {
    case 'open':
      return REQUEST_LINK_BYTES + requestPayload + RESPONSE_LINK_BYTES + responsePayload
    case 'ik': {
      const init = firstPacketBytes('ik', requestPayload)
      // The response rides in IK_RESP when it fits the init's size (no amplification), else in a DATA packet after it.
      const resp = IK_RESP_OVERHEAD + response <= init ? IK_RESP_OVERHEAD + response : IK_RESP_OVERHEAD + DATA_OVERHEAD + response
      return init + resp + 2 * PING_BYTES
    }
    case 'xx':
      return MIN_INIT_BYTES + XX_RESP_BYTES + XX_FIN_OVERHEAD + requestOverhead(Buffer.byteLength(SERVICE)) + requestPayload +
        DATA_OVERHEAD + response
  }
}
