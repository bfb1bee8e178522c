/**
 * The mail bridge: the SMTP submission port and the IMAP port on loopback,
 * one password for both (user = the mailbox address). Off unless
 * `tornet start --mail-bridge` asks for it.
 */
import type { BridgeMail } from './mail-port.js'
import { loadOrCreateBridgePassword } from './bridge-password.js'
import { startSmtpBridge, type SmtpBridge } from './smtp-bridge.js'
import { startImapServer } from './imap/imap-server.js'
import { UidStore } from './imap/uid-store.js'
import { checkLoopback } from './listen.js'

export const DEFAULT_SMTP_PORT = 2525
export const DEFAULT_IMAP_PORT = 1143

export interface MailBridgeOptions {
  mail: BridgeMail
  /** Where the password and the UID map are kept. */
  dataDir: string
  host?: string
  smtpPort?: number
  imapPort?: number
  maxMessageBytes?: number
  log?: (msg: string) => void
}

export interface MailBridge {
  host: string
  smtpPort: number
  imapPort: number
  password: string
  close (): Promise<void>
}

export async function startMailBridge (opts: MailBridgeOptions): Promise<MailBridge> {
  const host = opts.host ?? '127.0.0.1'
  checkLoopback(host)
  const password = loadOrCreateBridgePassword(opts.dataDir)
  const uids = UidStore.open(opts.dataDir)
  const smtp: SmtpBridge = await startSmtpBridge({ mail: opts.mail, password, host, port: opts.smtpPort ?? DEFAULT_SMTP_PORT, maxMessageBytes: opts.maxMessageBytes, log: opts.log })
  let imap
  try {
    imap = await startImapServer({ mail: opts.mail, uids, password, host, port: opts.imapPort ?? DEFAULT_IMAP_PORT })
  } catch (err) {
    await smtp.close()
    throw err
  }
  return {
    host,
    smtpPort: smtp.port,
    imapPort: imap.port,
    password,
    close: async () => { await Promise.all([smtp.close(), imap.close()]) }
  }
}

/** The lines telling a user how to set up a mail client. */
export function mailClientSettings (bridge: { host: string, smtpPort: number, imapPort: number, password: string }, user: string | undefined): string {
  return [
    'Mail clients (Thunderbird): add an account by hand with',
    `  user name   ${user ?? '(create a mailbox first: tornet mail new)'}`,
    `  password    ${bridge.password}`,
    `  IMAP        ${bridge.host} port ${bridge.imapPort}, no SSL, normal password`,
    `  SMTP        ${bridge.host} port ${bridge.smtpPort}, no SSL, normal password`,
    ''
  ].join('\n')
}
