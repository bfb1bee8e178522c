import { MailErrorCode } from '../errors.js'

/**
 * What a host keeps for its mailboxes until their owners collect: per
 * mailbox, a queue of pushed items (message references, receipts) in arrival
 * order. Bounded three ways — per mailbox, per sending peer within a mailbox,
 * and over all mailboxes — and a full queue refuses new items, never evicts:
 * a flood cannot push out mail already taken, and one peer cannot fill a
 * mailbox by itself. Items go when the owner acknowledges them or expire.
 */
export interface QueuedItem {
  /** The stamp hash (hex): unique per push, what the owner acknowledges. */
  id: string
  item: Buffer
  /** The pushing peer (node id hex). */
  sender: string
  at: number
}

export interface MailboxQueueOptions {
  /** Items one mailbox may have waiting at this host; default 2,000. */
  maxPerMailbox?: number
  /** Items one peer may have waiting in one mailbox; default 100. */
  maxPerSender?: number
  /** Items over all mailboxes; default 200,000 (an item is under 200 bytes). */
  maxTotal?: number
  /** How long an uncollected item is kept; default 14 days. */
  lifetimeMs?: number
  now?: () => number
}

type Refusal = typeof MailErrorCode.QUEUE_FULL | typeof MailErrorCode.OVER_SENDER_CAP

interface Queue { items: Map<string, QueuedItem>, bySender: Map<string, number> }

export class MailboxQueues {
  private readonly queues = new Map<string, Queue>()
  private total = 0
  private readonly o: Required<MailboxQueueOptions>

  constructor (opts: MailboxQueueOptions = {}) {
    this.o = { maxPerMailbox: 2_000, maxPerSender: 100, maxTotal: 200_000, lifetimeMs: 14 * 24 * 3600_000, now: Date.now, ...opts }
  }

  get size (): number { return this.total }

  /** Why an item from `sender` would be refused now, or undefined when it fits. */
  refusal (mailboxId: Buffer, sender: string): Refusal | undefined {
    const q = this.queues.get(mailboxId.toString('hex'))
    if (q !== undefined) this.expire(q)
    if (this.total >= this.o.maxTotal || (q?.items.size ?? 0) >= this.o.maxPerMailbox) return MailErrorCode.QUEUE_FULL
    if ((q?.bySender.get(sender) ?? 0) >= this.o.maxPerSender) return MailErrorCode.OVER_SENDER_CAP
    return undefined
  }

  add (mailboxId: Buffer, entry: Omit<QueuedItem, 'at'>): Refusal | undefined {
    const refusal = this.refusal(mailboxId, entry.sender)
    if (refusal !== undefined) return refusal
    const key = mailboxId.toString('hex')
    let q = this.queues.get(key)
    if (q === undefined) { q = { items: new Map(), bySender: new Map() }; this.queues.set(key, q) }
    if (q.items.has(entry.id)) return undefined
    q.items.set(entry.id, { ...entry, at: this.o.now() })
    q.bySender.set(entry.sender, (q.bySender.get(entry.sender) ?? 0) + 1)
    this.total++
    return undefined
  }

  /** The oldest `limit` items waiting for a mailbox (they stay until acknowledged). */
  peek (mailboxId: Buffer, limit: number): { items: QueuedItem[], more: boolean } {
    const q = this.queues.get(mailboxId.toString('hex'))
    if (q === undefined) return { items: [], more: false }
    this.expire(q)
    const items: QueuedItem[] = []
    for (const item of q.items.values()) {
      if (items.length >= limit) return { items, more: true }
      items.push(item)
    }
    return { items, more: false }
  }

  remove (mailboxId: Buffer, ids: readonly string[]): number {
    const key = mailboxId.toString('hex')
    const q = this.queues.get(key)
    if (q === undefined) return 0
    let n = 0
    for (const id of ids) if (this.drop(q, id)) n++
    if (q.items.size === 0) this.queues.delete(key)
    return n
  }

  private expire (q: Queue): void {
    const cutoff = this.o.now() - this.o.lifetimeMs
    for (const item of q.items.values()) {
      if (item.at > cutoff) break // arrival order: the rest are younger
      this.drop(q, item.id)
    }
  }

  private drop (q: Queue, id: string): boolean {
    const item = q.items.get(id)
    if (item === undefined) return false
    q.items.delete(id)
    const left = (q.bySender.get(item.sender) ?? 1) - 1
    if (left <= 0) q.bySender.delete(item.sender)
    else q.bySender.set(item.sender, left)
    this.total--
    return true
  }
}
