import { Reader, WireError, Writer } from './codec.js'
import { DIAL_BACK_NONCE_BYTES } from './link-packets.js'
import { readEndpoint, writeEndpoint } from './routing-messages.js'
import type { Endpoint } from '../types.js'

/**
 * Reachability messages (little-endian), carried in sessions:
 *
 *  OBSERVED   a DATAGRAM frame on the link's service "link.observed", which a session's responder
 *             puts into its handshake reply (IK_RESP's frames; after XX_FIN, the first DATA packet):
 *             version u8 (= 1) ‖ endpoint (flags u8 ‖ address 4|16 ‖ port u16), the address and
 *             port the initiator's packets came from. A node before this message drops the
 *             datagram as one for an unknown service, so sessions with it are unchanged.
 *  REACH request on service "reach": type u8 ‖ fields
 *    0x01 DIAL_BACK_REQUEST  nonce[16]   "send a DIAL_BACK packet with this nonce to the address
 *                                         you see me at, from another port than this session's"
 *    0x02 DIAL_BACK_ANSWER   result u8   0 = sent, 1 = refused (asked again too soon)
 *
 * Every decoder rejects a wrong version, an unknown type and trailing bytes.
 */
export const OBSERVED_SERVICE = 'link.observed'
export const REACH_SERVICE = 'reach'
export const OBSERVED_VERSION = 1

export const ReachType = { DIAL_BACK_REQUEST: 0x01, DIAL_BACK_ANSWER: 0x02 } as const
export const DialBackResult = { SENT: 0, TOO_SOON: 1 } as const
export type DialBackResultCode = typeof DialBackResult[keyof typeof DialBackResult]

export type ReachMessage =
  | { type: 'dial-back-request', nonce: Buffer }
  | { type: 'dial-back-answer', result: DialBackResultCode }

export function encodeObserved (e: Endpoint): Buffer {
  const w = new Writer(24).u8(OBSERVED_VERSION)
  writeEndpoint(w, e)
  return w.finish()
}

export function decodeObserved (b: Uint8Array): Endpoint {
  const r = new Reader(b, 'observed address')
  const version = r.u8()
  if (version !== OBSERVED_VERSION) throw new WireError(`observed address: unknown version ${version}`)
  const e = readEndpoint(r)
  r.end()
  if (e.port === 0) throw new WireError('observed address: port 0')
  return e
}

export function encodeReachMessage (m: ReachMessage): Buffer {
  const w = new Writer(24)
  if (m.type === 'dial-back-request') {
    if (m.nonce.length !== DIAL_BACK_NONCE_BYTES) throw new RangeError(`a dial-back nonce is ${DIAL_BACK_NONCE_BYTES} bytes`)
    w.u8(ReachType.DIAL_BACK_REQUEST).bytes(m.nonce)
  } else {
    w.u8(ReachType.DIAL_BACK_ANSWER).u8(m.result)
  }
  return w.finish()
}

export function decodeReachMessage (b: Uint8Array): ReachMessage {
  const r = new Reader(b, 'reach message')
  const type = r.u8()
  let m: ReachMessage
  if (type === ReachType.DIAL_BACK_REQUEST) {
    m = { type: 'dial-back-request', nonce: r.bytes(DIAL_BACK_NONCE_BYTES) }
  } else if (type === ReachType.DIAL_BACK_ANSWER) {
    const result = r.u8()
    if (result !== DialBackResult.SENT && result !== DialBackResult.TOO_SOON) throw new WireError(`reach message: unknown dial-back result ${result}`)
    m = { type: 'dial-back-answer', result }
  } else {
    throw new WireError(`reach message: unknown type 0x${type.toString(16)}`)
  }
  r.end()
  return m
}
