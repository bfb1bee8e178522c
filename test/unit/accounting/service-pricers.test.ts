import { describe, expect, it } from 'vitest'
import { SERVICE_PRICERS, lookupPricer, radioPricer } from '../../../src/node/accounting/service-pricers.js'
import { Cause, LOOKUP_ANSWER_PRICE, RADIO_PRICE_DEPTHS, radioSegmentPrice, tunnelCellPrice } from '../../../src/node/accounting/price.js'
import { encodePushReply, encodeRequest } from '../../../src/node/services/radio/messages.js'
import { encodeRoutingMessage } from '../../../src/node/wire/routing-messages.js'

const target = Buffer.alloc(32, 7)
const find = encodeRoutingMessage({ type: 'find', request: { target, kind: 0, count: 20, wantKeys: true, known: [] } })
const findValue = encodeRoutingMessage({ type: 'find', request: { target, kind: 1, count: 20, wantKeys: true, known: [] } })
const contact = { id: Buffer.alloc(32, 1), endpoint: { address: '10.0.0.1', port: 4000 } }

describe('service prices', () => {
  it('prices a lookup answer at a flat LOOKUP_ANSWER_PRICE, whatever its size, and never a ping or a cache offer', () => {
    const small = encodeRoutingMessage({ type: 'nodes', contacts: [contact] })
    const big = encodeRoutingMessage({ type: 'nodes', contacts: Array.from({ length: 20 }, () => contact) })
    for (const reply of [small, big]) expect(lookupPricer(find, reply)).toEqual({ cause: Cause.lookup, server: 'answerer', credit: LOOKUP_ANSWER_PRICE })
    expect(lookupPricer(findValue, encodeRoutingMessage({ type: 'value', kind: 1, value: Buffer.alloc(100) }))?.credit).toBe(LOOKUP_ANSWER_PRICE)
    expect(lookupPricer(findValue, encodeRoutingMessage({ type: 'notFoundCount', notFound: 2, contacts: [] }))?.cause).toBe(Cause.lookup)
    expect(lookupPricer(encodeRoutingMessage({ type: 'ping' }), encodeRoutingMessage({ type: 'pong', self: contact, observed: contact.endpoint }))).toBeUndefined()
    expect(lookupPricer(encodeRoutingMessage({ type: 'cacheValue', target, kind: 1, value: Buffer.alloc(10) }), encodeRoutingMessage({ type: 'cacheAck', accepted: true }))).toBeUndefined()
    expect(lookupPricer(Buffer.alloc(0), small)).toBeUndefined()
    expect(lookupPricer(find, Buffer.alloc(0))).toBeUndefined()
  })

  it('prices kv and mail by the bytes asked and answered, the answerer serving', () => {
    expect(SERVICE_PRICERS.kv(Buffer.alloc(100), Buffer.alloc(900))).toEqual({ cause: Cause.kv, server: 'answerer', credit: 1000 })
    expect(SERVICE_PRICERS.mail(Buffer.alloc(5000), Buffer.alloc(2))).toEqual({ cause: Cause.mailPush, server: 'answerer', credit: 5002 })
    expect(SERVICE_PRICERS.kv(Buffer.alloc(100), Buffer.alloc(0))).toBeUndefined()
  })

  it('prices a radio segment the child took by the pusher\'s depth, the pusher serving; keep-alives and refusals are free', () => {
    const segment = Buffer.alloc(1000, 3)
    const taken = encodePushReply({ taken: true, price: 0, listeners: 1, relays: 0 })
    const refused = encodePushReply({ taken: false, price: 0, listeners: 0, relays: 0 })
    const at = (depth: number): Buffer => encodeRequest({ type: 'push', path: Array.from({ length: depth }, (_, i) => Buffer.alloc(8, i + 1)), segment })
    expect(radioPricer(at(0), taken)).toEqual({ cause: Cause.radioSegment, server: 'asker', credit: 1000 * RADIO_PRICE_DEPTHS })
    expect(radioPricer(at(3), taken)?.credit).toBe(1000 * (RADIO_PRICE_DEPTHS - 3))
    expect(radioPricer(at(3), refused)).toBeUndefined()
    expect(radioPricer(encodeRequest({ type: 'push', path: [], segment: Buffer.alloc(32, 1) }), taken)).toBeUndefined()
    expect(radioPricer(encodeRequest({ type: 'leave', station: Buffer.alloc(32, 1) }), Buffer.from([0]))).toBeUndefined()
    expect(() => radioPricer(Buffer.from([0x7f]), taken)).toThrow()
  })

  it('prices radio dearer toward the broadcaster, at least 1 per byte, and tunnel cells a unit per byte per hop', () => {
    expect(radioSegmentPrice(10, 0)).toBe(10 * RADIO_PRICE_DEPTHS)
    expect(radioSegmentPrice(10, RADIO_PRICE_DEPTHS + 5)).toBe(10)
    expect(() => radioSegmentPrice(10, -1)).toThrow()
    expect(tunnelCellPrice(1024)).toBe(1024)
  })
})
