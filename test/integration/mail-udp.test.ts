import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode } from '../../src/node/node.js'
import { encodePushItem } from '../../src/node/services/mail/messages.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

/**
 * Mail end to end on real UDP nodes: the recipient is offline when the message
 * is sent and one of its mailbox hosts is killed before it comes back; it
 * still gets the message (attachment byte-exact), and the sender sees
 * "delivered" once the receipt is in, its chunks unpinned.
 */
describe('mail on 10 real UDP nodes', () => {
  let net: Testnet
  const killed = new Set<number>()
  beforeAll(async () => {
    net = await createTestnet(10, { config: { mail: { difficulty: 6 }, names: { difficulty: 6 } }, nameDifficulty: 6 })
  }, 60_000)
  afterAll(async () => { await net?.close() })

  it('send to an offline NAME@tor-net; a host dies; the recipient comes back, reads it; the sender sees delivered', async () => {
    const alice = net.nodes[1]
    let bob = net.nodes[9]
    await alice.mail.createMailbox()
    const bobBox = await bob.mail.createMailbox({ name: 'bob' })
    expect(bobBox.names).toEqual(['bob@tor-net'])

    // Bob goes offline.
    const bobDir = net.dirs[9]
    const { identity, config } = bob
    await bob.stop()

    const attachment = Buffer.alloc(200_000)
    for (let i = 0; i < attachment.length; i++) attachment[i] = (i * 7919) & 0xff
    const phases = new Set<string>()
    const sent = await alice.mail.send({
      to: ['bob@tor-net'], subject: 'hello bob', text: 'sent while you were away',
      attachments: [{ filename: 'data.bin', contentType: 'application/octet-stream', content: attachment }]
    }, { onProgress: p => phases.add(p.phase) })
    expect(sent.delivery).toBe('pending')
    expect([...phases]).toEqual(expect.arrayContaining(['resolving', 'publishing', 'pushing', 'done']))
    const pinnedBefore = alice.chunkIds('local').length

    // One of the hosts holding the push dies.
    const holders = net.nodes.filter((n, i) => i !== 1 && i !== 0 && i !== 9 && n.internals.mailNet.host.queues.size > 0)
    expect(holders.length).toBeGreaterThanOrEqual(1)
    killed.add(net.nodes.indexOf(holders[0]))
    await holders[0].stop()

    // Bob comes back on a new port.
    bob = await createNode({ dataDir: bobDir, identity, config: { ...config, listen: { host: '127.0.0.1', port: 0 } } })
    net.nodes[9] = bob
    await bob.bootstrap([net.nodes[0].endpoint])
    bob.start()
    const got = await bob.mail.check()
    expect(got.received).toBe(1)
    const inbox = await bob.mail.list('inbox')
    expect(inbox.messages.map(m => m.subject)).toEqual(['hello bob'])
    expect(inbox.unread).toBe(1)
    const view = await bob.mail.read(inbox.messages[0].id)
    expect(view?.text?.trim()).toBe('sent while you were away')
    const file = await bob.mail.attachment(inbox.messages[0].id, 0)
    expect(file?.content.equals(attachment)).toBe(true)
    expect(inbox.messages[0].from).toBe((await alice.mail.mailbox())?.address)

    // A second check finds nothing new (the hosts were acknowledged; duplicates are not stored twice).
    expect((await bob.mail.check()).received).toBe(0)

    // The receipt went to Alice's hosts; her check takes it in.
    const receipts = await alice.mail.check()
    expect(receipts.receipts).toBe(1)
    const sentFolder = await alice.mail.list('sent')
    expect(sentFolder.messages[0].delivery).toBe('delivered')
    expect(alice.chunkIds('local').length).toBeLessThan(pinnedBefore)
  }, 120_000)

  it('a pushed file that is not a sealed message for us goes aside with its reason', async () => {
    const [carol, dave] = net.nodes.filter((_, i) => i >= 2 && i < 9 && !killed.has(i))
    const box = await carol.mail.createMailbox()
    const junk = Buffer.from('this is not a sealed message at all, just bytes published as a file')
    const published = await dave.content.publish([{ path: 'message', kind: 'file', size: junk.length, open: async function * () { yield junk } }])
    await dave.chunks.publish(published.chunkIds)
    await dave.internals.mailNet.push(box.id, encodePushItem({ kind: 'message', rootId: published.reference.id, rootKey: published.reference.key }))
    const r = await carol.mail.check()
    expect(r).toMatchObject({ received: 0, aside: 1 })
    const aside = await carol.mail.list('aside')
    expect(aside.messages[0].asideReason).toMatch(/^MAIL_/)
  }, 60_000)
})
