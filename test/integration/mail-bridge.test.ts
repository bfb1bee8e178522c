import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import nodemailer from 'nodemailer'
import { simpleParser } from 'mailparser'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { bridgePasswordPath, MailBridgeErrorCode, startMailBridge, type MailBridge } from '../../src/gateway/mail-bridge/index.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { MemoryMail, MemoryMailNetwork } from '../helpers/memory-mail.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

/**
 * The bridge with real mail clients: Python's smtplib and imaplib (child processes) and
 * nodemailer's SMTP client, on 127.0.0.1, against an in-memory MailApi (test/helpers/memory-mail.ts):
 * alice's node runs the bridge, bob's mailbox is on the same in-memory network.
 */
const run = promisify(execFile)
const PY = fileURLToPath(new URL('../helpers/python/', import.meta.url))

async function python (script: string, ...args: string[]): Promise<any> {
  const { stdout } = await run('python3', [join(PY, script), ...args], { timeout: 60_000 })
  return JSON.parse(stdout.trim().split('\n').pop()!)
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describeWithClients('mail bridge with real SMTP and IMAP clients', ['python3'], () => {
  let dir: string
  let network: MemoryMailNetwork
  let alice: MemoryMail
  let bob: MemoryMail
  let bridge: MailBridge
  const attachment = randomBytes(100 * 1024)
  let attachmentFile: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tornet-bridge-'))
    attachmentFile = join(dir, 'data.bin')
    writeFileSync(attachmentFile, attachment)
    network = new MemoryMailNetwork()
    alice = new MemoryMail({ network, mailbox: 'alice' })
    bob = new MemoryMail({ network, mailbox: 'bob' })
    bridge = await startMailBridge({ mail: alice, dataDir: dir, smtpPort: 0, imapPort: 0, maxMessageBytes: 512 * 1024 })
  })

  afterAll(async () => {
    await bridge?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps its password 0600 in the data directory', () => {
    expect(bridge.password).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(statSync(bridgePasswordPath(dir)).mode & 0o777).toBe(0o600)
  })

  it('smtplib submits a message with an attachment; it reaches bob byte-exact and shows in alice\'s Sent', async () => {
    const r = await python('smtp_submit.py', String(bridge.smtpPort), 'alice@tor-net', bridge.password, 'alice@tor-net', 'bob@tor-net', 'from smtplib', attachmentFile)
    expect(r).toEqual({ ok: true })
    expect(alice.sends.at(-1)?.envelopeTo).toEqual(['bob@tor-net'])
    expect((await bob.check()).received).toBe(1)
    const inbox = await bob.list('inbox')
    expect(inbox.messages.map((m) => m.subject)).toEqual(['from smtplib'])
    const got = await bob.attachment(inbox.messages[0].id, 0)
    expect(got?.filename).toBe('data.bin')
    expect(sha256(got!.content)).toBe(sha256(attachment))
    expect((await alice.list('sent')).messages.map((m) => m.subject)).toContain('from smtplib')
  })

  it('smtplib: a wrong password is 535, a foreign sender 553, a bad or unknown address 550 with the reason', async () => {
    const port = String(bridge.smtpPort)
    const wrong = await python('smtp_submit.py', port, 'alice@tor-net', 'not-the-password', 'alice@tor-net', 'bob@tor-net', 'x', '-')
    expect(wrong).toMatchObject({ ok: false, code: 535 })
    const foreign = await python('smtp_submit.py', port, 'alice@tor-net', bridge.password, 'mallory@tor-net', 'bob@tor-net', 'x', '-')
    expect(foreign).toMatchObject({ ok: false, code: 553 })
    expect(foreign.error).toContain('alice@tor-net')
    const bad = await python('smtp_submit.py', port, 'alice@tor-net', bridge.password, 'alice@tor-net', 'someone@example.com', 'x', '-')
    expect(bad).toMatchObject({ ok: false, code: 550 })
    expect(bad.error).toContain('MAIL_BAD_ADDRESS')
    const unknown = await python('smtp_submit.py', port, 'alice@tor-net', bridge.password, 'alice@tor-net', 'nobody@tor-net', 'x', '-')
    expect(unknown).toMatchObject({ ok: false, code: 550 })
    expect(unknown.error).toContain('MAIL_NO_MAILBOX')
  })

  it('nodemailer submits with AUTH LOGIN; a message over the size limit is refused with 552', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: bridge.smtpPort, secure: false, ignoreTLS: true,
      auth: { user: 'alice@tor-net', pass: bridge.password, method: 'LOGIN' }
    })
    try {
      const info = await transport.sendMail({ from: 'alice@tor-net', to: 'bob@tor-net', subject: 'from nodemailer', text: 'hi bob' })
      expect(info.accepted).toEqual(['bob@tor-net'])
      await bob.check()
      const raw = await bob.raw((await bob.list('inbox')).messages.find((m) => m.subject === 'from nodemailer')!.id)
      expect((await simpleParser(raw!)).text?.trim()).toBe('hi bob')
      const big = transport.sendMail({ from: 'alice@tor-net', to: 'bob@tor-net', subject: 'too big', text: 'x'.repeat(600 * 1024) })
      await expect(big).rejects.toMatchObject({ responseCode: 552 })
    } finally {
      transport.close()
    }
  })

  it('imaplib logs in (LOGIN and AUTHENTICATE PLAIN), lists, searches, fetches byte-exact and stores \\Seen', async () => {
    await bob.send({ to: ['alice@tor-net'], subject: 'first for alice', text: 'one', attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', content: attachment }] })
    await bob.send({ to: ['alice@tor-net'], subject: 'second for alice', text: 'two' })
    await alice.check()
    const inbox = await alice.list('inbox')
    expect(inbox.total).toBe(2)
    const r = await python('imap_read.py', String(bridge.imapPort), 'alice@tor-net', bridge.password, 'login')
    expect(r.error).toBeUndefined()
    expect(r.login).toBe('OK')
    expect(r.folders).toEqual(['INBOX', 'Sent', 'Drafts', 'Trash'])
    expect(r.exists).toBe(2)
    expect(r.unseen).toEqual([1, 2])
    expect(r.uids).toHaveLength(2)
    const bySubject = new Map<string, any>(r.messages.map((m: any) => [/Subject: (.*)\r\n/.exec(m.header)![1], m]))
    for (const summary of inbox.messages) {
      const raw = (await alice.raw(summary.id))!
      const seen = bySubject.get(summary.subject)
      expect(seen.sha256).toBe(sha256(raw))
      expect(seen.size).toBe(raw.length)
    }
    expect(bySubject.get('first for alice').attachments).toEqual([sha256(attachment)])
    // BODYSTRUCTURE names the attachment, and BODY[2] alone carries it.
    expect(bySubject.get('first for alice').structure).toMatch(/"APPLICATION" "OCTET-STREAM" .*"ATTACHMENT" \("FILENAME" "a.bin"\)/)
    expect(bySubject.get('first for alice').part2).toBe(sha256(attachment))
    expect(bySubject.get('second for alice').part2).toBeNull()
    expect(r.stored).toBe('OK')
    expect(r.unseenAfter).toEqual([2])
    expect((await alice.list('inbox')).unread).toBe(1)
    expect(r.sentStatus).toMatch(/"Sent" \(MESSAGES 2 UIDVALIDITY \d+\)/)

    const plain = await python('imap_read.py', String(bridge.imapPort), 'alice@tor-net', bridge.password, 'plain')
    expect(plain.login).toBe('OK')
    // UIDs are the same for the second client: they are kept per folder, not per connection.
    expect(plain.uids).toEqual(r.uids)
    const refused = await python('imap_read.py', String(bridge.imapPort), 'alice@tor-net', 'wrong', 'login')
    expect(refused.error).toContain('AUTHENTICATIONFAILED')
  })

  it('keeps the password and the UIDs across a restart', async () => {
    const before = await python('imap_read.py', String(bridge.imapPort), 'alice@tor-net', bridge.password, 'login')
    const { password } = bridge
    await bridge.close()
    bridge = await startMailBridge({ mail: alice, dataDir: dir, smtpPort: 0, imapPort: 0 })
    expect(bridge.password).toBe(password)
    const after = await python('imap_read.py', String(bridge.imapPort), 'alice@tor-net', bridge.password, 'login')
    expect(after.uids).toEqual(before.uids)
    expect(after.sentStatus).toBe(before.sentStatus)
  })

  it('refuses a non-loopback address and a port in use, with codes', async () => {
    await expect(startMailBridge({ mail: alice, dataDir: dir, host: '0.0.0.0', smtpPort: 0, imapPort: 0 })).rejects.toMatchObject({ code: MailBridgeErrorCode.PUBLIC_INTERFACE })
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      await expect(startMailBridge({ mail: alice, dataDir: dir, smtpPort: 0, imapPort: port })).rejects.toMatchObject({ code: MailBridgeErrorCode.PORT_IN_USE })
    } finally {
      blocker.close()
    }
  })
})

describeWithClients('mail bridge on real UDP nodes', ['python3'], () => {
  let net: Testnet
  let dir: string
  let bridge: MailBridge
  beforeAll(async () => {
    net = await createTestnet(6, { config: { mail: { difficulty: 6 }, names: { difficulty: 6 } }, nameDifficulty: 6 })
    dir = mkdtempSync(join(tmpdir(), 'tornet-bridge-udp-'))
  }, 60_000)
  afterAll(async () => {
    await bridge?.close()
    await net?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('smtplib submits through alice\'s node to bob@tor-net; bob\'s reply is read with imaplib, byte-exact', async () => {
    const alice = net.nodes[1]
    const bob = net.nodes[4]
    const aliceBox = await alice.mail.createMailbox()
    await bob.mail.createMailbox({ name: 'bob' })
    bridge = await startMailBridge({ mail: alice.mail, dataDir: dir, smtpPort: 0, imapPort: 0 })
    const attachment = randomBytes(150 * 1024)
    const file = join(dir, 'data.bin')
    writeFileSync(file, attachment)

    const r = await python('smtp_submit.py', String(bridge.smtpPort), aliceBox.address, bridge.password, aliceBox.address, 'bob@tor-net', 'over the bridge', file)
    expect(r).toEqual({ ok: true })
    expect((await alice.mail.list('sent')).messages.map((m) => m.subject)).toEqual(['over the bridge'])
    expect((await bob.mail.check()).received).toBe(1)
    const got = (await bob.mail.list('inbox')).messages[0]
    expect(got.subject).toBe('over the bridge')
    expect(got.from).toBe(aliceBox.address)
    expect(sha256((await bob.mail.attachment(got.id, 0))!.content)).toBe(sha256(attachment))

    await bob.mail.send({ to: [aliceBox.address], subject: 'reply from bob', text: 'got it' })
    expect((await alice.mail.check()).received).toBe(1)
    const read = await python('imap_read.py', String(bridge.imapPort), aliceBox.address, bridge.password, 'login')
    expect(read.error).toBeUndefined()
    expect(read.exists).toBe(1)
    const inbox = (await alice.mail.list('inbox')).messages
    expect(read.messages[0].header).toContain('Subject: reply from bob')
    expect(read.messages[0].sha256).toBe(sha256((await alice.mail.raw(inbox[0].id))!))
    expect(read.unseenAfter).toEqual([])
    expect((await alice.mail.list('inbox')).unread).toBe(0)
  }, 180_000)
})
