import type { Duplex } from 'node:stream'
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
/**
 * A turn ends once the stream holds no more than this of unsent bytes. Link streams take up to
 * 4 MiB into their send buffer at once, so "the stream took the bytes" says nothing about the
 * wire; the bytes still waiting there are what the link has yet to send, and while they wait
 * the turn is not over (else every request would end its turn at once and nobody would queue).
 */
export const TURN_DONE_BUFFERED_BYTES = 32 * 1024
const POLL_MS = 2

/** Unsent bytes of a link stream (ReliableStream.stats.sendBuffered); 0 for other streams. */
function unsent (stream: Duplex | undefined): number {
  const stats = (stream as { stats?: { sendBuffered?: unknown } } | undefined)?.stats
  return typeof stats?.sendBuffered === 'number' ? stats.sendBuffered : 0
}

export function createSliceGate (o: {
  selfId: Buffer
  ledger: Ledger
  credit: CreditLines
  scheduler: FairScheduler
  maxHoldMs?: number
  /** Told of a requester that never gave this node anything (stranger-probe.ts). */
  probe?: (peer: Contact) => void
  /** True for a pull a paid place already pays for (paid-pulls.ts): bytes booked, no credit. */
  paidPull?: (peerHex: string, chunkId: Buffer) => boolean
}): ServeGate {
  const maxHoldMs = o.maxHoldMs ?? DEFAULT_MAX_HOLD_MS
  return {
    // One gate per served stream: its requests are answered one at a time, so one turn at most.
    forPeer: (peer: Contact, stream?: Duplex): PeerServeGate => {
      const hex = peer.id.toString('hex')
      let release: { free: () => void, freed: () => boolean } | undefined
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
        release = { free, freed: () => freed }
      }
      return {
        admit: (): Promise<OwedAnswer> | undefined => o.credit.exhausted(hex, peer.rank) ? o.credit.refusal(hex) : undefined,
        turn: (bytes) => {
          let now = false
          let go: () => void = () => {}
          const wait = new Promise<void>((resolve) => { go = resolve })
          const queued = o.scheduler.submit(hex, bytes, () => { started(); now = true; go() })
          if (!queued) return Promise.reject(new AccountingError(AccountingErrorCode.BUSY, 'too many requests waiting'))
          // A requester that never gave this node anything is asked one lookup query (idle or
          // busy: its answer, or its silence, decides its weight the next time it has to wait).
          if (o.probe !== undefined) {
            const b = o.ledger.get(hex)
            if (b === undefined || b.creditReceived + b.restoredCredit === 0) o.probe(peer)
          }
          return now ? undefined : wait
        },
        done: () => {
          const r = release
          release = undefined
          if (r === undefined) return
          // Over when the link has sent the bytes (or the deadline passed, or the stream is gone).
          const poll = (): void => {
            if (r.freed()) return
            if (stream === undefined || stream.destroyed || unsent(stream) <= TURN_DONE_BUFFERED_BYTES) { r.free(); return }
            setTimeout(poll, POLL_MS).unref()
          }
          poll()
        },
        charge: (chunkId, bytes) => {
          const credit = o.paidPull?.(hex, chunkId) === true ? 0 : chunkPrice(o.selfId, chunkId, bytes)
          o.ledger.charge(hex, Cause.chunkSlice, 'sent', bytes, credit)
        }
      }
    }
  }
}
