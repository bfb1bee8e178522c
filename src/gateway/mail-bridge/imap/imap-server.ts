/**
 * The IMAP port: a TCP server on loopback handing each connection to an
 * ImapSession, with a bound on connections and an inactivity timeout
 * (RFC 3501 §5.4 asks for at least 30 minutes; IDLE clients re-issue
 * IDLE well within that).
 */
import { createServer, type Server, type Socket } from 'node:net'
import { once } from 'node:events'
import type { BridgeMail } from '../mail-port.js'
import { listenOn } from '../listen.js'
import { ImapSession } from './imap-session.js'
import { DeletedMarks } from './selected-mailbox.js'
import type { UidStore } from './uid-store.js'

export interface ImapServerOptions {
  mail: BridgeMail
  uids: UidStore
  password: string
  host: string
  port: number
  maxConnections?: number
  idleTimeoutMs?: number
}

export interface ImapServer {
  port: number
  close (): Promise<void>
}

export async function startImapServer (opts: ImapServerOptions): Promise<ImapServer> {
  const maxConnections = opts.maxConnections ?? 20
  const idleTimeoutMs = opts.idleTimeoutMs ?? 31 * 60_000
  const deleted = new DeletedMarks()
  const sockets = new Map<Socket, ImapSession>()
  const server: Server = createServer((socket) => {
    socket.on('error', () => { /* a client that vanished: 'close' cleans up */ })
    if (sockets.size >= maxConnections) {
      socket.end(`* BYE too many connections (${maxConnections}); close another mail client connection\r\n`)
      return
    }
    const session = new ImapSession({
      mail: opts.mail,
      uids: opts.uids,
      deleted,
      password: opts.password,
      write: async (data) => {
        if (socket.destroyed) return
        // Back-pressure: a big FETCH waits for the client to read instead of piling up in memory.
        if (!socket.write(data)) await Promise.race([once(socket, 'drain'), once(socket, 'close')])
      },
      close: () => { socket.end() }
    })
    sockets.set(socket, session)
    socket.setTimeout(idleTimeoutMs, () => { session.bye('autologout: idle too long') })
    socket.on('data', (chunk: Buffer) => { session.receive(chunk) })
    socket.on('close', () => { session.end(); sockets.delete(socket) })
    session.greet()
  })
  const port = await listenOn(server, opts.host, opts.port, 'IMAP')
  return {
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => { resolve() }))
      for (const session of sockets.values()) session.bye('the Tornet node is stopping')
      // A client that does not hang up after BYE is cut off, so stopping never waits on it.
      const grace = setTimeout(() => { for (const socket of sockets.keys()) socket.destroy() }, 500)
      await closed
      clearTimeout(grace)
    }
  }
}
