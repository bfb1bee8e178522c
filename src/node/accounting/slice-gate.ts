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
export function createSliceGate (o: { selfId: Buffer, ledger: Ledger, credit: CreditLines, scheduler: FairScheduler }): ServeGate {
  return {
    forPeer: (peer: Contact): PeerServeGate => {
      const hex = peer.id.toString('hex')
      return {
        admit: (): Promise<OwedAnswer> | undefined => o.credit.exhausted(hex, peer.rank) ? o.credit.refusal(hex) : undefined,
        turn: (bytes) => {
          let started = false
          let go: () => void = () => {}
          const wait = new Promise<void>((resolve) => { go = resolve })
          const queued = o.scheduler.submit(hex, bytes, () => { started = true; go() })
          if (!queued) return Promise.reject(new AccountingError(AccountingErrorCode.BUSY, 'too many requests waiting'))
          return started ? undefined : wait
        },
        done: () => { o.scheduler.done() },
        charge: (chunkId, bytes) => { o.ledger.charge(hex, Cause.chunkSlice, 'sent', bytes, chunkPrice(o.selfId, chunkId, bytes)) }
      }
    }
  }
}
