import { Ledger, ledgerDatabases } from '../../../src/node/accounting/ledger/ledger.js'
import type { CauseValue } from '../../../src/node/accounting/price.js'
import { openStore } from '../../../src/node/store/environment.js'

/**
 * Child of the ledger crash rounds: opens the node's store in <data dir> as a node does, and
 * charges batches of K entries (1 credit unit and 100 bytes each, over 5 peers and 3 causes),
 * printing "ack <sequence>" once each batch's flush resolved; between batches it records one
 * new 1-sat payment from peer 99, after replaying every payment already seen (a chain source
 * reports them all again after a restart). Runs until SIGKILLed.
 *   node ledger-writer.js <data dir> <K>
 */
const [dataDir, k] = process.argv.slice(2)
const K = Number(k)
const store = openStore(dataDir, {
  // The lock of the writer killed before this one is expected; anything else is a finding.
  onWarning: (w) => { if (w.code !== 'STORE_STALE_LOCK') process.stderr.write(`warning ${w.code}: ${w.message}\n`) }
})
const ledger = new Ledger(ledgerDatabases((name) => store.openDatabase(name)), {
  flushMs: 3_600_000,
  maxBatchEntries: 10 * K,
  warn: (m) => { process.stderr.write(`ledger warning: ${m}\n`) }
})
const peer = (n: number): string => n.toString(16).padStart(64, '0')
const txid = (i: number): string => i.toString(16).padStart(64, '0')
const payer = peer(99)
const CAUSES: CauseValue[] = [0, 2, 5]
process.stdout.write(`open ${ledger.sequence}\n`)
let next = ledger.get(payer)?.paidSats ?? 0
for (let i = 0; i <= next; i++) await ledger.restore(payer, { txid: txid(i), vout: 0, sats: 1 }, 1)
next++
process.stdout.write('ready\n')
for (let n = 0; ; ) {
  for (let i = 0; i < K; i++, n++) ledger.charge(peer(n % 5), CAUSES[n % 3], n % 2 === 0 ? 'sent' : 'received', 100, 1)
  process.stdout.write(`ack ${await ledger.flush()}\n`)
  await ledger.restore(payer, { txid: txid(next++), vout: 0, sats: 1 }, 1)
}
