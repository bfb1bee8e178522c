import { describe, expect, it } from 'vitest'
import { joinStation, type JoinDeps } from '../../../../src/node/services/radio/join.js'
import { makeContact, type Contact } from '../../../../src/node/routing/contact.js'
import { pathId, type Offer, type SubscribeReply } from '../../../../src/node/services/radio/messages.js'
import type { ServiceNetwork } from '../../../../src/node/services/service-network.js'

const station = Buffer.alloc(32, 0x33)
const node = (i: number): Contact => makeContact(Buffer.alloc(32, i), { address: '127.0.0.1', port: 2000 + i })
const self = node(1)
const offer = (path: Buffer[], price: number): Offer => ({ path, price, children: 0, capacity: 8, info: Buffer.from('i') })

function deps (replies: Map<number, SubscribeReply>, found: { from: Contact, offer: Offer } | undefined, log: string[]): JoinDeps {
  const network = {
    self,
    findValue: async () => { log.push('lookup'); return found === undefined ? undefined : { value: Buffer.from([found.offer.price]), from: found.from } }
  } as unknown as ServiceNetwork
  return {
    network,
    subscribe: async (to) => {
      log.push(`subscribe ${to.id[0]}`)
      const r = replies.get(to.id[0])
      if (r === undefined) throw new Error('no answer')
      return r
    },
    checkOffer: () => found?.offer
  }
}

describe('joining a station', () => {
  it('follows a full relay\'s alternatives, cheapest first, and keeps the rest as spares', async () => {
    const log: string[] = []
    const root = node(10)
    const replies = new Map<number, SubscribeReply>([
      [10, { status: 'full', offer: offer([pathId(node(9).id), pathId(root.id)], 3000), alternatives: [{ contact: node(11), price: 900 }, { contact: node(12), price: 500 }, { contact: node(13), price: 700 }] }],
      [12, { status: 'full', alternatives: [] }],
      [13, { status: 'accepted', offer: offer([pathId(node(9).id), pathId(root.id), pathId(node(13).id)], 700), alternatives: [] }]
    ])
    const joined = await joinStation(deps(replies, { from: root, offer: offer([pathId(root.id)], 3000) }, log), station)
    expect(joined?.parent.id[0]).toBe(13)
    expect(log).toEqual(['lookup', 'subscribe 10', 'subscribe 12', 'subscribe 13'])
    expect(joined?.spare.map(s => s.contact.id[0])).toEqual([11])
  })

  it('a re-join tries its spares before any lookup, and looks up only when they fail', async () => {
    const log: string[] = []
    const replies = new Map<number, SubscribeReply>([[20, { status: 'accepted', offer: offer([pathId(node(20).id)], 100), alternatives: [] }]])
    const spare = [{ contact: node(30), price: 50 }] // dead: no answer
    const joined = await joinStation(deps(replies, { from: node(20), offer: offer([pathId(node(20).id)], 100) }, log), station, { spare })
    expect(log).toEqual(['subscribe 30', 'lookup', 'subscribe 20'])
    expect(joined?.parent.id[0]).toBe(20)
  })

  it('refuses an offer whose path runs through this node (a loop under its own subtree)', async () => {
    const log: string[] = []
    const child = node(40)
    const replies = new Map<number, SubscribeReply>([[40, { status: 'accepted', offer: offer([pathId(self.id), pathId(child.id)], 10), alternatives: [] }]])
    const joined = await joinStation(deps(replies, { from: child, offer: offer([pathId(self.id), pathId(child.id)], 10) }, log), station)
    expect(joined).toBeUndefined()
    expect(log).toEqual(['lookup']) // not even asked
  })
})
