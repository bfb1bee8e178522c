import { describe, expect, it } from 'vitest'
import { ChildQueue } from '../../../../src/node/services/radio/child-queue.js'
import { makeContact } from '../../../../src/node/routing/contact.js'
import type { PushReply } from '../../../../src/node/services/radio/messages.js'

const contact = (i: number) => makeContact(Buffer.alloc(32, i), { address: '127.0.0.1', port: 1000 + i })
const ok: PushReply = { taken: true, price: 7, listeners: 2, relays: 3 }
const tick = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

describe('child queue', () => {
  it('a stuck child loses its oldest segments; its sibling is not delayed', async () => {
    const stuck: Array<() => void> = []
    const fastGot: string[] = []
    const slow = new ChildQueue(contact(1), async () => await new Promise<PushReply>(resolve => stuck.push(() => resolve(ok))), () => {}, { maxQueue: 4, inFlight: 2 })
    const fast = new ChildQueue(contact(2), async (_to, seg) => { fastGot.push(seg.toString()); return ok }, () => {}, { maxQueue: 4, inFlight: 2 })
    for (let i = 0; i < 20; i++) {
      const seg = Buffer.from(`s${i}`)
      slow.enqueue(seg); fast.enqueue(seg)
      await tick() // segments arrive over time; the fast child keeps up, the stuck one cannot
    }
    expect(fastGot).toHaveLength(20)
    expect(stuck).toHaveLength(2) // two in flight, never more
    expect(slow.length).toBe(4) // bounded
    expect(slow.dropped).toBe(14)
    // When the child catches up it gets the newest, not the oldest.
    const sent: string[] = []
    const catching = new ChildQueue(contact(3), async (_to, seg) => { sent.push(seg.toString()); return ok }, () => {}, { maxQueue: 3, inFlight: 1 })
    for (let i = 0; i < 6; i++) catching.enqueue(Buffer.from(`c${i}`))
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(sent).toEqual(['c0', 'c3', 'c4', 'c5'])
    expect(fast.price).toBe(7)
    expect(fast.relays).toBe(3)
  })

  it('a child that refuses, or fails repeatedly, is given up', async () => {
    const gone: string[] = []
    const refusing = new ChildQueue(contact(4), async () => ({ ...ok, taken: false }), (why) => gone.push(why))
    refusing.enqueue(Buffer.from('x'))
    await tick(); await tick()
    const dead = new ChildQueue(contact(5), async () => { throw new Error('timeout') }, (why) => gone.push(why), { maxFailures: 3, tries: 1 })
    for (let i = 0; i < 5; i++) dead.enqueue(Buffer.from(`d${i}`))
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(gone).toEqual(['refused', 'unreachable'])
    dead.enqueue(Buffer.from('late'))
    expect(dead.length).toBe(0)
  })
})
