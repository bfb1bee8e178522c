import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../src/node/crypto/hash.js'
import { TokenIssuer } from '../../src/node/services/mail/host/token-issuer.js'
import { type MailRequest, encodePushItem, mailRequestCodec, pushReplyCodec, tokenReplyCodec } from '../../src/node/services/mail/messages.js'
import { mineStamp, stampBits, stampHash } from '../../src/node/services/mail/stamp.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { testMailbox } from '../unit/services/mail/host/fixtures.js'

const DIFFICULTY = 6

describe('mailbox hosts on 8 real UDP nodes: spam pushes refused with their codes', () => {
  let net: Testnet
  beforeAll(async () => { net = await createTestnet(8, { config: { mail: { difficulty: DIFFICULTY } } }) })
  afterAll(async () => { await net?.close() })

  it('a real push is taken by ≥ 3 hosts; no work, replay, stale and foreign tokens, and references to nothing are refused', async () => {
    const owner = net.nodes[0].internals.mailNet
    const sender = net.nodes[5]
    const box = testMailbox()
    expect((await owner.announce(box)).accepted).toBeGreaterThanOrEqual(3)

    // The sealed bytes are published as chunks like any file.
    const published = await sender.content.publish([{ path: 'message', kind: 'file', size: 11, open: async function * () { yield Buffer.from('sealed mail') } }])
    await sender.chunks.publish(published.chunkIds)
    const item = encodePushItem({ kind: 'message', rootId: published.reference.id, rootKey: published.reference.key })
    const pushed = await sender.internals.mailNet.push(box.id, item)
    expect(pushed.accepted).toBeGreaterThanOrEqual(3)

    const mail = sender.internals.mailNet
    const [host] = await mail.hostsOf(box.id)
    const ask = async (m: MailRequest): Promise<Buffer> => await mail.request(host, mailRequestCodec.encode(m))
    const tokenReply = tokenReplyCodec.decode(await ask({ type: 'token', mailboxId: box.id }))
    if (!tokenReply.ok) throw new Error(`no token: ${tokenReply.code}`)
    const tokens = [tokenReply.token]
    const push = async (m: Extract<MailRequest, { type: 'push' }>): Promise<unknown> => pushReplyCodec.decode(await ask(m))
    const digest = sha256(item)

    let weak = Buffer.alloc(8)
    for (let n = 0; stampBits(stampHash({ digest, mailboxId: box.id, tokens }, weak)) >= DIFFICULTY; n++) { weak = Buffer.alloc(8); weak.writeUInt32LE(n) }
    expect(await push({ type: 'push', mailboxId: box.id, nonce: weak, tokens, item })).toEqual({ accepted: false, code: 'MAIL_STAMP_INSUFFICIENT' })

    const nonce = await mineStamp({ digest, mailboxId: box.id, tokens }, DIFFICULTY)
    expect(await push({ type: 'push', mailboxId: box.id, nonce, tokens, item })).toEqual({ accepted: true })
    expect(await push({ type: 'push', mailboxId: box.id, nonce, tokens, item })).toEqual({ accepted: false, code: 'MAIL_STAMP_REPLAYED' })

    const foreign = [new TokenIssuer().issue(box.id)]
    const foreignNonce = await mineStamp({ digest, mailboxId: box.id, tokens: foreign }, DIFFICULTY)
    expect(await push({ type: 'push', mailboxId: box.id, nonce: foreignNonce, tokens: foreign, item })).toEqual({ accepted: false, code: 'MAIL_TOKEN_FOREIGN' })

    // A token of this host's from two windows ago: its own MAC, a stale window.
    const stale = Buffer.from(tokens[0]); stale.writeUInt32LE(stale.readUInt32LE(0) - 2)
    const staleNonce = await mineStamp({ digest, mailboxId: box.id, tokens: [stale] }, DIFFICULTY)
    const staleReply = await push({ type: 'push', mailboxId: box.id, nonce: staleNonce, tokens: [stale], item })
    // The MAC covers the window, so an edited window reads as foreign; a token really kept past its life is stale
    // (unit-tested with a clock in test/unit/services/mail/host/token-issuer.test.ts).
    expect(staleReply).toEqual({ accepted: false, code: 'MAIL_TOKEN_FOREIGN' })

    const bogus = encodePushItem({ kind: 'message', rootId: sha256(Buffer.from('no such chunk')), rootKey: Buffer.alloc(32) })
    const bogusNonce = await mineStamp({ digest: sha256(bogus), mailboxId: box.id, tokens }, DIFFICULTY)
    expect(await push({ type: 'push', mailboxId: box.id, nonce: bogusNonce, tokens, item: bogus })).toEqual({ accepted: false, code: 'MAIL_CHUNKS_MISSING' })
    await expect(mail.push(box.id, bogus)).rejects.toMatchObject({ code: 'MAIL_CHUNKS_MISSING' })

    // The owner collects the real push once (from every host that took it).
    const got: Buffer[] = []
    await owner.collect(box, async items => { got.push(...items.map(i => i.item)); return new Set(items.map(i => i.item.toString('hex'))) })
    expect(got).toEqual([item])
    // Mail traffic is metered under its own kind.
    expect(sender.trafficTotals().byKind.mail?.out).toBeGreaterThan(0)
  })
})
