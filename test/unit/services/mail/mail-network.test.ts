import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { type MailNetwork, createMailNetwork } from '../../../../src/node/services/mail/mail-network.js'
import { decodePushItem, encodePushItem, signReceipt } from '../../../../src/node/services/mail/messages.js'
import { MemoryServiceNetwork, type MemoryServiceNode } from '../../../helpers/memory-service-network.js'
import { testMailbox } from './host/fixtures.js'

function network (n: number) {
  const net = new MemoryServiceNetwork({ k: 8 })
  const nodes = net.addNodes(n)
  const published = new Set<string>()
  const notified: string[] = []
  const mails = nodes.map((node: MemoryServiceNode, i) => createMailNetwork({
    network: node,
    difficulty: 4,
    chunkExists: async id => published.has(id.toString('hex')),
    onNotify: id => { notified.push(`${i}:${id.toString('hex')}`) }
  }))
  for (const m of mails) m.start()
  return { net, nodes, mails, published, notified }
}

async function collectAll (m: MailNetwork, keys: ReturnType<typeof testMailbox>): Promise<Buffer[]> {
  const got: Buffer[] = []
  await m.collect(keys, async items => {
    for (const i of items) got.push(i.item)
    return new Set(items.map(i => i.item.toString('hex')))
  })
  return got
}

describe('mail network (in-memory, 20 nodes)', () => {
  it('announce, find, push to ≥ 3 hosts, collect once, acknowledge', async () => {
    const { mails, published, notified } = network(20)
    const alice = testMailbox()
    const announced = await mails[0].announce(alice)
    expect(announced.accepted).toBeGreaterThanOrEqual(3)
    const found = await mails[7].findMailbox(alice.id)
    expect(found?.encryptionKey).toEqual(alice.encryptionKey)
    expect(await mails[7].findMailbox(testMailbox().id)).toBeUndefined()

    const rootId = sha256(Buffer.from('sealed message'))
    published.add(rootId.toString('hex'))
    const item = encodePushItem({ kind: 'message', rootId, rootKey: Buffer.alloc(32, 1) })
    const stamps: number[] = []
    const pushed = await mails[7].push(alice.id, item, { onStamp: p => stamps.push(p.hashes) })
    expect(pushed.accepted).toBeGreaterThanOrEqual(3)

    // A push whose chunks nobody provides is refused by every host.
    const bogus = encodePushItem({ kind: 'message', rootId: sha256(Buffer.from('nothing')), rootKey: Buffer.alloc(32) })
    await expect(mails[7].push(alice.id, bogus)).rejects.toMatchObject({ code: 'MAIL_CHUNKS_MISSING' })

    const first = await collectAll(mails[0], alice)
    expect(first).toEqual([item])
    expect(await collectAll(mails[0], alice)).toEqual([])

    // Now that the owner has collected, a new push makes its hosts notify it.
    const receipt = encodePushItem(signReceipt(alice.signingSecret, alice.signingKey, sha256(Buffer.from('x'))))
    await mails[3].push(alice.id, receipt)
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(notified).toContain(`0:${alice.id.toString('hex')}`)
    const got = await collectAll(mails[0], alice)
    expect(got.map(b => decodePushItem(b).kind)).toEqual(['receipt'])
  })

  it('an item stays at the hosts until it is dealt with; a host down between send and collect loses nothing', async () => {
    const { net, nodes, mails, published } = network(20)
    const bob = testMailbox()
    await mails[1].announce(bob)
    const rootId = sha256(Buffer.from('for bob'))
    published.add(rootId.toString('hex'))
    const item = encodePushItem({ kind: 'message', rootId, rootKey: Buffer.alloc(32, 2) })
    await mails[2].push(bob.id, item)
    // Not dealt with: nothing acknowledged.
    await mails[1].collect(bob, async () => new Set())
    const holders = nodes.filter((_, i) => mails[i].host.queues.size > 0)
    expect(holders.length).toBeGreaterThanOrEqual(3)
    net.setFault(holders[0], { down: true })
    expect(await collectAll(mails[1], bob)).toEqual([item])
    expect(mails.filter((m, i) => nodes[i] !== holders[0] && m.host.queues.size > 0)).toEqual([])
  })

  it('no host for an unannounced mailbox: MAIL_NOT_DELIVERED', async () => {
    const { mails } = network(10)
    await expect(mails[0].push(testMailbox().id, Buffer.of(1))).rejects.toMatchObject({ code: 'MAIL_NOT_DELIVERED' })
  })
})
