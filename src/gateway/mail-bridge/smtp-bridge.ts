/**
 * The SMTP submission port (smtp-server from the Nodemailer project): a
 * mail client logs in (AUTH PLAIN or LOGIN; user = the mailbox address,
 * password = the bridge password) and each accepted message goes to
 * MailApi.sendRaw with the envelope's recipients. The reply waits for
 * sendRaw, so the client learns whether the mail went out (or why not).
 */
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server'
import type { BridgeMail } from './mail-port.js'
import { passwordMatches } from './bridge-password.js'
import { listenOn } from './listen.js'
import { smtpReplyFor } from './smtp-reply.js'

export interface SmtpBridgeOptions {
  mail: BridgeMail
  password: string
  host: string
  port: number
  /** Largest message accepted (bytes). */
  maxMessageBytes?: number
  maxClients?: number
  log?: (msg: string) => void
}

export interface SmtpBridge {
  port: number
  close (): Promise<void>
}

export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024
const MAX_RECIPIENTS = 50

function replyError (code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code })
}

function mailboxAddresses (mail: BridgeMail): string[] {
  const box = mail.mailbox()
  return box === undefined ? [] : [...box.names, box.address].map((a) => a.toLowerCase())
}

export async function startSmtpBridge (opts: SmtpBridgeOptions): Promise<SmtpBridge> {
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const server = new SMTPServer({
    name: 'tornet-mail-bridge',
    banner: 'Tornet mail bridge (submission)',
    secure: false,
    // No TLS: the port is bound to 127.0.0.1 only (listenOn refuses anything else), so the
    // password never leaves this machine; a local certificate would only add a trust prompt.
    disabledCommands: ['STARTTLS'],
    hideSTARTTLS: true,
    // AUTH over plain TCP is safe here only because the connection cannot leave loopback.
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: maxBytes,
    maxClients: opts.maxClients ?? 10,
    socketTimeout: 5 * 60_000,
    logger: false,
    onAuth (auth, _session, callback) {
      const user = (auth.username ?? '').trim().toLowerCase()
      const addresses = mailboxAddresses(opts.mail)
      if (addresses.length === 0) { callback(replyError(454, '4.7.0 this node has no mailbox yet: create one with "tornet mail new"')); return }
      if (auth.method === 'XOAUTH2' || !addresses.includes(user) || !passwordMatches(auth.password ?? '', opts.password)) {
        callback(replyError(535, '5.7.8 wrong user or password: the user is the mailbox address, the password is shown by "tornet mail-bridge"'))
        return
      }
      callback(null, { user })
    },
    onMailFrom (address, _session, callback) {
      // The node signs as its own mailbox; a client set up with another address would send mail that lies.
      if (!mailboxAddresses(opts.mail).includes(address.address.toLowerCase())) {
        callback(replyError(553, `5.7.1 send as this node's mailbox (${mailboxAddresses(opts.mail).join(' or ') || 'none yet'}): set it as the identity's address in the mail client`))
        return
      }
      callback()
    },
    onRcptTo (_address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) { callback(replyError(452, `4.5.3 at most ${MAX_RECIPIENTS} recipients per message`)); return }
      callback()
    },
    onData (stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = []
      let bytes = 0
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes <= maxBytes) chunks.push(chunk)
      })
      stream.on('end', () => {
        if (stream.sizeExceeded) { callback(replyError(552, `5.3.4 message larger than ${maxBytes} bytes`)); return }
        const to = session.envelope.rcptTo.map((r) => r.address)
        opts.mail.sendRaw(Buffer.concat(chunks), to).then(
          (sent) => { callback(null, `2.0.0 sent to the recipients' mailbox hosts (id ${sent.id})`) },
          (err: unknown) => {
            const reply = smtpReplyFor(err)
            opts.log?.(`mail bridge: a message was refused: ${reply.code} ${reply.message}`)
            callback(replyError(reply.code, reply.message))
          })
      })
    }
  })
  server.on('error', (err: Error) => { opts.log?.(`mail bridge SMTP: ${err.message}`) })
  const port = await listenOn(server.server, opts.host, opts.port, 'SMTP')
  return {
    port,
    close: async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }) }) }
  }
}
