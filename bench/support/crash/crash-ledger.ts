import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { Ledger, ledgerDatabases } from '../../../src/node/accounting/ledger/ledger.js'
import { killAfterStart, startChild } from './child-run.js'
import { type CrashContext, finding } from './crash-rounds.js'
import { checkStore } from './store-check.js'

/**
 * The ledger writer (ledger-writer.ts) on the node's store, killed at a random moment within
 * KILL_WINDOW_MS of opening it: batches of K charges flushed in one transaction each, with a
 * 1-sat payment recorded between batches. Acknowledged: each "ack <sequence>". After the kill
 * the books must hold every acknowledged batch, each whole and once (credit = batches × K),
 * every payment credited exactly once, and the next writer must reopen at that sequence.
 */
const K = 997
const KILL_WINDOW_MS = 400

export async function ledgerRounds (ctx: CrashContext): Promise<void> {
  const dir = mkdtempSync(join(ctx.work, 'ledger-'))
  let onDiskSeq = 0
  for (let round = 1; round <= ctx.opts.rounds; round++) {
    const run = startChild(ctx.opts.ledgerWriter, [dir, String(K)], /^ready$/)
    const killAt = Math.round(ctx.random() * KILL_WINDOW_MS)
    const { killed } = await killAfterStart(run, killAt)
    if (killed) ctx.tally.killed++
    else finding(ctx, 'unclean', round, `the ledger writer exited by itself: ${run.stderr().trim()}`)
    if (run.out.length > 0 && run.out[0] !== `open ${onDiskSeq}`) {
      finding(ctx, 'unclean', round, `the writer reopened the books at "${run.out[0]}", the disk said ${onDiskSeq}`)
    }
    const acks = run.out.filter(l => l.startsWith('ack ')).map(l => Number(l.slice(4)))
    ctx.tally.acknowledged += acks.length
    const acked = acks.length === 0 ? onDiskSeq : Math.max(...acks)
    for (const l of run.stderr().split('\n').filter(l => l !== '')) finding(ctx, 'unclean', round, `the writer warned: ${l}`)

    const check = await checkStore(dir, async (store) => {
      const warnings: string[] = []
      const ledger = new Ledger(ledgerDatabases((name) => store.openDatabase(name)), { flushMs: 3_600_000, warn: (m) => { warnings.push(m) } })
      try {
        let credit = 0
        let bytes = 0
        let paidSats = 0
        let restored = 0
        for (const p of ledger.list()) {
          credit += p.creditSent + p.creditReceived
          bytes += p.bytesSent + p.bytesReceived
          paidSats += p.paidSats
          restored += p.restoredCredit
        }
        const outputs = store.openDatabase('ledger-paid').getKeysCount()
        return { seq: ledger.sequence, batches: ledger.sequence - outputs, credit, bytes, paidSats, restored, outputs, warnings }
      } finally { await ledger.close() }
    })
    for (const p of check.problems) finding(ctx, 'unclean', round, p)
    const books = check.inspected
    if (books === undefined) continue
    for (const w of books.warnings) finding(ctx, 'unclean', round, `the ledger warned on reopening: ${w}`)
    if (books.seq < acked) finding(ctx, 'lost', round, `batch ${acked} was acknowledged, the books end at ${books.seq}`, acked - books.seq)
    // The transaction in flight (a batch, or the payment after it) may have landed too: no more.
    if (books.seq > acked + 2) finding(ctx, 'corrupt', round, `the books are at ${books.seq}, more than the ${acked} acknowledged and the one in flight`)
    if (books.credit !== books.batches * K || books.bytes !== books.batches * K * 100) {
      finding(ctx, 'corrupt', round, `the books hold ${books.credit} credit and ${books.bytes} bytes for ${books.batches} batches of ${K}`)
    }
    if (books.paidSats !== books.outputs || books.restored !== books.outputs) {
      finding(ctx, 'corrupt', round, `${books.outputs} payments recorded, ${books.paidSats} sats and ${books.restored} credit restored`)
    }
    onDiskSeq = books.seq
    ctx.log(`round ${round}: ${killed ? `killed ${killAt} ms after it opened the books` : 'not killed'}; ${acks.length} batches acknowledged, the books are at ${books.seq}`)
  }
}
