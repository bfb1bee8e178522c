import { describe, expect, it } from 'vitest'
import { makeContact } from '../../../src/node/routing/contact.js'
import { RequestTimeouts } from '../../../src/node/routing/request-timeouts.js'
import { adaptiveRequestTimeoutMs, contactsListener } from '../../../src/node/services/lookup-feedback.js'

const withKey = makeContact(Buffer.alloc(32, 1), { address: '10.0.0.1', port: 1 }, { publicKey: Buffer.alloc(32, 9) })
const withoutKey = makeContact(Buffer.alloc(32, 2), { address: '10.0.0.2', port: 1 })

describe('adaptiveRequestTimeoutMs', () => {
  it('follows the peer\'s measured round trips: twice its retransmission time-out, doubled when a handshake comes first', () => {
    const rtt = new RequestTimeouts()
    for (let i = 0; i < 20; i++) rtt.observe(withKey.id.toString('hex'), 150)
    for (let i = 0; i < 20; i++) rtt.observe(withoutKey.id.toString('hex'), 150)
    const one = adaptiveRequestTimeoutMs({ rtt }, withKey)
    expect(one).toBe(2 * rtt.softTimeout(withKey.id.toString('hex')))
    expect(one).toBeGreaterThan(300)
    expect(one).toBeLessThan(1000)
    expect(adaptiveRequestTimeoutMs({ rtt }, withoutKey)).toBe(2 * one)
  })

  it('never goes below the Dht\'s shortest hard time-out, however short the RTT', () => {
    const rtt = new RequestTimeouts()
    for (let i = 0; i < 20; i++) rtt.observe(withKey.id.toString('hex'), 0.2)
    expect(adaptiveRequestTimeoutMs({ rtt }, withKey)).toBe(rtt.options.minTimeoutMs * rtt.options.hardFactor)
  })
})

describe('contactsListener', () => {
  it('passes on the contacts of reply events only, and nothing when nobody listens', () => {
    expect(contactsListener(undefined)).toBeUndefined()
    const heard: number[] = []
    const listen = contactsListener(cs => { heard.push(...cs.map(c => c.id[0])) })
    listen?.({ type: 'query', contact: withKey, depth: 1 })
    listen?.({ type: 'reply', contact: withKey, depth: 1, rttMs: 10, newContacts: 1, contacts: [withoutKey] })
    listen?.({ type: 'reply', contact: withKey, depth: 1, rttMs: 10, newContacts: 0, contacts: [] })
    expect(heard).toEqual([2])
  })
})
