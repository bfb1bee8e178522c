import type { Contact } from '../routing/contact.js'
import type { OwedAnswer, PeerServeGate, ServeGate } from '../services/chunks/serve-gate.js'
import type { CreditLines } from './credit-lines.js'
import { AccountingError, AccountingErrorCode } from './errors.js'
import type { FairScheduler } from './fair-scheduler.js'
import type { Ledger } from './ledger/ledger.js'
import { Cause, chunkPrice } from './price.js'

/**
 * The chunk service's serve gate (services/chunks/serve-gate.ts) over the ledger: a request
 * from a peer past its credit line is answered SLICE_OWED, a request waits its weighted fair
 * turn while the node is busy, and every slice served is charged at this node's price for it.
 */
export const DEFAULT_MAX_HOLD_MS = 1000

export function createSliceGate (o: { selfId: Buffer, ledger: Ledger, credit: CreditLines, scheduler: FairScheduler, maxHoldMs?: number }): ServeGate {
  const maxHoldMs = o.maxHoldMs ?? DEFAULT_MAX_HOLD_MS
  return {
    // One gate per served stream: its requests are answered one at a time, so one turn at most.
    forPeer: (peer: Contact): PeerServeGate => {
      const hex = peer.id.toString('hex')
      let release: (() => void) | undefined
      // A turn lasts until the stream took the bytes, but never longer than maxHoldMs: a peer
      // that stops reading must not hold a slot others wait for (its own stream's backpressure
      // still holds it back).
      const started = (): void => {
        let freed = false
        const timer = setTimeout(() => { free() }, maxHoldMs)
        timer.unref()
        const free = (): void => {
          if (freed) return
          freed = true
          clearTimeout(timer)
          o.scheduler.done()
        }
        release = free
      }
      return {
        admit: (): Promise<OwedAnswer> | undefined => o.credit.exhausted(hex, peer.rank) ? o.credit.refusal(hex) : undefined,
        turn: (bytes) => {
          let now = false
          let go: () => void = () => {}
          const wait = new Promise<void>((resolve) => { go = resolve })
          const queued = o.scheduler.submit(hex, bytes, () => { started(); now = true; go() })
          if (!queued) return Promise.reject(new AccountingError(AccountingErrorCode.BUSY, 'too many requests waiting'))
          return now ? undefined : wait
        },
        done: () => { const r = release; release = undefined; r?.() },
        charge: (chunkId, bytes) => { o.ledger.charge(hex, Cause.chunkSlice, 'sent', bytes, chunkPrice(o.selfId, chunkId, bytes)) }
      }
    }
  }
}
