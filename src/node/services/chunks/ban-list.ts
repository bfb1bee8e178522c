/**
 * Peers that sent bad data (a slice that does not match its hash, a chunk
 * that does not match its id, a malformed stream). Downloads skip them until
 * the ban expires. Bounded: past `capacity` peers the ban that ends soonest
 * is forgotten first (bans all last `banMs`, so that is the oldest one).
 */
export interface BanEntry {
  id: Buffer
  until: number
  reason: string
}

export const DEFAULT_BAN_MS = 60 * 60_000
export const DEFAULT_BAN_CAPACITY = 1024

export class BanList {
  private readonly entries = new Map<string, BanEntry>()

  constructor (
    private readonly now: () => number,
    readonly banMs = DEFAULT_BAN_MS,
    readonly capacity = DEFAULT_BAN_CAPACITY
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`bad ban capacity ${capacity}`)
  }

  ban (id: Uint8Array, reason: string): void {
    const hex = Buffer.from(id).toString('hex')
    this.entries.delete(hex)
    this.entries.set(hex, { id: Buffer.from(id), until: this.now() + this.banMs, reason })
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
  }

  has (id: Uint8Array): boolean {
    const hex = Buffer.from(id).toString('hex')
    const e = this.entries.get(hex)
    if (e === undefined) return false
    if (e.until > this.now()) return true
    this.entries.delete(hex)
    return false
  }

  /** The bans in force, oldest first. */
  list (): BanEntry[] {
    const now = this.now()
    const out: BanEntry[] = []
    for (const [hex, e] of this.entries) {
      if (e.until > now) out.push({ ...e, id: Buffer.from(e.id) })
      else this.entries.delete(hex)
    }
    return out
  }

  get size (): number { return this.list().length }

  unban (id: Uint8Array): boolean {
    return this.entries.delete(Buffer.from(id).toString('hex'))
  }
}
