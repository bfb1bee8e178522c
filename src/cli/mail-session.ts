import type { MailApi, MailboxInfo, TornetNode } from '../node/index.js'
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
  const mail = (node as unknown as { mail?: MailApi }).mail
  if (mail === undefined) throw new Error('this build of Tornet has no mail service')
  return mail
}

export async function withMail<T> (ctx: CliContext, network: NetworkNeed, fn: (mail: MailApi) => Promise<T>): Promise<T> {
  return await withNode(ctx, async (node) => await fn(mailOf(node)), { network })
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
