/**
 * The mail host protocol on the "mail" service (request/reply), beside the
 * records core's STORE 0x01 / GET 0x02 of mailbox records (host/mailbox-records.ts).
 * Bytes, little-endian:
 *
 * Requests: type u8, then
 *   0x10 TOKEN    mailbox id 32
 *   0x11 PUSH     mailbox id 32 · nonce 8 · token count u8 (1..8) · tokens 20 each · item (the rest, ≤ 512)
 *   0x12 COLLECT  mailbox id 32 · time u64 (ms) · ack count u8 (≤ 128) · acked item ids 32 each · signature 64
 *                 signature: ed25519 by the mailbox key over namespaced(NS.mailCollect, host node id ‖ every byte above after the type)
 *   0x13 NOTIFY   mailbox id 32   (host → the mailbox's last collector: something arrived; changes nothing)
 * Items (what a push carries, what a collect returns):
 *   0x01 message  root chunk id 32 · root key 32   (the sealed message, published as a file)
 *   0x02 receipt  message hash 32 · signing key 32 · signature 64
 *                 signature: ed25519 by that (the recipient's mailbox) key over namespaced(NS.mailReceipt, message hash)
 * Replies:
 *   TOKEN    status u8 (0 ok, else 1 + reason index) · token 20 when ok
 *   PUSH     status u8
 *   COLLECT  status u8 · when ok: more u8 (0|1) · count u16 (≤ 128) · items: id 32 · item bytes u16 len
 *   NOTIFY   0 u8
 */
import { NS, namespaced } from '../../crypto/namespaces.js'
import { SIGNATURE_BYTES, sign, verify } from '../../identity/identity.js'
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { type Codec, storeReplyCodec, type StoreReply } from '../records/messages.js'
import { MailErrorCode, type MailErrorCodeValue } from './errors.js'
import { TOKEN_BYTES } from './host/token-issuer.js'
import { MAX_STAMP_TOKENS } from './stamp.js'

export const MailMessageType = { token: 0x10, push: 0x11, collect: 0x12, notify: 0x13 } as const
const ItemType = { message: 0x01, receipt: 0x02 } as const
export const MAX_ITEM_BYTES = 512
export const MAX_COLLECT_ITEMS = 128

export type PushItem =
  | { kind: 'message', rootId: Buffer, rootKey: Buffer }
  | { kind: 'receipt', messageHash: Buffer, signingKey: Buffer, signature: Buffer }

export type MailRequest =
  | { type: 'token', mailboxId: Buffer }
  | { type: 'push', mailboxId: Buffer, nonce: Buffer, tokens: Buffer[], item: Buffer }
  | { type: 'collect', mailboxId: Buffer, time: number, acks: Buffer[], signature: Buffer }
  | { type: 'notify', mailboxId: Buffer }

export interface CollectedItem { id: Buffer, item: Buffer }
export type CollectReply = { ok: true, more: boolean, items: CollectedItem[] } | { ok: false, code: MailErrorCodeValue }
export type TokenReply = { ok: true, token: Buffer } | { ok: false, code: MailErrorCodeValue }

/** Refusals in wire order (append only); one table for every reply. */
export const MAIL_REASONS: readonly MailErrorCodeValue[] = [
  MailErrorCode.MALFORMED, MailErrorCode.MAILBOX_UNKNOWN, MailErrorCode.TOKEN_FOREIGN, MailErrorCode.TOKEN_STALE,
  MailErrorCode.STAMP_INSUFFICIENT, MailErrorCode.STAMP_REPLAYED, MailErrorCode.HOST_BUSY, MailErrorCode.QUEUE_FULL,
  MailErrorCode.OVER_SENDER_CAP, MailErrorCode.CHUNKS_MISSING, MailErrorCode.BAD_RECEIPT, MailErrorCode.COLLECT_REFUSED,
  MailErrorCode.NOT_RUNNING
]

export function encodePushItem (i: PushItem): Buffer {
  if (i.kind === 'message') {
    if (i.rootId.length !== 32 || i.rootKey.length !== 32) throw new RangeError('root id and key are 32 bytes')
    return new Writer(65).u8(ItemType.message).bytes(i.rootId).bytes(i.rootKey).finish()
  }
  if (i.messageHash.length !== 32 || i.signingKey.length !== 32 || i.signature.length !== SIGNATURE_BYTES) throw new RangeError('bad receipt field sizes')
  return new Writer(129).u8(ItemType.receipt).bytes(i.messageHash).bytes(i.signingKey).bytes(i.signature).finish()
}

export function decodePushItem (b: Uint8Array): PushItem {
  const r = new Reader(b, 'mail item')
  const type = r.u8()
  let item: PushItem
  if (type === ItemType.message) item = { kind: 'message', rootId: Buffer.from(r.bytes(32)), rootKey: Buffer.from(r.bytes(32)) }
  else if (type === ItemType.receipt) item = { kind: 'receipt', messageHash: Buffer.from(r.bytes(32)), signingKey: Buffer.from(r.bytes(32)), signature: Buffer.from(r.bytes(SIGNATURE_BYTES)) }
  else throw new WireError(`mail item: unknown type ${type}`)
  r.end()
  return item
}

/** A receipt: the recipient's mailbox key signs the hash of the sealed message it opened. */
export function signReceipt (signingSecret: Buffer, signingKey: Buffer, messageHash: Buffer): PushItem {
  return { kind: 'receipt', messageHash, signingKey, signature: sign({ secretKey: signingSecret }, namespaced(NS.mailReceipt, messageHash)) }
}

export function verifyReceipt (i: Extract<PushItem, { kind: 'receipt' }>): boolean {
  return verify(i.signingKey, namespaced(NS.mailReceipt, i.messageHash), i.signature)
}

function collectBody (hostId: Buffer, m: { mailboxId: Buffer, time: number, acks: Buffer[] }): Buffer {
  const w = new Writer(32 + 32 + 9 + 32 * m.acks.length).bytes(hostId).bytes(m.mailboxId).u64(m.time).u8(m.acks.length)
  for (const a of m.acks) w.bytes(a)
  return namespaced(NS.mailCollect, w.finish())
}

/** A collect request for one host, signed by the mailbox key (so only the owner collects, and only from that host). */
export function signCollect (signingSecret: Buffer, hostId: Buffer, m: { mailboxId: Buffer, time: number, acks: Buffer[] }): Extract<MailRequest, { type: 'collect' }> {
  if (m.acks.length > MAX_COLLECT_ITEMS) throw new RangeError(`at most ${MAX_COLLECT_ITEMS} acks per collect`)
  return { type: 'collect', ...m, signature: sign({ secretKey: signingSecret }, collectBody(hostId, m)) }
}

export function verifyCollect (signingKey: Buffer, hostId: Buffer, m: Extract<MailRequest, { type: 'collect' }>): boolean {
  return verify(signingKey, collectBody(hostId, m), m.signature)
}

export const mailRequestCodec: Codec<MailRequest> = {
  encode: m => {
    const w = new Writer(256).u8(MailMessageType[m.type]).bytes(m.mailboxId)
    switch (m.type) {
      case 'push':
        if (m.nonce.length !== 8) throw new RangeError('nonce is 8 bytes')
        if (m.tokens.length < 1 || m.tokens.length > MAX_STAMP_TOKENS) throw new RangeError(`1 to ${MAX_STAMP_TOKENS} tokens`)
        w.bytes(m.nonce).u8(m.tokens.length)
        for (const t of m.tokens) { if (t.length !== TOKEN_BYTES) throw new RangeError('a token is 20 bytes'); w.bytes(t) }
        return w.bytes(m.item).finish()
      case 'collect':
        w.u64(m.time).u8(m.acks.length)
        for (const a of m.acks) w.bytes(a)
        return w.bytes(m.signature).finish()
      default:
        return w.finish()
    }
  },
  decode: b => {
    const r = new Reader(b, 'mail request')
    const type = r.u8()
    const mailboxId = Buffer.from(r.bytes(32))
    let m: MailRequest
    if (type === MailMessageType.token) m = { type: 'token', mailboxId }
    else if (type === MailMessageType.notify) m = { type: 'notify', mailboxId }
    else if (type === MailMessageType.push) {
      const nonce = Buffer.from(r.bytes(8))
      const count = r.u8()
      if (count < 1 || count > MAX_STAMP_TOKENS) throw new WireError(`mail request: ${count} tokens`)
      const tokens: Buffer[] = []
      for (let i = 0; i < count; i++) tokens.push(Buffer.from(r.bytes(TOKEN_BYTES)))
      if (r.remaining === 0 || r.remaining > MAX_ITEM_BYTES) throw new WireError(`mail request: item of ${r.remaining} bytes`)
      return { type: 'push', mailboxId, nonce, tokens, item: Buffer.from(r.rest()) }
    } else if (type === MailMessageType.collect) {
      const time = r.u64()
      const count = r.u8()
      if (count > MAX_COLLECT_ITEMS) throw new WireError(`mail request: ${count} acks`)
      const acks: Buffer[] = []
      for (let i = 0; i < count; i++) acks.push(Buffer.from(r.bytes(32)))
      m = { type: 'collect', mailboxId, time, acks, signature: Buffer.from(r.bytes(SIGNATURE_BYTES)) }
    } else throw new WireError(`mail request: unknown type ${type}`)
    r.end()
    return m
  }
}

function statusOf (code: MailErrorCodeValue): number {
  const i = MAIL_REASONS.indexOf(code)
  if (i < 0) throw new RangeError(`no wire reason for ${code}`)
  return i + 1
}

function codeOf (status: number, label: string): MailErrorCodeValue {
  const code = MAIL_REASONS[status - 1]
  if (code === undefined) throw new WireError(`${label}: unknown status ${status}`)
  return code
}

export const pushReplyCodec: Codec<StoreReply<MailErrorCodeValue>> = storeReplyCodec('mail push reply', MAIL_REASONS)

export const tokenReplyCodec: Codec<TokenReply> = {
  encode: m => m.ok ? Buffer.concat([Buffer.of(0), m.token]) : Buffer.of(statusOf(m.code)),
  decode: b => {
    const r = new Reader(b, 'mail token reply')
    const status = r.u8()
    if (status !== 0) { r.end(); return { ok: false, code: codeOf(status, 'mail token reply') } }
    const token = Buffer.from(r.bytes(TOKEN_BYTES))
    r.end()
    return { ok: true, token }
  }
}

export const collectReplyCodec: Codec<CollectReply> = {
  encode: m => {
    if (!m.ok) return Buffer.of(statusOf(m.code))
    if (m.items.length > MAX_COLLECT_ITEMS) throw new RangeError(`at most ${MAX_COLLECT_ITEMS} items`)
    const w = new Writer(4 + m.items.length * 200).u8(0).u8(m.more ? 1 : 0).u16(m.items.length)
    for (const i of m.items) w.bytes(i.id).bytes16(i.item)
    return w.finish()
  },
  decode: b => {
    const r = new Reader(b, 'mail collect reply')
    const status = r.u8()
    if (status !== 0) { r.end(); return { ok: false, code: codeOf(status, 'mail collect reply') } }
    const more = r.u8()
    if (more > 1) throw new WireError(`mail collect reply: bad flag ${more}`)
    const count = r.u16()
    if (count > MAX_COLLECT_ITEMS) throw new WireError(`mail collect reply: ${count} items`)
    const items: CollectedItem[] = []
    for (let i = 0; i < count; i++) items.push({ id: Buffer.from(r.bytes(32)), item: Buffer.from(r.bytes16(MAX_ITEM_BYTES)) })
    r.end()
    return { ok: true, more: more === 1, items }
  }
}
