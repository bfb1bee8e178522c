import type { LocalTable } from '../../local-table.js'

/**
 * Sent mail waiting for receipts, one entry per sealed copy (one per
 * recipient), by the hash of its sealed bytes: which stored message it is,
 * whose receipt counts (the recipient's signing key), and which chunks the
 * sender keeps pinned until then. Kept in the node's store, so a restart
 * still takes the receipt in. Also the receipts this node owes senders,
 * retried at every check until a host took them.
 */
export interface OutboxEntry {
  storeId: string
  recipient: Buffer
  chunkIds: Buffer[]
}

interface Saved { s: string, r: string, c: string[] }

export class Outbox {
  constructor (private readonly table: LocalTable) {}

  async add (hash: Buffer, e: OutboxEntry): Promise<void> {
    const saved: Saved = { s: e.storeId, r: e.recipient.toString('hex'), c: e.chunkIds.map(c => c.toString('hex')) }
    await this.table.put(hash.toString('hex'), Buffer.from(JSON.stringify(saved)))
  }

  get (hash: Buffer): OutboxEntry | undefined {
    const b = this.table.get(hash.toString('hex'))
    return b === undefined ? undefined : parse(b)
  }

  /** Removes the entry; `others` is how many copies of the same message still wait. */
  async settle (hash: Buffer): Promise<{ entry: OutboxEntry, others: number } | undefined> {
    const entry = this.get(hash)
    if (entry === undefined) return undefined
    await this.table.remove(hash.toString('hex'))
    const others = this.table.values().map(parse).filter(e => e?.storeId === entry.storeId).length
    return { entry, others }
  }
}

function parse (b: Buffer): OutboxEntry | undefined {
  try {
    const v = JSON.parse(b.toString('utf8')) as Saved
    return { storeId: v.s, recipient: Buffer.from(v.r, 'hex'), chunkIds: v.c.map(c => Buffer.from(c, 'hex')) }
  } catch {
    return undefined
  }
}

/** Receipts this node owes (message hash → the sender's signing key), until a host of the sender's took each. */
export class OwedReceipts {
  constructor (private readonly table: LocalTable) {}
  async add (hash: Buffer, sender: Buffer): Promise<void> { await this.table.put(hash.toString('hex'), sender) }
  async remove (hash: Buffer): Promise<void> { await this.table.remove(hash.toString('hex')) }
  entries (): Array<{ hash: Buffer, sender: Buffer }> {
    return this.table.keys().flatMap(k => {
      const sender = this.table.get(k)
      return sender === undefined || sender.length !== 32 ? [] : [{ hash: Buffer.from(k, 'hex'), sender }]
    })
  }
}
