import { sha256 } from '../../../crypto/hash.js'
import { tryDecode } from '../../../wire/codec.js'
import { MailErrorCode, type MailErrorCodeValue } from '../errors.js'
import {
  type CollectReply, MAX_COLLECT_ITEMS, type MailRequest, type TokenReply, decodePushItem, verifyCollect, verifyReceipt
} from '../messages.js'
import { DEFAULT_STAMP_DIFFICULTY, stampBits, stampHash } from '../stamp.js'
import { type MailboxQueueOptions, MailboxQueues } from './mailbox-queue.js'
import type { MailboxRecordStore } from './mailbox-records.js'
import { StampMemory } from './stamp-memory.js'
import { TokenIssuer } from './token-issuer.js'

/**
 * The host side of mail: for the mailboxes whose records this node holds it
 * hands out tokens, takes stamped pushes into bounded queues and lets the
 * owner (only the owner: a request signed by the mailbox key) collect them.
 * A push is checked cheapest first and refused with a code at the first
 * failure: decodes → mailbox held → one of the tokens is this host's and
 * fresh → stamp's work ≥ difficulty → stamp not taken before → queue room →
 * the item itself (a receipt's signature; a message's chunks exist, a lookup,
 * so last). The stamp is spent once its work is checked, before the lookup,
 * so a flood of references to nothing costs at most one lookup per stamp.
 */
export interface MailboxHostOptions {
  records: MailboxRecordStore
  /** Leading zero bits a stamp needs; default DEFAULT_STAMP_DIFFICULTY. */
  difficulty?: number
  /** Whether the chunk `rootId` is provided by anyone (a chunk lookup). */
  chunkExists: (rootId: Buffer, signal?: AbortSignal) => Promise<boolean>
  /** This node's id: what a collect request is signed for. */
  selfId: Buffer
  tokens?: TokenIssuer
  stamps?: StampMemory
  queue?: MailboxQueueOptions
  /** How far a collect request's time may be from ours; default 5 min. */
  collectSkewMs?: number
  now?: () => number
}

export type PushVerdict = { accepted: true, id: Buffer } | { accepted: false, code: MailErrorCodeValue }

export interface HostStats { accepted: number, refused: Partial<Record<MailErrorCodeValue, number>> }

export class MailboxHost {
  readonly tokens: TokenIssuer
  readonly stamps: StampMemory
  readonly queues: MailboxQueues
  readonly difficulty: number
  readonly stats: HostStats = { accepted: 0, refused: {} }
  private readonly now: () => number
  private readonly collectSkewMs: number

  constructor (private readonly o: MailboxHostOptions) {
    this.now = o.now ?? Date.now
    this.difficulty = o.difficulty ?? DEFAULT_STAMP_DIFFICULTY
    this.tokens = o.tokens ?? new TokenIssuer({ now: this.now })
    this.stamps = o.stamps ?? new StampMemory()
    this.queues = new MailboxQueues({ now: this.now, ...o.queue })
    this.collectSkewMs = o.collectSkewMs ?? 5 * 60_000
  }

  token (mailboxId: Buffer): TokenReply {
    if (this.o.records.get(mailboxId) === undefined) return { ok: false, code: MailErrorCode.MAILBOX_UNKNOWN }
    return { ok: true, token: this.tokens.issue(mailboxId) }
  }

  /** `sender`: the pushing peer's node id (hex), for the per-sender cap. */
  async push (m: Extract<MailRequest, { type: 'push' }>, sender: string, signal?: AbortSignal): Promise<PushVerdict> {
    const verdict = await this.check(m, sender, signal)
    if (verdict.accepted) this.stats.accepted++
    else this.stats.refused[verdict.code] = (this.stats.refused[verdict.code] ?? 0) + 1
    return verdict
  }

  private async check (m: Extract<MailRequest, { type: 'push' }>, sender: string, signal?: AbortSignal): Promise<PushVerdict> {
    const refuse = (code: MailErrorCodeValue): PushVerdict => ({ accepted: false, code })
    const item = tryDecode(decodePushItem, m.item)
    if (item === undefined) return refuse(MailErrorCode.MALFORMED)
    if (this.o.records.get(m.mailboxId) === undefined) return refuse(MailErrorCode.MAILBOX_UNKNOWN)
    let window: number | undefined
    let tokenCode: MailErrorCodeValue = MailErrorCode.TOKEN_FOREIGN
    for (const t of m.tokens) {
      const c = this.tokens.check(m.mailboxId, t)
      if (c.ok) { window = c.window; break }
      if (c.code === MailErrorCode.TOKEN_STALE) tokenCode = c.code
    }
    if (window === undefined) return refuse(tokenCode)
    const hash = stampHash({ digest: sha256(m.item), mailboxId: m.mailboxId, tokens: m.tokens }, m.nonce)
    if (stampBits(hash) < this.difficulty) return refuse(MailErrorCode.STAMP_INSUFFICIENT)
    this.stamps.forgetBefore(this.tokens.windowAt())
    if (this.stamps.has(hash)) return refuse(MailErrorCode.STAMP_REPLAYED)
    const full = this.queues.refusal(m.mailboxId, sender)
    if (full !== undefined) return refuse(full)
    if (!this.stamps.add(hash, window)) return refuse(MailErrorCode.HOST_BUSY)
    if (item.kind === 'receipt') {
      if (!verifyReceipt(item)) return refuse(MailErrorCode.BAD_RECEIPT)
    } else {
      const exists = await this.o.chunkExists(item.rootId, signal).catch(() => false)
      if (!exists) return refuse(MailErrorCode.CHUNKS_MISSING)
    }
    // Checked again: the lookup gave other pushes time to fill the queue.
    const code = this.queues.add(m.mailboxId, { id: hash.toString('hex'), item: m.item, sender })
    return code === undefined ? { accepted: true, id: hash } : refuse(code)
  }

  /** The owner's collect: acknowledged items go, the oldest waiting ones come back. */
  collect (m: Extract<MailRequest, { type: 'collect' }>): CollectReply {
    const record = this.o.records.get(m.mailboxId)
    if (record === undefined) return { ok: false, code: MailErrorCode.MAILBOX_UNKNOWN }
    if (Math.abs(m.time - this.now()) > this.collectSkewMs || !verifyCollect(record.signingKey, this.o.selfId, m)) {
      return { ok: false, code: MailErrorCode.COLLECT_REFUSED }
    }
    this.queues.remove(m.mailboxId, m.acks.map(a => a.toString('hex')))
    const { items, more } = this.queues.peek(m.mailboxId, MAX_COLLECT_ITEMS)
    return { ok: true, more, items: items.map(i => ({ id: Buffer.from(i.id, 'hex'), item: i.item })) }
  }
}
