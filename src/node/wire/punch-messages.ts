import { Reader, WireError, Writer } from './codec.js'
import { readEndpoint, writeEndpoint } from './routing-messages.js'
import type { Endpoint } from '../types.js'

/**
 * Hole-punching messages (issue 18 item 4), little-endian, requests on service "punch":
 *
 *   0x01 PUNCH_REQUEST  id[32]              peer → introducer: "tell node `id` (with which you
 *                                           hold a session) that I want to connect"
 *   0x02 PUNCH_NOTIFY   id[32] ‖ endpoint   introducer → NATted node: "node `id` wants to connect;
 *                                           I see its packets come from `endpoint`: send to it now"
 *   0x03 PUNCH_ANSWER   result u8 [‖ endpoint]  the answer to any of these; the endpoint (where
 *                                           the introducer sees the target) only with result OK
 *   0x04 PUNCH_KEEP     (nothing)           NATted node → its introducer, every few seconds: keeps
 *                                           the session and the NAT's mapping alive (answered OK)
 *
 * endpoint = flags u8 ‖ address 4|16 ‖ port u16 (as in the DHT messages).
 *
 * INTRODUCERS, the optional list a NATted node publishes with its contact:
 *   version u8 (= 1) ‖ count u8 (1..MAX_INTRODUCERS) ‖ count × (id[32] ‖ endpoint)
 *
 * Every decoder rejects an unknown type or version, a short or over-long message, and port 0.
 */
export const PUNCH_SERVICE = 'punch'
export const PUNCH_ID_BYTES = 32
export const INTRODUCERS_VERSION = 1
export const MAX_INTRODUCERS = 4

export const PunchType = { REQUEST: 0x01, NOTIFY: 0x02, ANSWER: 0x03, KEEP: 0x04 } as const
export const PunchResult = {
  /** Introducer → requester: the target was told; the endpoint follows. Target → introducer: sending now. */
  OK: 0,
  /** The introducer holds no open session with the target. */
  NOT_CONNECTED: 1,
  /** Asked again too soon (rate limit per requesting host / per introducer). */
  TOO_SOON: 2,
  /** The target refused (it does not use the sender as its introducer, or it is busy). */
  REFUSED: 3
} as const
export type PunchResultCode = typeof PunchResult[keyof typeof PunchResult]

export type PunchMessage =
  | { type: 'request', target: Buffer }
  | { type: 'notify', peer: Buffer, endpoint: Endpoint }
  | { type: 'answer', result: PunchResultCode, endpoint?: Endpoint }
  | { type: 'keep' }

export interface Introducer { id: Buffer, endpoint: Endpoint }

function checkId (id: Buffer): void {
  if (id.length !== PUNCH_ID_BYTES) throw new RangeError(`a node id is ${PUNCH_ID_BYTES} bytes`)
}

function readPort (r: Reader, what: string): Endpoint {
  const e = readEndpoint(r)
  if (e.port === 0) throw new WireError(`${what}: port 0`)
  return e
}

export function encodePunchMessage (m: PunchMessage): Buffer {
  const w = new Writer(64)
  switch (m.type) {
    case 'request': checkId(m.target); w.u8(PunchType.REQUEST).bytes(m.target); break
    case 'notify': checkId(m.peer); w.u8(PunchType.NOTIFY).bytes(m.peer); writeEndpoint(w, m.endpoint); break
    case 'answer':
      if (m.endpoint !== undefined && m.result !== PunchResult.OK) throw new RangeError('only an OK answer carries an endpoint')
      w.u8(PunchType.ANSWER).u8(m.result)
      if (m.endpoint !== undefined) writeEndpoint(w, m.endpoint)
      break
    case 'keep': w.u8(PunchType.KEEP)
  }
  return w.finish()
}

export function decodePunchMessage (b: Uint8Array): PunchMessage {
  const r = new Reader(b, 'punch message')
  const type = r.u8()
  let m: PunchMessage
  if (type === PunchType.REQUEST) {
    m = { type: 'request', target: r.bytes(PUNCH_ID_BYTES) }
  } else if (type === PunchType.NOTIFY) {
    m = { type: 'notify', peer: r.bytes(PUNCH_ID_BYTES), endpoint: readPort(r, 'punch notify') }
  } else if (type === PunchType.ANSWER) {
    const result = r.u8()
    if (result > PunchResult.REFUSED) throw new WireError(`punch answer: unknown result ${result}`)
    // An OK from the introducer carries the target's endpoint; an OK from the target does not.
    m = result === PunchResult.OK && r.remaining > 0
      ? { type: 'answer', result, endpoint: readPort(r, 'punch answer') }
      : { type: 'answer', result: result as PunchResultCode }
  } else if (type === PunchType.KEEP) {
    m = { type: 'keep' }
  } else {
    throw new WireError(`punch message: unknown type 0x${type.toString(16)}`)
  }
  r.end()
  return m
}

export function encodeIntroducers (list: readonly Introducer[]): Buffer {
  if (list.length === 0 || list.length > MAX_INTRODUCERS) throw new RangeError(`1..${MAX_INTRODUCERS} introducers`)
  const w = new Writer(2 + list.length * 52).u8(INTRODUCERS_VERSION).u8(list.length)
  for (const i of list) { checkId(i.id); w.bytes(i.id); writeEndpoint(w, i.endpoint) }
  return w.finish()
}

export function decodeIntroducers (b: Uint8Array): Introducer[] {
  const r = new Reader(b, 'introducers')
  const version = r.u8()
  if (version !== INTRODUCERS_VERSION) throw new WireError(`introducers: unknown version ${version} (this node reads version ${INTRODUCERS_VERSION})`)
  const n = r.u8()
  if (n === 0 || n > MAX_INTRODUCERS) throw new WireError(`introducers: count ${n} outside 1..${MAX_INTRODUCERS}`)
  const out: Introducer[] = []
  for (let i = 0; i < n; i++) out.push({ id: r.bytes(PUNCH_ID_BYTES), endpoint: readPort(r, 'introducers') })
  r.end()
  return out
}
