import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../../src/node/crypto/hash.js'
import { MailboxHost } from '../../../../../src/node/services/mail/host/mailbox-host.js'
import { signMailboxRecord } from '../../../../../src/node/services/mail/host/mailbox-record.js'
import { MailboxRecordStore } from '../../../../../src/node/services/mail/host/mailbox-records.js'
import { TokenIssuer } from '../../../../../src/node/services/mail/host/token-issuer.js'
import { type MailRequest, encodePushItem, signCollect, signReceipt } from '../../../../../src/node/services/mail/messages.js'
import { mineStamp, stampBits, stampHash } from '../../../../../src/node/services/mail/stamp.js'
import { testMailbox } from './fixtures.js'

const DIFFICULTY = 8
const selfId = Buffer.alloc(32, 0xaa)

function setup (opts: { maxPerSender?: number } = {}) {
  let now = 1_800_000_000_000
  const clock = { get: () => now, advance: (ms: number) => { now += ms } }
  const records = new MailboxRecordStore({ now: clock.get })
  const keys = testMailbox()
  records.offer(signMailboxRecord(keys.signingSecret, { signingKey: keys.signingKey, encryptionKey: keys.encryptionKey, issuedAt: now, seq: 1 }))
  const existing = new Set<string>()
  const host = new MailboxHost({
    records, selfId, difficulty: DIFFICULTY, now: clock.get,
    tokens: new TokenIssuer({ now: clock.get, windowMs: 60_000 }),
    chunkExists: async id => existing.has(id.toString('hex')),
    queue: { maxPerSender: opts.maxPerSender ?? 100 }
  })
  return { host, keys, clock, existing }
}

function messageItem (seed: number): Buffer {
  return encodePushItem({ kind: 'message', rootId: sha256(Buffer.of(seed)), rootKey: Buffer.alloc(32, seed) })
}

async function stamped (mailboxId: Buffer, item: Buffer, tokens: Buffer[]): Promise<Extract<MailRequest, { type: 'push' }>> {
  const nonce = await mineStamp({ digest: sha256(item), mailboxId, tokens }, DIFFICULTY)
  return { type: 'push', mailboxId, nonce, tokens, item }
}

/** A nonce whose stamp falls short of the difficulty: a push without the work. */
function unstamped (mailboxId: Buffer, item: Buffer, tokens: Buffer[]): Extract<MailRequest, { type: 'push' }> {
  for (let n = 0; ; n++) {
    const nonce = Buffer.alloc(8); nonce.writeUInt32LE(n)
    if (stampBits(stampHash({ digest: sha256(item), mailboxId, tokens }, nonce)) < DIFFICULTY) return { type: 'push', mailboxId, nonce, tokens, item }
  }
}

describe('mailbox host', () => {
  it('takes a well-stamped push for chunks that exist, and the owner collects it', async () => {
    const { host, keys, existing } = setup()
    const item = messageItem(1)
    existing.add(sha256(Buffer.of(1)).toString('hex'))
    const token = host.token(keys.id)
    if (!token.ok) throw new Error('no token')
    const verdict = await host.push(await stamped(keys.id, item, [Buffer.alloc(20), token.token]), 'peer-a')
    expect(verdict.accepted).toBe(true)
    const collected = host.collect(signCollect(keys.signingSecret, selfId, { mailboxId: keys.id, time: Date.now(), acks: [] }))
    expect(collected.ok).toBe(false) // the clock here is the host's (far from Date.now): refused
    const now = 1_800_000_000_000
    const first = host.collect(signCollect(keys.signingSecret, selfId, { mailboxId: keys.id, time: now, acks: [] }))
    expect(first).toMatchObject({ ok: true, more: false })
    if (!first.ok) throw new Error('refused')
    expect(first.items.map(i => i.item)).toEqual([item])
    const after = host.collect(signCollect(keys.signingSecret, selfId, { mailboxId: keys.id, time: now, acks: [first.items[0].id] }))
    expect(after).toEqual({ ok: true, more: false, items: [] })
  })

  it('refuses spam with a code each: no work, replay, stale or foreign token, reference to nothing, unknown mailbox, forged receipt', async () => {
    const { host, keys, clock, existing } = setup()
    const token = host.token(keys.id)
    if (!token.ok) throw new Error('no token')
    const real = messageItem(1)
    existing.add(sha256(Buffer.of(1)).toString('hex'))
    expect(await host.push(unstamped(keys.id, real, [token.token]), 'p')).toEqual({ accepted: false, code: 'MAIL_STAMP_INSUFFICIENT' })
    const good = await stamped(keys.id, real, [token.token])
    expect((await host.push(good, 'p')).accepted).toBe(true)
    expect(await host.push(good, 'q')).toEqual({ accepted: false, code: 'MAIL_STAMP_REPLAYED' })
    expect(await host.push(await stamped(keys.id, messageItem(2), [token.token]), 'p')).toEqual({ accepted: false, code: 'MAIL_CHUNKS_MISSING' })
    const foreign = new TokenIssuer().issue(keys.id)
    expect(await host.push(await stamped(keys.id, real, [foreign]), 'p')).toEqual({ accepted: false, code: 'MAIL_TOKEN_FOREIGN' })
    const other = testMailbox()
    expect(await host.push(await stamped(other.id, real, [token.token]), 'p')).toEqual({ accepted: false, code: 'MAIL_MAILBOX_UNKNOWN' })
    expect(host.token(other.id)).toEqual({ ok: false, code: 'MAIL_MAILBOX_UNKNOWN' })
    const receipt = signReceipt(other.signingSecret, other.signingKey, Buffer.alloc(32, 1))
    const forged = encodePushItem({ ...receipt, messageHash: Buffer.alloc(32, 2) } as typeof receipt)
    expect(await host.push(await stamped(keys.id, forged, [token.token]), 'p')).toEqual({ accepted: false, code: 'MAIL_BAD_RECEIPT' })
    expect((await host.push(await stamped(keys.id, encodePushItem(receipt), [token.token]), 'p')).accepted).toBe(true)
    expect(await host.push({ ...good, item: Buffer.of(9) }, 'p')).toEqual({ accepted: false, code: 'MAIL_MALFORMED' })
    clock.advance(120_000)
    expect(await host.push(await stamped(keys.id, messageItem(3), [token.token]), 'p')).toEqual({ accepted: false, code: 'MAIL_TOKEN_STALE' })
    expect(host.stats.refused).toMatchObject({ MAIL_STAMP_INSUFFICIENT: 1, MAIL_STAMP_REPLAYED: 1, MAIL_TOKEN_STALE: 1 })
  })

  it('10,000 bogus pushes never evict real mail', async () => {
    const { host, keys, existing } = setup({ maxPerSender: 3 })
    const token = host.token(keys.id)
    if (!token.ok) throw new Error('no token')
    const real = messageItem(1)
    existing.add(sha256(Buffer.of(1)).toString('hex'))
    expect((await host.push(await stamped(keys.id, real, [token.token]), 'friend')).accepted).toBe(true)
    const codes = new Map<string, number>()
    for (let i = 0; i < 10_000; i++) {
      // Mostly unstamped; every 1,000th carries real work over a real reference, from the same flooding peer.
      let push: Extract<MailRequest, { type: 'push' }>
      if (i % 1000 === 0) {
        existing.add(sha256(Buffer.of(100 + i / 1000)).toString('hex'))
        push = await stamped(keys.id, messageItem(100 + i / 1000), [token.token])
      } else push = { ...unstamped(keys.id, real, [token.token]) }
      const v = await host.push(push, 'flooder')
      const code = v.accepted ? 'accepted' : v.code
      codes.set(code, (codes.get(code) ?? 0) + 1)
    }
    expect(codes.get('accepted')).toBe(3)
    expect(codes.get('MAIL_OVER_SENDER_CAP')).toBe(7)
    const page = host.collect(signCollect(keys.signingSecret, selfId, { mailboxId: keys.id, time: 1_800_000_000_000, acks: [] }))
    if (!page.ok) throw new Error('refused')
    expect(page.items[0].item).toEqual(real)
    expect(page.items.length).toBe(4)
  }, 60_000)

  it('only the owner collects', () => {
    const { host, keys } = setup()
    const stranger = testMailbox()
    const forged = signCollect(stranger.signingSecret, selfId, { mailboxId: keys.id, time: 1_800_000_000_000, acks: [] })
    expect(host.collect(forged)).toEqual({ ok: false, code: 'MAIL_COLLECT_REFUSED' })
    const forAnotherHost = signCollect(keys.signingSecret, Buffer.alloc(32, 1), { mailboxId: keys.id, time: 1_800_000_000_000, acks: [] })
    expect(host.collect(forAnotherHost)).toEqual({ ok: false, code: 'MAIL_COLLECT_REFUSED' })
  })
})
