import type { Session } from './session.js'

/**
 * A session's standing decides who leaves when the session table is full.
 * Least recently active would let anyone with cheap identities (or spoofed
 * sources) push every real peer out by simply being newer, so standing
 * orders by what is costly to fake, most important first:
 *
 *   1. validated: the peer proved it receives at its address;
 *   2. rank: the proof of work behind its identity;
 *   3. age, in doubling buckets (1 s, 2 s, 4 s, …): established beats new;
 *   4. contribution, in doubling buckets of authenticated bytes received;
 *   5. last activity (only to break exact ties).
 *
 * A newcomer only takes the place of a session it strictly outranks, so a new
 * session never evicts an established one of the same or a higher rank.
 */
export interface Standing {
  validated: boolean
  rank: number
  ageBucket: number
  contributionBucket: number
  lastActivity: number
}

/** When each session was created and how many authenticated bytes it brought (kept by the link). */
export class SessionLedger {
  private readonly entries = new Map<Session, { created: number, bytesIn: number }>()

  add (s: Session, now: number): void { this.entries.set(s, { created: now, bytesIn: 0 }) }
  remove (s: Session): void { this.entries.delete(s) }
  received (s: Session, bytes: number): void {
    const e = this.entries.get(s)
    if (e !== undefined) e.bytesIn += bytes
  }

  created (s: Session): number { return this.entries.get(s)?.created ?? 0 }

  standing (s: Session, now: number): Standing {
    const e = this.entries.get(s)
    return {
      validated: s.validated,
      rank: s.peer?.rank ?? 0,
      ageBucket: bucket((now - (e?.created ?? now)) / 1000),
      contributionBucket: bucket(e?.bytesIn ?? 0),
      lastActivity: s.lastActivity
    }
  }
}

/** The standing of a session not yet created. */
export function newcomerStanding (validated: boolean, rank: number, now: number): Standing {
  return { validated, rank, ageBucket: 0, contributionBucket: 0, lastActivity: now }
}

/** Negative when a stands lower than b. */
export function compareStanding (a: Standing, b: Standing): number {
  return Number(a.validated) - Number(b.validated) ||
    a.rank - b.rank ||
    a.ageBucket - b.ageBucket ||
    a.contributionBucket - b.contributionBucket ||
    a.lastActivity - b.lastActivity
}

/** Like compareStanding, without the last-activity tie-break: what a newcomer must beat. */
export function outranks (newcomer: Standing, incumbent: Standing): boolean {
  return compareStanding({ ...newcomer, lastActivity: 0 }, { ...incumbent, lastActivity: 0 }) > 0
}

/** The open session of lowest standing, if any. */
export function lowestStanding (sessions: Iterable<Session>, ledger: SessionLedger, now: number): { session: Session, standing: Standing } | undefined {
  let low: { session: Session, standing: Standing } | undefined
  for (const s of sessions) {
    if (s.state !== 'open') continue
    const standing = ledger.standing(s, now)
    if (low === undefined || compareStanding(standing, low.standing) < 0) low = { session: s, standing }
  }
  return low
}

/** floor(log2(1 + x)): 0 for x < 1, then one step per doubling. */
function bucket (x: number): number {
  return x < 1 ? 0 : Math.floor(Math.log2(1 + x))
}
