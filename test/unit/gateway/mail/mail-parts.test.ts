/**
 * The webmail's pure parts: its paths (every odd one refused), reply and forward drafts, the
 * download headers, and the dashboard's mail panel.
 */
import { describe, expect, it } from 'vitest'
import { contentDisposition } from '../../../../src/gateway/apps/mail/attachment-reply.js'
import { mailSection } from '../../../../src/gateway/apps/mail/mail-section.js'
import { MailLinks, parseMailPath } from '../../../../src/gateway/apps/mail/mail-path.js'
import { forwardDraft, replyDraft, splitAddresses } from '../../../../src/gateway/apps/mail/reply-draft.js'
import type { MailboxInfo, MessageView } from '../../../../src/node/index.js'
import { MemoryMail } from '../../../helpers/memory-mail.js'

describe('webmail paths', () => {
  it('parses every page and refuses anything else', () => {
    expect(parseMailPath('')).toEqual({ page: 'folder', folder: 'inbox' })
    expect(parseMailPath('f/aside')).toEqual({ page: 'folder', folder: 'aside' })
    expect(parseMailPath('m/00ff')).toEqual({ page: 'message', id: '00ff' })
    expect(parseMailPath('m/00ff/a/12')).toEqual({ page: 'attachment', id: '00ff', index: 12 })
    expect(parseMailPath('m/00ff/delete')).toEqual({ page: 'delete', id: '00ff' })
    expect(parseMailPath('contacts/remove')).toEqual({ page: 'contact-remove' })
    for (const bad of ['f/', 'f/inbox/x', 'f/Inbox', 'm/', 'm/00FF', 'm/xyz', `m/${'a'.repeat(65)}`, 'm/1/a/01', 'm/1/a/-1', 'm/1/a/99999',
      'm/1/html/x', 'm/1/other', 'compose/', '/compose', 'm/1/a', '..', 'm/1/../2']) {
      expect(parseMailPath(bad), bad).toBeUndefined()
    }
  })

  it('links under either mount point, with search and page kept', () => {
    const l = new MailLinks('/mail/')
    expect(l.folder('inbox', { q: 'a&b', page: 3 })).toBe('/mail/?q=a%26b&page=3')
    expect(l.folder('sent', { page: 1 })).toBe('/mail/f/sent')
    expect(new MailLinks('/').compose({ reply: 'ab', all: '1' })).toBe('/compose?reply=ab&all=1')
  })
})

describe('reply and forward drafts', () => {
  const me: MailboxInfo = { id: Buffer.alloc(32), signingKey: Buffer.alloc(32), encryptionKey: Buffer.alloc(32), address: 'k@tor-net', names: ['me@tor-net'] }
  const m: MessageView = {
    id: 'ab', folder: 'inbox', messageId: '<m1@x>', from: 'bob@tor-net', to: ['me@tor-net', 'carol@bit'], cc: ['k@tor-net', 'dave@tor-net'],
    subject: 'Re: plans', date: Date.UTC(2026, 0, 2), unread: false, size: 1, attachments: 0, text: 'a\r\nb\n', html: undefined,
    attachmentList: [], inReplyTo: '<m0@x>', references: ['<m0@x>']
  }

  it('replies to the sender (to all: without my own addresses), keeps one Re: and the thread', () => {
    const r = replyDraft(m, me, false)
    expect(r).toMatchObject({ to: 'bob@tor-net', cc: '', subject: 'Re: plans', inReplyTo: '<m1@x>', references: '<m0@x> <m1@x>' })
    expect(r.body).toContain('> a\n> b')
    expect(replyDraft(m, me, true).cc).toBe('carol@bit, dave@tor-net')
    expect(replyDraft({ ...m, folder: 'sent', from: 'me@tor-net' }, me, false).to).toBe('me@tor-net, carol@bit')
  })

  it('forwards with the original headers and the message to take attachments from', () => {
    const f = forwardDraft(m)
    expect(f).toMatchObject({ to: '', subject: 'Fwd: Re: plans', forward: 'ab' })
    expect(f.body).toContain('From: bob@tor-net')
  })

  it('splits typed addresses on commas, semicolons and spaces, lower case', () => {
    expect(splitAddresses(' A@tor-net,b@bit ; c@tor-net  ,, ')).toEqual(['a@tor-net', 'b@bit', 'c@tor-net'])
  })
})

describe('downloads', () => {
  it('name the file exactly (RFC 8187) with a safe ASCII fallback', () => {
    expect(contentDisposition('a.txt')).toBe('attachment; filename="a.txt"; filename*=UTF-8\'\'a.txt')
    expect(contentDisposition('x"; y.html')).toBe('attachment; filename="x__ y.html"; filename*=UTF-8\'\'x%22%3B%20y.html')
    expect(contentDisposition('日本.pdf')).toBe('attachment; filename="__.pdf"; filename*=UTF-8\'\'%E6%97%A5%E6%9C%AC.pdf')
  })
})

describe('the dashboard\'s mail panel', () => {
  it('offers to create the mailbox, then shows the address and unread count', async () => {
    const mail = new MemoryMail()
    expect(await mailSection(mail).render({ signal: new AbortController().signal })).toContain('Create one in the webmail')
    await mail.createMailbox({ name: 'zoe' })
    await mail.receive({ from: 'a@tor-net', to: ['zoe@tor-net'], subject: '<x>', text: '' })
    const html = await mailSection(mail).render({ signal: new AbortController().signal })
    expect(html).toContain('zoe@tor-net')
    expect(html).toContain('1 unread')
  })
})
