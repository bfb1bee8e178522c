import { describe, expect, it } from 'vitest'
import { MAX_PROBED, PROBE_EVERY_MS, StrangerProbe } from '../../../src/node/accounting/stranger-probe.js'
import { makeContact } from '../../../src/node/routing/contact.js'

const contact = (n: number): ReturnType<typeof makeContact> => makeContact(Buffer.alloc(32, n), { address: '127.0.0.1', port: 4000 + n })

describe('StrangerProbe', () => {
  it('asks a peer once per PROBE_EVERY_MS and reweighs it once it answered', async () => {
    let t = 1_000_000
    const asked: string[] = []
    const reweighed: string[] = []
    const p = new StrangerProbe({
      ask: async (peer) => { asked.push(peer.id.toString('hex')); if (peer.id[0] === 2) throw new Error('no answer') },
      reweigh: (hex) => { reweighed.push(hex) },
      now: () => t
    })
    p.maybe(contact(1)); p.maybe(contact(1)); p.maybe(contact(2))
    await new Promise(resolve => setImmediate(resolve))
    expect(asked).toEqual([contact(1).id.toString('hex'), contact(2).id.toString('hex')])
    // Both are weighed again: the one that answered has standing now, the other is silent.
    expect(reweighed).toEqual([contact(1).id.toString('hex'), contact(2).id.toString('hex')])
    expect([p.sent, p.answered]).toEqual([2, 1])
    expect(p.silent(contact(1).id.toString('hex'))).toBe(false)
    expect(p.silent(contact(2).id.toString('hex'))).toBe(true)
    t += PROBE_EVERY_MS
    p.maybe(contact(1))
    expect(p.sent).toBe(3)
  })

  it('a silent peer that answers its next probe is silent no more', async () => {
    let t = 0
    let answer = false
    const p = new StrangerProbe({ ask: async () => { if (!answer) throw new Error('timeout') }, reweigh: () => {}, now: () => t })
    const hex = contact(5).id.toString('hex')
    p.maybe(contact(5))
    await new Promise(resolve => setImmediate(resolve))
    expect(p.silent(hex)).toBe(true)
    answer = true
    t += PROBE_EVERY_MS
    p.maybe(contact(5))
    await new Promise(resolve => setImmediate(resolve))
    expect(p.silent(hex)).toBe(false)
  })

  it('remembers a bounded number of peers', () => {
    const p = new StrangerProbe({ ask: async () => {}, reweigh: () => {}, now: () => 0 })
    for (let i = 0; i <= MAX_PROBED; i++) p.maybe(makeContact(Buffer.from(i.toString(16).padStart(64, '0'), 'hex'), { address: '127.0.0.1', port: 1 }))
    expect(p.sent).toBe(MAX_PROBED + 1)
    // The first one was forgotten, so it is probed again.
    p.maybe(makeContact(Buffer.from('0'.padStart(64, '0'), 'hex'), { address: '127.0.0.1', port: 1 }))
    expect(p.sent).toBe(MAX_PROBED + 2)
  })
})
