import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startImapServer, type ImapServer } from '../../../../src/gateway/mail-bridge/imap/imap-server.js'
import { UidStore } from '../../../../src/gateway/mail-bridge/imap/uid-store.js'
import { MemoryMail } from '../../../helpers/memory-mail.js'

const PASSWORD = 'a-long-enough-test-password'
let server: ImapServer | undefined
afterEach(async () => { await server?.close(); server = undefined })

/** A raw TCP client: everything the server said so far, and when it hung up. */
function dial (port: number): { socket: Socket, text: () => string, closed: Promise<void>, until: (re: RegExp) => Promise<string> } {
  const socket = connect(port, '127.0.0.1')
  let buf = ''
  socket.on('data', (d: Buffer) => { buf += d.toString('latin1') })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.on('close', () => { resolve() }))
  const until = async (re: RegExp): Promise<string> => {
    const deadline = Date.now() + 5000
    while (!re.test(buf)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(re)}; got ${JSON.stringify(buf.slice(-300))}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return buf
  }
  return { socket, text: () => buf, closed, until }
}

async function start (maxConnections = 20): Promise<{ port: number, mail: MemoryMail }> {
  const mail = new MemoryMail({ mailbox: 'bob' })
  await mail.receive({ from: 'a@tor-net', to: ['bob@tor-net'], subject: 'hi', text: 'x' })
  server = await startImapServer({ mail, uids: UidStore.open(undefined), password: PASSWORD, host: '127.0.0.1', port: 0, maxConnections })
  return { port: server.port, mail }
}

describe('IMAP server on loopback', () => {
  it('survives random bytes from many connections, and a proper client still works after', async () => {
    const { port } = await start()
    for (let i = 0; i < 10; i++) {
      const c = dial(port)
      await c.until(/^\* OK/)
      for (let k = 0; k < 20; k++) c.socket.write(randomBytes(1 + (k * 97) % 3000))
      c.socket.write('\r\nz LOGOUT\r\n')
      c.socket.end()
      await c.closed
    }
    const ok = dial(port)
    await ok.until(/^\* OK/)
    ok.socket.write(`a LOGIN bob@tor-net ${PASSWORD}\r\nb SELECT INBOX\r\nc FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\nd LOGOUT\r\n`)
    const out = await ok.until(/d OK/)
    expect(out).toContain('Subject: hi')
    await ok.closed
  })

  it('turns away connections over the cap with BYE', async () => {
    const { port } = await start(2)
    const a = dial(port)
    const b = dial(port)
    await a.until(/^\* OK/)
    await b.until(/^\* OK/)
    const c = dial(port)
    await c.closed
    expect(c.text()).toMatch(/^\* BYE too many connections/)
    a.socket.end()
    await a.closed
    // A slot is free again.
    const d = dial(port)
    await d.until(/^\* OK/)
    d.socket.destroy()
    b.socket.destroy()
  })

  it('says BYE to connected clients when it stops', async () => {
    const { port } = await start()
    const a = dial(port)
    await a.until(/^\* OK/)
    await server!.close()
    server = undefined
    await a.closed
    expect(a.text()).toContain('* BYE the Tornet node is stopping')
  })
})
