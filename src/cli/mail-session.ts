import { setTimeout as sleep } from 'node:timers/promises'
import { type MailApi, type MailboxInfo, type TornetNode, loadMailKeys } from '../node/index.js'
import type { CliContext } from './command.js'
import { CommandErrorCode, commandError } from './command-errors.js'
import { type NetworkNeed, withNode } from './node-session.js'

/**
 * How the `tornet mail …` commands reach the mailbox: through the node's MailApi
 * (`node.mail`), run for the length of the command like every network command
 * (node-session.ts). The commands' work is written against MailApi alone, so tests
 * run it on a fake and the gateway, bridge and CLI all see one behaviour.
 */
export function mailOf (node: TornetNode): MailApi {
  return node.mail
}

/** How long a started node may take to read its mailbox keys before a command gives up on them. */
const KEYS_WAIT_MS = 5000

export async function withMail<T> (ctx: CliContext, network: NetworkNeed, fn: (mail: MailApi, node: TornetNode) => Promise<T>): Promise<T> {
  // Read here first: a damaged or world-readable key file is reported before the node starts.
  const saved = await loadMailKeys(ctx.dataDir)
  return await withNode(ctx, async (node) => {
    const mail = mailOf(node)
    if (saved !== undefined) await mailboxLoaded(mail)
    return await fn(mail, node)
  }, { network })
}

/** The service reads its keys in the background after start(); mailbox() is undefined until then. */
async function mailboxLoaded (mail: MailApi): Promise<void> {
  const until = Date.now() + KEYS_WAIT_MS
  while (mail.mailbox() === undefined && Date.now() < until) await sleep(10)
}

export function requireMailbox (mail: MailApi): MailboxInfo {
  const box = mail.mailbox()
  if (box === undefined) {
    throw commandError(CommandErrorCode.NO_MAILBOX, 'this data directory has no mailbox yet: make one with `tornet mail new` (or `tornet mail new --name NAME` for NAME@tor-net)')
  }
  return box
}

/** The address others should write to: the first registered name, else the raw key. */
export function preferredAddress (box: MailboxInfo): string {
  return box.names[0] ?? box.address
}
