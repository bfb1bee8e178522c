import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { generateIdentity, rankOf } from '../../../../src/node/identity/identity.js'
import { makeContact, type Contact } from '../../../../src/node/routing/contact.js'
import {
  MAX_EXIT_PAYLOAD, decodeClosestAnswer, decodeClosestQuery, decodeFindValueAnswer, decodeFindValueQuery,
  decodeRequestAnswer, decodeRequestQuery, decodeStreamAnswer, decodeStreamQuery, encodeClosestAnswer,
  encodeClosestQuery, encodeFindValueAnswer, encodeFindValueQuery, encodeRequestAnswer, encodeRequestQuery,
  encodeStreamAnswer, encodeStreamQuery
} from '../../../../src/node/services/tunnels/exit-messages.js'
import { MAX_REQUEST_BYTES } from '../../../../src/node/services/tunnels/relay-message.js'

/** A contact with a mined rank of at least 3, so a rank lost on the way would show. */
function contact (port: number, address = '198.51.100.7'): Contact {
  const id = generateIdentity()
  let nonce = randomBytes(8)
  while (rankOf(id.publicKey, nonce) < 3) nonce = randomBytes(8)
  return makeContact(id.id, { address, port }, { publicKey: id.publicKey, nonce, rank: rankOf(id.publicKey, nonce) })
}

const malformed = (f: () => unknown): void => { expect(f).toThrow(expect.objectContaining({ code: 'WIRE_MALFORMED' })) }

describe('exit messages', () => {
  it('round-trips a closest query and refuses counts out of range and trailing bytes', () => {
    const key = Buffer.alloc(32, 7)
    expect(decodeClosestQuery(encodeClosestQuery({ key, count: 20 }))).toEqual({ key, count: 20 })
    malformed(() => decodeClosestQuery(Buffer.concat([key, Buffer.from([0])])))
    malformed(() => decodeClosestQuery(Buffer.concat([key, Buffer.from([21])])))
    malformed(() => decodeClosestQuery(Buffer.concat([key, Buffer.from([3, 0])])))
    malformed(() => decodeClosestQuery(key))
  })

  it('carries contacts with their keys and verified ranks, nearest first, cut to fit one relay request', () => {
    const contacts = Array.from({ length: 20 }, (_, i) => contact(1000 + i, i % 2 === 0 ? '198.51.100.7' : '2001:db8::7'))
    const bytes = encodeClosestAnswer({ ok: true, contacts })
    expect(bytes.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES)
    const back = decodeClosestAnswer(bytes)
    if (!back.ok) throw new Error('expected ok')
    expect(back.contacts.length).toBeGreaterThan(10)
    expect(back.contacts.length).toBeLessThan(20)
    back.contacts.forEach((c, i) => {
      expect(c.id.equals(contacts[i].id)).toBe(true)
      expect(c.endpoint).toEqual(contacts[i].endpoint)
      expect(c.publicKey?.equals(contacts[i].publicKey as Buffer)).toBe(true)
      expect(c.rank).toBe(contacts[i].rank)
      expect(c.rank).toBeGreaterThanOrEqual(3)
    })
  })

  it('refuses a contact whose endpoint is unusable and unknown statuses', () => {
    const bytes = encodeClosestAnswer({ ok: true, contacts: [contact(1)] })
    const bad = Buffer.from(bytes)
    bad.writeUInt16LE(0, bad.length - 8 - 2) // the port, before the nonce
    malformed(() => decodeClosestAnswer(bad))
    malformed(() => decodeClosestAnswer(Buffer.from([9])))
    malformed(() => decodeClosestAnswer(Buffer.concat([bytes, Buffer.from([0])])))
  })

  it('round-trips errors with their codes', () => {
    const a = decodeClosestAnswer(encodeClosestAnswer({ ok: false, error: { code: 'TUNNEL_LIMIT', message: 'slow down' } }))
    expect(a).toEqual({ ok: false, error: { code: 'TUNNEL_LIMIT', message: 'slow down' } })
    const b = decodeRequestAnswer(encodeRequestAnswer({ ok: false, error: { code: 'not a code!', message: 'x'.repeat(5000) } }))
    if (b.ok) throw new Error('expected an error')
    expect(b.error.code).toBe('EXIT_FAILED')
    expect(b.error.message.length).toBeLessThan(1000)
  })

  it('round-trips find-value queries and answers', () => {
    const key = Buffer.alloc(32, 1)
    expect(decodeFindValueQuery(encodeFindValueQuery({ key, kind: 2 }))).toEqual({ key, kind: 2 })
    expect(decodeFindValueQuery(encodeFindValueQuery({ key, kind: 1, notFoundStop: { count: 8, quorum: 3 } })))
      .toEqual({ key, kind: 1, notFoundStop: { count: 8, quorum: 3 } })
    malformed(() => decodeFindValueQuery(Buffer.concat([key, Buffer.from([0, 0, 0])])))
    malformed(() => decodeFindValueQuery(Buffer.concat([key, Buffer.from([1, 8, 0])])))
    const from = contact(7)
    const value = Buffer.from('a value')
    const v = decodeFindValueAnswer(encodeFindValueAnswer({ status: 'value', from, value }))
    if (v.status !== 'value') throw new Error('expected a value')
    expect(v.value).toEqual(value)
    expect(v.from.id.equals(from.id)).toBe(true)
    expect(decodeFindValueAnswer(encodeFindValueAnswer({ status: 'miss', notFound: 9, stoppedEarly: true }))).toEqual({ status: 'miss', notFound: 9, stoppedEarly: true })
    malformed(() => decodeFindValueAnswer(Buffer.from([1, 0, 0, 0, 0, 2])))
  })

  it('round-trips requests and streams and bounds their payloads', () => {
    const to = contact(9)
    const payload = Buffer.alloc(5000, 3)
    const q = decodeRequestQuery(encodeRequestQuery({ to, service: 'chunks', timeoutMs: 1234, payload }))
    expect(q.service).toBe('chunks')
    expect(q.timeoutMs).toBe(1234)
    expect(q.payload).toEqual(payload)
    expect(q.to.id.equals(to.id)).toBe(true)
    expect(() => encodeRequestQuery({ to, service: 'chunks', timeoutMs: 1, payload: Buffer.alloc(MAX_EXIT_PAYLOAD + 1) })).toThrow(RangeError)
    expect(() => encodeRequestQuery({ to, service: 'bad name', timeoutMs: 1, payload })).toThrow(RangeError)
    const tooBig = Buffer.concat([encodeRequestQuery({ to, service: 'x', timeoutMs: 1, payload: Buffer.alloc(0) }), Buffer.alloc(MAX_EXIT_PAYLOAD + 1)])
    malformed(() => decodeRequestQuery(tooBig))
    expect(decodeRequestAnswer(encodeRequestAnswer({ ok: true, reply: Buffer.from('hi') }))).toEqual({ ok: true, reply: Buffer.from('hi') })
    const s = decodeStreamQuery(encodeStreamQuery({ to, service: 'echo' }))
    expect(s.service).toBe('echo')
    expect(decodeStreamAnswer(encodeStreamAnswer({ ok: true }))).toEqual({ ok: true })
    malformed(() => decodeStreamAnswer(Buffer.from([0, 0])))
    malformed(() => decodeStreamQuery(Buffer.alloc(10)))
  })

  it('never throws anything but a wire error on random bytes', () => {
    const decoders = [decodeClosestQuery, decodeClosestAnswer, decodeFindValueQuery, decodeFindValueAnswer, decodeRequestQuery, decodeRequestAnswer, decodeStreamQuery, decodeStreamAnswer]
    let seed = 12345
    const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed }
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(rnd() % 120)
      for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff
      if (b.length > 0) b[0] = rnd() % 3
      for (const d of decoders) {
        try { d(b) } catch (err) { expect((err as { code?: string }).code).toBe('WIRE_MALFORMED') }
      }
    }
  })
})
