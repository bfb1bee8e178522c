/**
 * Cells relayed (or carried) for a pair of neighbours, added up and handed to the
 * accounting hook once per event-loop turn instead of once per cell: a relay passes
 * tens of thousands of cells a second, and the hook (two ledger charges) cost more
 * than relaying's own bookkeeping. Tunnel cells are priced linearly (price.ts
 * tunnelCellPrice), so one booking of n cells is the same credit as n bookings:
 * the books come out the same, at most one turn later. `flush()` books what is
 * pending at once (the service calls it when it stops). Bounded by the neighbours
 * this node has circuits with, and emptied every turn.
 */
export type BookCells = (prevHex: string, nextHex: string | undefined, cells: number) => void

interface Count { cells: number }

/** The key under which a pair without a next neighbour (the last hop, a carried cell) is counted. */
const NONE = ''

export class CellTally {
  private counts = new Map<string, Map<string, Count>>()
  private scheduled = false

  constructor (private readonly book: BookCells) {}

  add (prevHex: string, nextHex?: string): void {
    let byNext = this.counts.get(prevHex)
    if (byNext === undefined) { byNext = new Map(); this.counts.set(prevHex, byNext) }
    const key = nextHex ?? NONE
    const c = byNext.get(key)
    if (c === undefined) byNext.set(key, { cells: 1 })
    else c.cells++
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => { this.flush() })
    }
  }

  /** Books every pending count now. A hook that throws loses only its own pair's count. */
  flush (): void {
    this.scheduled = false
    if (this.counts.size === 0) return
    const counts = this.counts
    this.counts = new Map()
    for (const [prevHex, byNext] of counts) {
      for (const [key, c] of byNext) {
        try { this.book(prevHex, key === NONE ? undefined : key, c.cells) } catch {}
      }
    }
  }
}
