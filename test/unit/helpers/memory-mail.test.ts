import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { MemoryMail, MemoryMailNetwork, parseRaw } from '../../helpers/memory-mail.js'

describe('memory-mail (the in-memory MailApi the webmail and bridge tests use)', () => {
  it('sends between two mailboxes: pending until the recipient checks, then delivered, attachment byte-exact', async () => {
    const network = new MemoryMailNetwork()
    const a = new MemoryMail({ network, mailbox: 'alice' })
    const b = new MemoryMail({ network, mailbox: 'bob' })
    const bytes = randomBytes(200_000)
    const sent = await a.send({ to: ['Bob@tor-net'], subject: 'hello', text: 'hi bob', attachments: [{ filename: 'x.bin', contentType: 'application/octet-stream', content: bytes }] })
    expect(sent.delivery).toBe('pending')
    expect((await b.list('inbox')).total).toBe(0)
    b.offline = true
    expect((await b.check()).received).toBe(0)
    b.offline = false
    expect((await b.check()).received).toBe(1)
    const page = await b.list('inbox')
    expect(page).toMatchObject({ total: 1, unread: 1 })
    expect(page.messages[0]).toMatchObject({ from: 'alice@tor-net', subject: 'hello', attachments: 1 })
    const view = await b.read(page.messages[0]!.id)
    expect(view?.text?.trim()).toBe('hi bob')
    expect(view?.attachmentList[0]).toMatchObject({ filename: 'x.bin', size: bytes.length })
    expect((await b.attachment(page.messages[0]!.id, 0))?.content.equals(bytes)).toBe(true)
    expect((await a.list('sent')).messages[0]?.delivery).toBe('delivered')
  })

  it('pages newest first, searches sender and subject, counts unread, deletes to trash then for good', async () => {
    const m = new MemoryMail({ mailbox: 'me' })
    for (let i = 0; i < 7; i++) await m.receive({ from: i % 2 === 0 ? 'even@tor-net' : 'odd@tor-net', to: ['me@tor-net'], subject: `n${i}`, text: 't', date: new Date(1e12 + i * 1000) })
    const p = await m.list('inbox', { offset: 2, limit: 3 })
    expect(p.total).toBe(7)
    expect(p.messages.map(s => s.subject)).toEqual(['n4', 'n3', 'n2'])
    expect((await m.list('inbox', { search: 'EVEN' })).total).toBe(4)
    expect((await m.list('inbox', { search: 'n6' })).messages.map(s => s.subject)).toEqual(['n6'])
    await m.setUnread(p.messages[0]!.id, false)
    expect((await m.counts()).inbox).toEqual({ total: 7, unread: 6 })
    let changes = 0
    const off = m.onChange(() => { changes++ })
    await m.delete(p.messages[0]!.id)
    expect((await m.counts()).trash.total).toBe(1)
    await m.delete(p.messages[0]!.id)
    expect((await m.counts()).trash.total).toBe(0)
    off()
    await m.delete(p.messages[1]!.id)
    expect(changes).toBe(2)
  })

  it('refuses bad and unknown addresses with codes, and sending without a mailbox', async () => {
    const m = new MemoryMail()
    await expect(m.send({ to: ['x@tor-net'], subject: '', text: '' })).rejects.toMatchObject({ code: 'MAIL_NOT_RUNNING' })
    await m.createMailbox({ name: 'me' })
    await expect(m.resolveAddress('not an address')).rejects.toMatchObject({ code: 'MAIL_BAD_ADDRESS' })
    await expect(m.resolveAddress('nobody@tor-net')).rejects.toMatchObject({ code: 'MAIL_NO_MAILBOX' })
    const key = m.mailbox()!.address
    expect((await m.resolveAddress(key.toUpperCase())).signingKey.equals(m.mailbox()!.signingKey)).toBe(true)
  })

  it('completes from contacts and names; keeps reply headers', async () => {
    const network = new MemoryMailNetwork()
    const m = new MemoryMail({ network, mailbox: 'me' })
    void new MemoryMail({ network, mailbox: 'carol' })
    await m.addContact({ address: 'dave@bit', name: 'Dave Carver' })
    expect(await m.complete('ca')).toEqual(['dave@bit', 'carol@tor-net'])
    expect(await m.complete('')).toEqual([])
    const s = await m.send({ to: ['carol@tor-net'], subject: 'Re: x', text: 'y', inReplyTo: '<a@b>', references: ['<a@b>'] })
    const parsed = await parseRaw((await m.raw(s.id))!)
    expect(parsed.inReplyTo).toBe('<a@b>')
  })
})
