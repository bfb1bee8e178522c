import { describe, expect, it } from 'vitest'
import { ImapSession } from '../../../../src/gateway/mail-bridge/imap/imap-session.js'
import { DeletedMarks } from '../../../../src/gateway/mail-bridge/imap/selected-mailbox.js'
import { UidStore } from '../../../../src/gateway/mail-bridge/imap/uid-store.js'
import { MemoryMail } from '../../../helpers/memory-mail.js'

const PASSWORD = 'correct-horse-battery-staple'

/** Drives one session as a client would, over its write callback (no socket). */
function client (mail: MemoryMail, uids = UidStore.open(undefined), deleted = new DeletedMarks()): {
  session: ImapSession
  out: () => string
  closed: () => boolean
  send: (text: string) => void
  run: (tag: string, command: string) => Promise<string>
} {
  let output = ''
  let closed = false
  let waiter: (() => void) | undefined
  const session = new ImapSession({
    mail, uids, deleted, password: PASSWORD,
    write: (data) => { output += data.toString('latin1'); waiter?.() },
    close: () => { closed = true; waiter?.() }
  })
  session.greet()
  const send = (text: string): void => { session.receive(Buffer.from(text, 'latin1')) }
  const run = async (tag: string, command: string): Promise<string> => {
    const start = output.length
    send(`${tag} ${command}\r\n`)
    const done = (): RegExpExecArray | null => new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`).exec(output.slice(start))
    const deadline = Date.now() + 5000
    while (done() === null && !closed) {
      if (Date.now() > deadline) throw new Error(`no tagged answer to ${tag}; got ${JSON.stringify(output.slice(start))}`)
      await new Promise<void>((resolve) => { waiter = resolve; setTimeout(resolve, 100) })
    }
    return output.slice(start)
  }
  return { session, out: () => output, closed: () => closed, send, run }
}

async function loggedIn (mail: MemoryMail): Promise<ReturnType<typeof client>> {
  const c = client(mail)
  expect(await c.run('l', `LOGIN ${mail.mailbox()!.address} ${PASSWORD}`)).toMatch(/^l OK /m)
  return c
}

async function mailWith (n: number): Promise<MemoryMail> {
  const mail = new MemoryMail({ mailbox: 'bob' })
  for (let i = 0; i < n; i++) {
    await mail.receive({ from: `sender${i}@tor-net`, to: ['bob@tor-net'], subject: `message ${i}`, text: `body ${i}\n`, date: new Date(Date.UTC(2026, 0, 1 + i)) })
  }
  return mail
}

describe('ImapSession', () => {
  it('greets with its capabilities and refuses commands before login', async () => {
    const c = client(await mailWith(0))
    expect(c.out()).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 [^\]]*AUTH=PLAIN[^\]]*\] /)
    expect(await c.run('a', 'SELECT INBOX')).toMatch(/^a BAD /m)
    expect(await c.run('b', 'CAPABILITY')).toMatch(/\* CAPABILITY IMAP4rev1.*IDLE.*\r\nb OK/)
  })

  it('logs in with the mailbox address (or its name) and the bridge password only', async () => {
    const mail = await mailWith(0)
    const c = client(mail)
    expect(await c.run('a', `LOGIN ${mail.mailbox()!.address} wrong-password`)).toMatch(/^a NO \[AUTHENTICATIONFAILED\]/m)
    expect(await c.run('b', `LOGIN someone@tor-net ${PASSWORD}`)).toMatch(/^b NO \[AUTHENTICATIONFAILED\]/m)
    expect(await c.run('c', `LOGIN "BOB@tor-net" "${PASSWORD}"`)).toMatch(/^c OK /m)
    // AUTHENTICATE PLAIN with the response on the next line.
    const d = client(mail)
    d.send('x AUTHENTICATE PLAIN\r\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(d.out()).toMatch(/\r\n\+ \r\n$/)
    const start = d.out().length
    d.send(Buffer.from(`\0bob@tor-net\0${PASSWORD}`).toString('base64') + '\r\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(d.out().slice(start)).toMatch(/^x OK /m)
  })

  it('says BYE after three failed logins', async () => {
    const c = client(await mailWith(0))
    for (const t of ['a', 'b', 'c']) await c.run(t, 'LOGIN bob@tor-net nope')
    expect(c.out()).toContain('* BYE too many failed logins')
    expect(c.closed()).toBe(true)
  })

  it('refuses login while the node has no mailbox, saying how to make one', async () => {
    const c = client(new MemoryMail())
    expect(await c.run('a', `LOGIN bob@tor-net ${PASSWORD}`)).toMatch(/^a NO \[UNAVAILABLE\].*tornet mail new/m)
  })

  it('lists the four folders with special-use attributes and reports STATUS', async () => {
    const c = await loggedIn(await mailWith(3))
    const list = await c.run('a', 'LIST "" "*"')
    expect(list).toContain('* LIST (\\HasNoChildren) "/" "INBOX"')
    expect(list).toContain('* LIST (\\HasNoChildren \\Sent) "/" "Sent"')
    expect(list).toContain('* LIST (\\HasNoChildren \\Trash) "/" "Trash"')
    expect(list.match(/\* LIST/g)).toHaveLength(4)
    expect(await c.run('b', 'LIST "" "%r%"')).not.toContain('INBOX')
    const special = await c.run('b2', 'LIST (SPECIAL-USE) "" "*"')
    expect(special.match(/\* LIST/g)).toHaveLength(3)
    expect(special).not.toContain('INBOX')
    expect((await c.run('b3', 'LIST "" "*" RETURN (SPECIAL-USE)')).match(/\* LIST/g)).toHaveLength(4)
    expect(await c.run('c', 'STATUS inbox (MESSAGES UNSEEN UIDNEXT)')).toContain('* STATUS "INBOX" (MESSAGES 3 UNSEEN 3 UIDNEXT 4)')
    expect(await c.run('d', 'STATUS Junk (MESSAGES)')).toMatch(/^d NO \[NONEXISTENT\]/m)
  })

  it('selects a folder and fetches flags, envelope, header fields and bodies by sequence and UID', async () => {
    const mail = await mailWith(3)
    const c = await loggedIn(mail)
    const sel = await c.run('s', 'SELECT INBOX')
    expect(sel).toContain('* 3 EXISTS')
    expect(sel).toContain('* OK [UNSEEN 1]')
    expect(sel).toMatch(/\* OK \[UIDVALIDITY \d+\]/)
    expect(sel).toMatch(/^s OK \[READ-WRITE\]/m)
    const flags = await c.run('f', 'FETCH 1:* (UID FLAGS)')
    expect(flags).toContain('* 1 FETCH (UID 1 FLAGS ())')
    expect(flags).toContain('* 3 FETCH (UID 3 FLAGS ())')
    const hdr = await c.run('h', 'UID FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject From)] ENVELOPE)')
    expect(hdr).toMatch(/\* 2 FETCH \(UID 2 BODY\[HEADER.FIELDS \(SUBJECT FROM\)\] \{\d+\}\r\n/)
    expect(hdr).toContain('Subject: message 1\r\n')
    expect(hdr).not.toContain('Message-ID:')
    expect(hdr).toMatch(/ENVELOPE \("[^"]+" "message 1" \(\(NIL NIL "sender1" "tor-net"\)\)/)
    // PEEK left it unseen; BODY[] marks it seen and says so.
    expect(await mail.list('inbox')).toMatchObject({ unread: 3 })
    const raw = (await mail.raw((await mail.list('inbox')).messages.find((m) => m.subject === 'message 1')!.id))!
    const body = await c.run('b', 'UID FETCH 2 (RFC822.SIZE BODY[])')
    expect(body).toContain(`RFC822.SIZE ${raw.length} BODY[] {${raw.length}}\r\n${raw.toString('latin1')} FLAGS (\\Seen))`)
    expect((await mail.list('inbox')).unread).toBe(2)
    expect(await c.run('p', 'FETCH 1 BODY[]<0.10>')).toContain(`BODY[]<0> {10}\r\n${(await mail.raw((await mail.list('inbox')).messages.find((m) => m.subject === 'message 0')!.id))!.subarray(0, 10).toString('latin1')}`)
    expect(await c.run('x', 'FETCH 1 (BODYSTRUCTURE)')).toMatch(/^\* 1 FETCH \(BODYSTRUCTURE \("TEXT" "PLAIN" \("CHARSET" "utf-8"\) NIL NIL "7BIT" \d+ \d+ NIL NIL NIL NIL\)\)\r$/m)
    expect(await c.run('x2', 'FETCH 1 (BODY.PEEK[1])')).toContain('BODY[1] {7}\r\nbody 0\n)')
    expect(await c.run('x3', 'FETCH 1 (BINARY[1])')).toMatch(/^x3 BAD unsupported FETCH data item BINARY\[1\]/m)
    expect(await c.run('y', 'FETCH 0:x FLAGS')).toMatch(/^y BAD /m)
  })

  it('keeps UIDs stable across sessions and gives new mail higher UIDs', async () => {
    const mail = await mailWith(2)
    const uids = UidStore.open(undefined)
    const a = client(mail, uids)
    await a.run('l', `LOGIN bob@tor-net ${PASSWORD}`)
    await a.run('s', 'SELECT INBOX')
    await mail.receive({ from: 'late@tor-net', to: ['bob@tor-net'], subject: 'late', text: 'x', date: new Date(Date.UTC(2020, 0, 1)) })
    expect(await a.run('n', 'NOOP')).toContain('* 3 EXISTS')
    // The late message is oldest by date but newest to the mailbox: it gets UID 3, after the others.
    expect(await a.run('f', 'UID FETCH 3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).toContain('Subject: late')
    const b = client(mail, uids)
    await b.run('l', `LOGIN bob@tor-net ${PASSWORD}`)
    const sel = await b.run('s', 'EXAMINE INBOX')
    expect(sel).toContain('* OK [UIDNEXT 4]')
    expect(await b.run('f', 'FETCH 1:* UID')).toMatch(/\* 1 FETCH \(UID 1\)\r\n\* 2 FETCH \(UID 2\)\r\n\* 3 FETCH \(UID 3\)/)
  })

  it('stores \\Seen to the mailbox and \\Deleted until EXPUNGE, which moves to Trash', async () => {
    const mail = await mailWith(3)
    const c = await loggedIn(mail)
    await c.run('s', 'SELECT INBOX')
    expect(await c.run('a', 'STORE 1 +FLAGS (\\Seen)')).toContain('* 1 FETCH (FLAGS (\\Seen))')
    expect((await mail.list('inbox')).unread).toBe(2)
    expect(await c.run('b', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)')).not.toContain('FETCH')
    expect(await c.run('c', 'SEARCH DELETED')).toContain('* SEARCH 2\r\n')
    expect(await c.run('d', 'UID SEARCH UNSEEN')).toContain('* SEARCH 2 3\r\n')
    const ex = await c.run('e', 'EXPUNGE')
    expect(ex).toContain('* 2 EXPUNGE')
    expect((await mail.list('inbox')).total).toBe(2)
    expect((await mail.list('trash')).messages.map((m) => m.subject)).toEqual(['message 1'])
    expect(await c.run('f', 'STORE 1 -FLAGS (\\Seen)')).toContain('* 1 FETCH (FLAGS ())')
    expect((await mail.list('inbox')).unread).toBe(2)
  })

  it('moves with MOVE, searches by sender and subject, and refuses writes after EXAMINE', async () => {
    const mail = await mailWith(3)
    const c = await loggedIn(mail)
    await c.run('s', 'SELECT INBOX')
    expect(await c.run('a', 'SEARCH FROM sender2')).toContain('* SEARCH 3\r\n')
    expect(await c.run('b', 'UID SEARCH SUBJECT "MESSAGE"')).toContain('* SEARCH 1 2 3\r\n')
    const mv = await c.run('m', 'UID MOVE 1 Trash')
    expect(mv).toContain('* 1 EXPUNGE')
    expect(mv).toMatch(/^m OK /m)
    expect((await mail.list('trash')).messages.map((m) => m.subject)).toEqual(['message 0'])
    await c.run('e', 'EXAMINE INBOX')
    expect(await c.run('x', 'STORE 1 +FLAGS (\\Seen)')).toMatch(/^x NO \[READ-ONLY\]/m)
    expect(await c.run('y', 'FETCH 1 BODY[]')).toMatch(/^y OK /m)
    expect((await mail.list('inbox')).unread).toBe(2)
    expect(await c.run('z', 'COPY 1 Trash')).toMatch(/^z NO \[CANNOT\]/m)
    expect(await c.run('w', 'APPEND Sent "abc"')).toMatch(/^w NO \[CANNOT\]/m)
  })

  it('reports messages the webmail moved away as EXPUNGE on NOOP, and new mail during IDLE', async () => {
    const mail = await mailWith(3)
    const c = await loggedIn(mail)
    await c.run('s', 'SELECT INBOX')
    const second = (await mail.list('inbox')).messages.find((m) => m.subject === 'message 1')!
    await mail.move(second.id, 'trash')
    expect(await c.run('n', 'NOOP')).toMatch(/\* 2 EXPUNGE\r\nn OK/)
    const start = c.out().length
    c.send('i IDLE\r\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(c.out().slice(start)).toBe('+ idling\r\n')
    await mail.receive({ from: 'x@tor-net', to: ['bob@tor-net'], subject: 'during idle', text: 'y' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(c.out().slice(start)).toContain('* 3 EXISTS')
    c.send('DONE\r\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(c.out().slice(start)).toMatch(/i OK IDLE terminated\r\n$/)
  })

  it('ends IDLE with DONE and goes on', async () => {
    const c = await loggedIn(await mailWith(1))
    await c.run('s', 'SELECT INBOX')
    c.send('i IDLE\r\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    c.send('DONE\r\n')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(c.out()).toMatch(/\+ idling\r\ni OK IDLE terminated\r\n$/)
    expect(await c.run('n', 'NOOP')).toMatch(/^n OK/m)
  })

  it('answers garbage with BAD, keeps going, and LOGOUT closes', async () => {
    const c = await loggedIn(await mailWith(1))
    expect(await c.run('g1', 'FROB')).toMatch(/^g1 BAD /m)
    expect(await c.run('g2', 'SELECT')).toMatch(/^g2 BAD /m)
    expect(await c.run('g3', 'FETCH 1 FLAGS')).toMatch(/^g3 BAD .*selected/m)
    expect(await c.run('g4', 'UID FROB 1')).toMatch(/^g4 BAD /m)
    const out = await c.run('q', 'LOGOUT')
    expect(out).toContain('* BYE')
    expect(out).toMatch(/^q OK /m)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(c.closed()).toBe(true)
  })

  it('a MailApi failure is a NO with the reason, and the session goes on', async () => {
    const mail = await mailWith(1)
    const c = await loggedIn(mail)
    await c.run('s', 'SELECT INBOX')
    const id = (await mail.list('inbox')).messages[0].id
    await mail.delete(id)
    await mail.delete(id) // gone for good; the session still holds it until NOOP
    expect(await c.run('a', 'STORE 1 +FLAGS (\\Seen)')).toMatch(/^a NO \(MAIL_NOT_FOUND\)/m)
    expect(await c.run('b', 'NOOP')).toContain('* 1 EXPUNGE')
  })
})
