import type { Contact } from '../../../routing/contact.js'
import { tryDecode } from '../../../wire/codec.js'
import type { ServiceRequestContext } from '../../service-network.js'
import { MailErrorCode } from '../errors.js'
import type { MailboxHost } from '../host/mailbox-host.js'
import { RecordMessageType } from '../../records/messages.js'
import { type MailRequest, collectReplyCodec, mailRequestCodec, pushReplyCodec, tokenReplyCodec } from '../messages.js'

export interface MailHandlerDeps {
  host: MailboxHost
  /** The records core's handler for mailbox records (STORE, GET). */
  records: (payload: Buffer, ctx: ServiceRequestContext) => Promise<Uint8Array>
  /** A push was taken for `mailboxId` (the service tells its last collector). */
  onAccepted: (mailboxId: Buffer) => void
  /** The owner collected from `from`: where to notify it next time. */
  onCollected: (mailboxId: Buffer, from: Contact) => void
  /** A host says something arrived for `mailboxId` (unauthenticated: it only prompts a check). */
  onNotify: (mailboxId: Buffer, from: Contact) => void
}

/**
 * The "mail" service's inbound requests: the records core's types go to its
 * handler, the host's to one function each. A request that does not decode
 * is answered MAIL_MALFORMED (in the push reply's shape, as the core does).
 */
export function mailRequestHandler (d: MailHandlerDeps): (payload: Buffer, ctx: ServiceRequestContext) => Promise<Uint8Array> {
  const handlers: { [T in MailRequest['type']]: (m: Extract<MailRequest, { type: T }>, ctx: ServiceRequestContext) => Promise<Buffer> | Buffer } = {
    token: m => tokenReplyCodec.encode(d.host.token(m.mailboxId)),
    push: async (m, ctx) => {
      const verdict = await d.host.push(m, ctx.from.id.toString('hex'), ctx.signal)
      if (verdict.accepted) d.onAccepted(m.mailboxId)
      return pushReplyCodec.encode(verdict.accepted ? { accepted: true } : verdict)
    },
    collect: (m, ctx) => {
      const reply = d.host.collect(m)
      if (reply.ok) d.onCollected(m.mailboxId, ctx.from)
      return collectReplyCodec.encode(reply)
    },
    notify: (m, ctx) => { d.onNotify(m.mailboxId, ctx.from); return Buffer.of(0) }
  }
  return async (payload, ctx) => {
    if (payload.length > 0 && (payload[0] === RecordMessageType.store || payload[0] === RecordMessageType.get)) return await d.records(payload, ctx)
    const m = tryDecode(mailRequestCodec.decode, payload)
    if (m === undefined) return pushReplyCodec.encode({ accepted: false, code: MailErrorCode.MALFORMED })
    switch (m.type) {
      case 'token': return await handlers.token(m, ctx)
      case 'push': return await handlers.push(m, ctx)
      case 'collect': return await handlers.collect(m, ctx)
      case 'notify': return await handlers.notify(m, ctx)
    }
  }
}
