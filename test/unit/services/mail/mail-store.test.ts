import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type MailStore, mailStorePath, openMailStore } from '../../../../src/node/services/mail/mail-store.js'
import { composeMessage } from '../../../../src/node/services/mail/message-format.js'
import type { OutgoingMail } from '../../../../src/node/services/mail/mail-api.js'
import { isTornetError } from '../../../../src/node/errors.js'

const dirs: string[] = []
const stores: MailStore[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
async function fresh (): Promise<{ dir: string, store: MailStore }> {
  const base = await mkdtemp(join(tmpdir(), 'mail-store-'))
  dirs.push(base)
  const dir = mailStorePath(base)
  const store = await openMailStore(dir)
  stores.push(store)
  return { dir, store }
}
async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (e) { return isTornetError(e) ? e.code : String(e) }
  return undefined
}
async function msg (subject: string, from: string, date: number, extra: Partial<OutgoingMail> = {}): Promise<Buffer> {
  return (await composeMessage({ to: ['me@tor-net'], subject, text: `body of ${subject}`, ...extra }, from, new Date(date))).raw
}
const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000

describe('mail store', () => {
  it('lists newest first with paging, and keeps counts as messages change', async () => {
    const { store } = await fresh()
    const ids: string[] = []
    for (let i = 0; i < 30; i++) {
      const s = await store.add('inbox', await msg(`m${i}`, `s${i % 3}@tor-net`, T0 + i * 1000), { now: T0 + DAY })
      ids.push(s.id)
      expect(s.unread).toBe(true)
    }
    const p1 = await store.list('inbox', { limit: 10 })
    expect(p1.total).toBe(30)
    expect(p1.unread).toBe(30)
    expect(p1.messages.map(m => m.subject)).toEqual(Array.from({ length: 10 }, (_, k) => `m${29 - k}`))
    const p3 = await store.list('inbox', { offset: 25, limit: 10 })
    expect(p3.messages.map(m => m.subject)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0'])
    expect((await store.list('inbox', { offset: 30 })).messages).toEqual([])

    await store.setUnread(ids[0], false)
    await store.setUnread(ids[0], false) // idempotent: counted once
    await store.move(ids[1], 'sent')
    await store.delete(ids[2]) // to trash
    let c = await store.counts()
    expect(c.inbox).toEqual({ total: 28, unread: 27 })
    expect(c.sent).toEqual({ total: 1, unread: 1 })
    expect(c.trash).toEqual({ total: 1, unread: 0 })
    expect(c.drafts).toEqual({ total: 0, unread: 0 })
    expect((await store.list('trash')).messages.map(m => m.id)).toEqual([ids[2]])
    await store.delete(ids[2]) // from trash: gone
    c = await store.counts()
    expect(c.trash).toEqual({ total: 0, unread: 0 })
    expect(await store.get(ids[2])).toBeUndefined()
    expect(await store.raw(ids[2])).toBeUndefined()
    expect((await store.list('inbox', { limit: 1000 })).messages.length).toBe(28)
  })

  it('searches sender and subject case-insensitively, with paging over the matches', async () => {
    const { store } = await fresh()
    for (let i = 0; i < 12; i++) {
      await store.add('inbox', await msg(i % 2 === 0 ? `Invoice ${i}` : `hello ${i}`, i % 3 === 0 ? 'billing@tor-net' : 'friend@tor-net', T0 + i * 1000))
    }
    const inv = await store.list('inbox', { search: 'INVOICE' })
    expect(inv.total).toBe(6)
    expect(inv.messages.map(m => m.subject)).toEqual(['Invoice 10', 'Invoice 8', 'Invoice 6', 'Invoice 4', 'Invoice 2', 'Invoice 0'])
    const billing = await store.list('inbox', { search: 'Billing@', offset: 1, limit: 2 })
    expect(billing.total).toBe(4)
    expect(billing.messages.map(m => m.subject)).toEqual(['Invoice 6', 'hello 3'])
    expect((await store.list('inbox', { search: 'nothing like this' })).total).toBe(0)
    expect((await store.list('sent', { search: 'invoice' })).total).toBe(0)
  })

  it('serves the read view and attachments from the stored raw message', async () => {
    const { store } = await fresh()
    const blob = randomBytes(100_000)
    const raw = await msg('with files', 'alice@tor-net', T0, {
      cc: ['carol@tor-net'],
      html: '<p>hi</p>',
      inReplyTo: '<x@tor-net>',
      attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', content: blob }, { filename: 'b.txt', contentType: 'text/plain', content: Buffer.from('bee') }]
    })
    const hash = randomBytes(32)
    const s = await store.add('inbox', raw, { hash, senderAddress: 'alice-verified@tor-net' })
    expect(s.attachments).toBe(2)
    expect(s.from).toBe('alice-verified@tor-net')
    const v = await store.get(s.id)
    expect(v?.text?.trim()).toBe('body of with files')
    expect(v?.html).toContain('<p>hi</p>')
    expect(v?.cc).toEqual(['carol@tor-net'])
    expect(v?.inReplyTo).toBe('<x@tor-net>')
    expect(v?.attachmentList).toEqual([
      { index: 0, filename: 'a.bin', contentType: 'application/octet-stream', size: blob.length },
      { index: 1, filename: 'b.txt', contentType: 'text/plain', size: 3 }
    ])
    expect((await store.attachment(s.id, 0))?.content.equals(blob)).toBe(true)
    expect((await store.attachment(s.id, 1))?.content.toString()).toBe('bee')
    expect(await store.attachment(s.id, 2)).toBeUndefined()
    expect(await store.attachment(s.id, -1)).toBeUndefined()
    expect((await store.raw(s.id))?.equals(raw)).toBe(true)
    expect(await store.findByHash(hash)).toBe(s.id)
    expect(await store.findByHash(randomBytes(32))).toBeUndefined()
  })

  it('tracks delivery of sent mail, caps future dates in the inbox, keeps unreadable mail aside', async () => {
    const { store } = await fresh()
    const sent = await store.add('sent', await msg('out', 'me@tor-net', T0), { delivery: 'pending' })
    expect(sent.unread).toBe(false)
    expect(sent.delivery).toBe('pending')
    await store.setDelivery(sent.id, 'delivered')
    expect((await store.list('sent')).messages[0].delivery).toBe('delivered')
    const now = T0 + DAY
    const future = await store.add('inbox', await msg('from the future', 'spam@tor-net', T0 + 365 * DAY), { now })
    expect(future.date).toBe(now)
    const junk = await store.add('aside', randomBytes(500), { asideReason: 'MAIL_BAD_SEAL', unread: false })
    expect(junk.asideReason).toBe('MAIL_BAD_SEAL')
    expect((await store.list('aside')).messages[0].id).toBe(junk.id)
    await store.delete(junk.id) // aside: gone at once
    expect((await store.counts()).aside.total).toBe(0)
  })

  it('refuses bad folders and unknown ids, and use after close', async () => {
    const { store } = await fresh()
    expect(await codeOf(store.list('spam' as 'inbox'))).toBe('MAIL_BAD_ARGUMENT')
    expect(await codeOf(store.add('outbox' as 'inbox', Buffer.from('x')))).toBe('MAIL_BAD_ARGUMENT')
    expect(await codeOf(store.move('0123456789abcdef', 'trash'))).toBe('MAIL_NOT_FOUND')
    expect(await codeOf(store.setUnread('../../etc', true))).toBe('MAIL_NOT_FOUND')
    expect(await store.get('nope')).toBeUndefined()
    const s = await store.add('inbox', await msg('x', 'a@tor-net', T0))
    expect(await codeOf(store.move(s.id, 'nowhere' as 'inbox'))).toBe('MAIL_BAD_ARGUMENT')
    await store.close()
    expect(await codeOf(store.list('inbox'))).toBe('MAIL_STORE_CLOSED')
    expect(await codeOf(store.add('inbox', Buffer.from('x')))).toBe('MAIL_STORE_CLOSED')
  })

  it('keeps contacts, normalised and sorted by name', async () => {
    const { store } = await fresh()
    await store.addContact({ address: 'Zed <ZED@tor-net>', name: 'Zed' })
    await store.addContact({ address: 'amy@bit', name: '  Amy ' })
    await store.addContact({ address: 'zed@tor-net', name: 'Zed Z.' }) // same address: renamed
    expect(await store.contacts()).toEqual([{ address: 'amy@bit', name: 'Amy' }, { address: 'zed@tor-net', name: 'Zed Z.' }])
    expect(await codeOf(store.addContact({ address: 'x@example.com', name: 'X' }))).toBe('MAIL_BAD_ADDRESS')
    await store.removeContact('AMY@bit')
    expect((await store.contacts()).map(c => c.address)).toEqual(['zed@tor-net'])
  })

  it('keeps everything when reopened after close', async () => {
    const { dir, store } = await fresh()
    const a = await store.add('inbox', await msg('keep me', 'a@tor-net', T0), { hash: Buffer.alloc(32, 7) })
    const b = await store.add('sent', await msg('sent one', 'me@tor-net', T0 + 1), { delivery: 'pending' })
    await store.setUnread(a.id, false)
    await store.addContact({ address: 'a@tor-net', name: 'A' })
    await store.close()
    const again = await openMailStore(dir)
    stores.push(again)
    expect(await again.counts()).toMatchObject({ inbox: { total: 1, unread: 0 }, sent: { total: 1, unread: 0 } })
    expect((await again.list('inbox')).messages[0]).toMatchObject({ id: a.id, subject: 'keep me', unread: false })
    expect((await again.list('sent')).messages[0]).toMatchObject({ id: b.id, delivery: 'pending' })
    expect(await again.findByHash(Buffer.alloc(32, 7))).toBe(a.id)
    expect(await again.contacts()).toEqual([{ address: 'a@tor-net', name: 'A' }])
  })

  it('pages correctly through thousands of messages (offsets near the end, counts exact)', async () => {
    const { store } = await fresh()
    const raw = await msg('bulk', 'bulk@tor-net', T0)
    const N = 3000
    // Many adds at once commit in shared LMDB batches.
    const adds: Array<Promise<unknown>> = []
    for (let i = 0; i < N; i++) adds.push(store.add('drafts', raw, { now: T0 + i }))
    await Promise.all(adds)
    const c = await store.counts()
    expect(c.drafts.total).toBe(N)
    const last = await store.list('drafts', { offset: N - 5, limit: 10 })
    expect(last.total).toBe(N)
    expect(last.messages.length).toBe(5)
    // The Date header is the same for all (T0): they tie on date and order by id; every id appears once.
    const seen = new Set<string>()
    for (let off = 0; off < N; off += 1000) {
      for (const m of (await store.list('drafts', { offset: off, limit: 1000 })).messages) seen.add(m.id)
    }
    expect(seen.size).toBe(N)
  })
})
