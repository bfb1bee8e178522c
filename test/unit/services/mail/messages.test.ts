import { describe, expect, it } from 'vitest'
import {
  MAIL_REASONS, type MailRequest, collectReplyCodec, decodePushItem, encodePushItem, mailRequestCodec, pushReplyCodec,
  signCollect, signReceipt, tokenReplyCodec, verifyCollect, verifyReceipt
} from '../../../../src/node/services/mail/messages.js'
import { testMailbox } from './host/fixtures.js'

const box = Buffer.alloc(32, 1)

describe('mail host messages', () => {
  it('every request round-trips, and its first bytes are pinned', () => {
    const keys = testMailbox()
    const requests: MailRequest[] = [
      { type: 'token', mailboxId: box },
      { type: 'notify', mailboxId: box },
      { type: 'push', mailboxId: box, nonce: Buffer.alloc(8, 2), tokens: [Buffer.alloc(20, 3), Buffer.alloc(20, 4)], item: encodePushItem({ kind: 'message', rootId: Buffer.alloc(32, 5), rootKey: Buffer.alloc(32, 6) }) },
      signCollect(keys.signingSecret, Buffer.alloc(32, 9), { mailboxId: keys.id, time: 1_700_000_000_000, acks: [Buffer.alloc(32, 7)] })
    ]
    for (const m of requests) expect(mailRequestCodec.decode(mailRequestCodec.encode(m))).toEqual(m)
    expect(mailRequestCodec.encode(requests[0]).toString('hex')).toBe('10' + '01'.repeat(32))
    expect(mailRequestCodec.encode(requests[2]).subarray(0, 42).toString('hex')).toBe('11' + '01'.repeat(32) + '02'.repeat(8) + '02')
  })

  it('malformed requests are refused, never half-read', () => {
    const push = mailRequestCodec.encode({ type: 'push', mailboxId: box, nonce: Buffer.alloc(8), tokens: [Buffer.alloc(20)], item: Buffer.of(1) })
    const bad = [
      Buffer.alloc(0), Buffer.of(0x10), Buffer.of(0x77, ...box), Buffer.concat([Buffer.of(0x10), box, Buffer.of(0)]),
      push.subarray(0, 41), // no token count
      Buffer.concat([push.subarray(0, 41), Buffer.of(0)]), // zero tokens
      Buffer.concat([push.subarray(0, 41), Buffer.of(9)]), // too many tokens
      push.subarray(0, push.length - 1), // empty item
      Buffer.concat([push, Buffer.alloc(600)]) // oversized item
    ]
    for (const b of bad) expect(() => mailRequestCodec.decode(b)).toThrow()
  })

  it('items round-trip; receipts verify only under their key', () => {
    const keys = testMailbox()
    const receipt = signReceipt(keys.signingSecret, keys.signingKey, Buffer.alloc(32, 3))
    expect(decodePushItem(encodePushItem(receipt))).toEqual(receipt)
    expect(receipt.kind === 'receipt' && verifyReceipt(receipt)).toBe(true)
    if (receipt.kind !== 'receipt') throw new Error('unreachable')
    expect(verifyReceipt({ ...receipt, messageHash: Buffer.alloc(32, 4) })).toBe(false)
    expect(verifyReceipt({ ...receipt, signingKey: testMailbox().signingKey })).toBe(false)
    expect(() => decodePushItem(Buffer.of(3))).toThrow()
    expect(() => decodePushItem(Buffer.concat([encodePushItem(receipt), Buffer.of(0)]))).toThrow()
  })

  it('a collect request is bound to its host and its acks', () => {
    const keys = testMailbox()
    const host = Buffer.alloc(32, 9)
    const m = signCollect(keys.signingSecret, host, { mailboxId: keys.id, time: 5, acks: [] })
    expect(verifyCollect(keys.signingKey, host, m)).toBe(true)
    expect(verifyCollect(keys.signingKey, Buffer.alloc(32, 8), m)).toBe(false)
    expect(verifyCollect(keys.signingKey, host, { ...m, acks: [Buffer.alloc(32)] })).toBe(false)
    expect(verifyCollect(testMailbox().signingKey, host, m)).toBe(false)
  })

  it('replies round-trip with every refusal code', () => {
    for (const code of MAIL_REASONS) {
      expect(pushReplyCodec.decode(pushReplyCodec.encode({ accepted: false, code }))).toEqual({ accepted: false, code })
      expect(tokenReplyCodec.decode(tokenReplyCodec.encode({ ok: false, code }))).toEqual({ ok: false, code })
      expect(collectReplyCodec.decode(collectReplyCodec.encode({ ok: false, code }))).toEqual({ ok: false, code })
    }
    const token = { ok: true as const, token: Buffer.alloc(20, 1) }
    expect(tokenReplyCodec.decode(tokenReplyCodec.encode(token))).toEqual(token)
    const collected = { ok: true as const, more: true, items: [{ id: Buffer.alloc(32, 1), item: Buffer.of(1, 2, 3) }] }
    expect(collectReplyCodec.decode(collectReplyCodec.encode(collected))).toEqual(collected)
    expect(() => tokenReplyCodec.decode(Buffer.of(0, 1))).toThrow()
    expect(() => collectReplyCodec.decode(Buffer.of(0, 2, 0, 0))).toThrow()
    expect(() => pushReplyCodec.decode(Buffer.of(200))).toThrow()
  })
})
