import { describe, expect, it } from 'vitest'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import {
  decodeOffer, decodePushReply, decodeRequest, decodeSubscribeReply, encodeOffer, encodePushReply, encodeRequest, encodeSubscribeReply,
  MAX_DEPTH, type RadioRequest
} from '../../../../src/node/services/radio/messages.js'
import { isTornetError } from '../../../../src/node/errors.js'

const station = Buffer.alloc(32, 0x5a)
const path = [Buffer.alloc(8, 1), Buffer.alloc(8, 2)]
const offer = { path, price: 3400, children: 2, capacity: 8, info: Buffer.from('signed info bytes') }

function expectMalformed (f: () => unknown): void {
  let err: unknown
  try { f() } catch (e) { err = e }
  expect(isTornetError(err, 'WIRE_MALFORMED'), `expected WIRE_MALFORMED, got ${String(err)}`).toBe(true)
}

describe('radio messages', () => {
  it('round-trips every request', () => {
    const reqs: RadioRequest[] = [
      { type: 'subscribe', station, burst: true },
      { type: 'subscribe', station, burst: false },
      { type: 'adopt', station },
      { type: 'leave', station },
      { type: 'push', path, segment: Buffer.alloc(300, 9) }
    ]
    for (const r of reqs) expect(decodeRequest(encodeRequest(r))).toEqual(r)
    expect(encodeRequest({ type: 'subscribe', station, burst: true }).toString('hex')).toBe('01' + station.toString('hex') + '01')
  })

  it('round-trips offers and replies, alternatives with their keys', () => {
    expect(decodeOffer(encodeOffer(offer))).toEqual(offer)
    const id = generateIdentity()
    const alt = makeContact(id.id, { address: '127.0.0.1', port: 4242 }, { publicKey: id.publicKey })
    const reply = decodeSubscribeReply(encodeSubscribeReply({ status: 'full', offer, alternatives: [{ contact: alt, price: 12 }] }))
    expect(reply.status).toBe('full')
    expect(reply.offer).toEqual(offer)
    expect(reply.alternatives[0].price).toBe(12)
    expect(reply.alternatives[0].contact.id.equals(id.id)).toBe(true)
    expect(reply.alternatives[0].contact.endpoint).toEqual({ address: '127.0.0.1', port: 4242 })
    expect(decodeSubscribeReply(encodeSubscribeReply({ status: 'not-carrying', alternatives: [] }))).toEqual({ status: 'not-carrying', alternatives: [] })
    const push = { taken: true, price: 5, listeners: 100, relays: 40 }
    expect(decodePushReply(encodePushReply(push))).toEqual(push)
  })

  it('rejects malformed input: truncation, trailing bytes, unknown types, bad bounds, lying contact keys', () => {
    const sub = encodeRequest({ type: 'subscribe', station, burst: true })
    expectMalformed(() => decodeRequest(sub.subarray(0, 10)))
    expectMalformed(() => decodeRequest(Buffer.concat([sub, Buffer.from([0])])))
    expectMalformed(() => decodeRequest(Buffer.from([9])))
    expectMalformed(() => decodeRequest(Buffer.concat([sub.subarray(0, 33), Buffer.from([2])]))) // unknown flag
    expectMalformed(() => decodeRequest(Buffer.from([3, MAX_DEPTH + 2])))
    expectMalformed(() => decodeOffer(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0]))) // empty path
    const id = generateIdentity()
    const other = generateIdentity()
    const liar = makeContact(id.id, { address: '127.0.0.1', port: 1 }, { publicKey: other.publicKey })
    expectMalformed(() => decodeSubscribeReply(encodeSubscribeReply({ status: 'full', alternatives: [{ contact: liar, price: 1 }] })))
    expectMalformed(() => decodeSubscribeReply(Buffer.from([7, 0, 0])))
    expectMalformed(() => decodePushReply(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])))
  })
})
