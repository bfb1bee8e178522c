import { describe, expect, it } from 'vitest'
import { MailboxQueues } from '../../../../../src/node/services/mail/host/mailbox-queue.js'

const box = Buffer.alloc(32, 1)
const item = (i: number): { id: string, item: Buffer } => ({ id: `id${i}`, item: Buffer.of(i) })

describe('mailbox queues', () => {
  it('caps a sender, then the mailbox, and never evicts', () => {
    const q = new MailboxQueues({ maxPerMailbox: 5, maxPerSender: 2 })
    expect(q.add(box, { ...item(1), sender: 'spammer' })).toBeUndefined()
    expect(q.add(box, { ...item(2), sender: 'spammer' })).toBeUndefined()
    expect(q.add(box, { ...item(3), sender: 'spammer' })).toBe('MAIL_OVER_SENDER_CAP')
    for (let i = 4; i < 7; i++) expect(q.add(box, { ...item(i), sender: `s${i}` })).toBeUndefined()
    expect(q.add(box, { ...item(9), sender: 'late' })).toBe('MAIL_QUEUE_FULL')
    expect(q.peek(box, 10).items.map(i => i.id)).toEqual(['id1', 'id2', 'id4', 'id5', 'id6'])
    expect(q.remove(box, ['id1', 'nope'])).toBe(1)
    expect(q.add(box, { ...item(3), sender: 'spammer' })).toBeUndefined()
  })

  it('pages and expires', () => {
    let now = 0
    const q = new MailboxQueues({ lifetimeMs: 100, now: () => now })
    for (let i = 0; i < 3; i++) q.add(box, { ...item(i), sender: 'a' })
    expect(q.peek(box, 2)).toMatchObject({ more: true })
    now = 100
    expect(q.peek(box, 10).items).toEqual([])
    expect(q.size).toBe(0)
  })

  it('bounds the total over all mailboxes', () => {
    const q = new MailboxQueues({ maxTotal: 1 })
    expect(q.add(box, { ...item(1), sender: 'a' })).toBeUndefined()
    expect(q.add(Buffer.alloc(32, 2), { ...item(2), sender: 'a' })).toBe('MAIL_QUEUE_FULL')
  })
})
