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

interface Count { readonly prevHex: string, readonly nextHex: string | undefined, cells: number }

/** The key under which a pair without a next neighbour (the last hop, a carried cell) is counted. */
const NONE = ''

export class CellTally {
  private counts = new Map<string, Map<string, Count>>()
  /** The pair counted last: a relay's cells come in runs of one circuit, counted without a lookup. */
  private last?: Count
  private scheduled = false

  constructor (private readonly book: BookCells) {}

  add (prevHex: string, nextHex?: string): void {
    const last = this.last
    if (last !== undefined && last.prevHex === prevHex && last.nextHex === nextHex) { last.cells++; return }
    let byNext = this.counts.get(prevHex)
    if (byNext === undefined) { byNext = new Map(); this.counts.set(prevHex, byNext) }
    const key = nextHex ?? NONE
    let c = byNext.get(key)
    if (c === undefined) { c = { prevHex, nextHex, cells: 0 }; byNext.set(key, c) }
    c.cells++
    this.last = c
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => { this.flush() })
    }
  }

  /** Books every pending count now. A hook that throws loses only its own pair's count. */
  flush (): void {
    this.scheduled = false
    this.last = undefined
    if (this.counts.size === 0) return
    const counts = this.counts
    this.counts = new Map()
    for (const byNext of counts.values()) {
      for (const c of byNext.values()) {
        try { this.book(c.prevHex, c.nextHex, c.cells) } catch {}
      }
    }
  }
}
