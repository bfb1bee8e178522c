import { TurnTally } from '../../turn-tally.js'

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
  private readonly tally: TurnTally<Count>

  constructor (book: BookCells) {
    this.tally = new TurnTally<Count>(
      (prevHex, next) => ({ prevHex, nextHex: next === NONE ? undefined : next, cells: 0 }),
      (c) => { book(c.prevHex, c.nextHex, c.cells) }
    )
  }

  add (prevHex: string, nextHex?: string): void {
    this.tally.entry(prevHex, nextHex ?? NONE).cells++
  }

  /** Books every pending count now. A hook that throws loses only its own pair's count. */
  flush (): void {
    this.tally.flush()
  }
}
