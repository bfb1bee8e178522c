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
import { bridgeFile, readPrivateFile, writePrivateFile } from './private-file.js'

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
  // Kept so `tornet mail bridge` can show the ports of the last run, whatever flags chose them.
  writePrivateFile(bridgeFile(opts.dataDir, PORTS_FILE), JSON.stringify({ host, smtpPort: smtp.port, imapPort: imap.port }) + '\n')
  return {
    host,
    smtpPort: smtp.port,
    imapPort: imap.port,
    password,
    close: async () => { await Promise.all([smtp.close(), imap.close()]) }
  }
}

const PORTS_FILE = 'ports.json'

/** Where the bridge listened on its last run, if it ever ran (and the file is what it wrote). */
export function lastBridgePorts (dataDir: string): { host: string, smtpPort: number, imapPort: number } | undefined {
  try {
    const read = readPrivateFile(bridgeFile(dataDir, PORTS_FILE))
    if (read === undefined) return undefined
    const v = JSON.parse(read.text) as { host?: unknown, smtpPort?: unknown, imapPort?: unknown }
    const port = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536
    if (typeof v.host !== 'string' || !port(v.smtpPort) || !port(v.imapPort)) return undefined
    return { host: v.host, smtpPort: v.smtpPort, imapPort: v.imapPort }
  } catch {
    return undefined
  }
}

/** The lines telling a user how to set up a mail client. */
export function mailClientSettings (bridge: { host: string, smtpPort: number, imapPort: number, password: string }, user: string | undefined): string {
  return [
    'Mail clients (Thunderbird): add an account by hand with',
    `  user name   ${user ?? 'your mailbox address (make one with: tornet mail new)'}`,
    `  password    ${bridge.password}`,
    `  IMAP        ${bridge.host} port ${bridge.imapPort}, no SSL, normal password`,
    `  SMTP        ${bridge.host} port ${bridge.smtpPort}, no SSL, normal password`,
    '  and turn off "Place a copy in Sent" (Tornet keeps sent mail in Sent itself)',
    ''
  ].join('\n')
}
