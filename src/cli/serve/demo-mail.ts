import type { TornetNode } from '../../node/index.js'

/**
 * The demo's mail: the newcomer's node (the one serving the gateway) gets a
 * mailbox, and another demo node, with the mailbox welcome-mail@tor-net,
 * sends it a welcome message (sealed, stamped and pushed like any mail).
 * Keys live in each demo node's data directory, so a restarted demo keeps
 * its mailboxes; the welcome is sent once. Stamping takes a few seconds of
 * proof of work, so the sending runs in the background while the demo starts.
 */
export const DEMO_MAIL_SENDER = 'welcome-mail'
export const WELCOME_SUBJECT = 'Welcome to Tornet Mail'

export interface DemoMail {
  /** The newcomer's address. */
  address: string
  /** Resolves once the welcome message is sent (or was already), or failed (reported through onStep). */
  welcome: Promise<void>
}

export interface DemoMailOptions {
  newcomer: TornetNode
  sender: TornetNode
  gatewayUrl: string
  signal?: AbortSignal
  onStep: (message: string) => void
}

export async function startDemoMail (opts: DemoMailOptions): Promise<DemoMail> {
  const { newcomer, sender, onStep } = opts
  const box = await newcomer.mail.createMailbox() // the keys kept from a previous run, or new ones
  onStep(`your mailbox: ${box.address}`)
  const welcome = sendWelcome(opts, box.address).catch((err: Error) => {
    if (opts.signal?.aborted !== true) onStep(`the welcome mail could not be sent: ${err.message}`)
  })
  return { address: box.address, welcome }
}

async function sendWelcome (opts: DemoMailOptions, to: string): Promise<void> {
  const { sender, newcomer, onStep } = opts
  const from = await sender.mail.createMailbox()
  if (!from.names.includes(`${DEMO_MAIL_SENDER}@tor-net`)) {
    onStep(`registering ${DEMO_MAIL_SENDER}.tor-net for a demo node's mailbox`)
    await sender.mail.createMailbox({ name: DEMO_MAIL_SENDER })
  }
  if ((await sender.mail.list('sent', { search: WELCOME_SUBJECT })).total > 0) return // sent on an earlier run
  let shown = 0
  await sender.mail.send({ to: [to], subject: WELCOME_SUBJECT, text: welcomeText(opts.gatewayUrl) }, {
    signal: opts.signal,
    onProgress: p => {
      if (p.phase === 'stamping' && shown++ === 0) onStep(`a demo node is sending you a welcome mail (a few seconds of proof of work)`)
    }
  })
  await newcomer.mail.check() // at once, rather than at the next periodic check
  onStep('a welcome mail is in your inbox: http://mail.tor-net/')
}

function welcomeText (gatewayUrl: string): string {
  return `Hello, and welcome to Tornet Mail.

This message came from another node of the demo network. It was sealed for
your mailbox alone (only your node's key opens it), stamped with a little
proof of work so that spam costs something, stored by the nodes nearest to
your mailbox while you might have been away, and collected by your node.
Your node then signed a receipt, so its sender sees it as "delivered".

Things to try:
  - Reply to this message: ${DEMO_MAIL_SENDER}@tor-net will get it.
  - Write to a name: NAME@tor-net, or to a mailbox key followed by @tor-net.
  - Attach files; download attachments.
  - The same webmail is at ${gatewayUrl}/mail/ without the proxy.

Your mail is kept on this computer, in the node's data directory.
`
}
