import { parseArgs } from 'node:util'
import type { LedgerPeerRow } from '../../node/index.js'
import type { Command } from '../command.js'
import { intFlag } from '../flags.js'
import { formatBytes, formatTime } from '../format-bytes.js'
import { withNode } from '../node-session.js'
import { formatTable } from '../text-table.js'

/** Credit units (bytes at the cheapest price) in decimal steps: "12.5 M cr". */
export function formatCredit (n: number): string {
  const a = Math.abs(n)
  const sign = n < 0 ? '-' : ''
  for (const [step, unit] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= step) return `${sign}${(a / step).toFixed(a / step < 10 ? 2 : 1)} ${unit} cr`
  }
  return `${sign}${Math.round(a)} cr`
}
const credit = formatCredit

export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'show the credit books: balances, top debtors and creditors, history by cause',
  usage: `Usage: tornet ledger [--top N] [--hours N] [--json]

Prints the books this node keeps with every peer (in the data directory, no network needed):
  - totals: credit sent (service given, bytes × price), received, bought back with bitcoin;
  - the peers that owe this node the most (debtors) and those it owes (creditors), with their
    rank, credit line, availability (from first/last contact and connection errors), and the
    bitcoin address index this node watches for their payments, and their send address (the
    address each peer told this node to pay refunds, tips and donations to);
  - credit and bytes by cause (chunk-slice, lookup, kv, radio-segment, mail-push, tunnel-cell),
    in all and per hour for the last --hours.
Credit units are bytes at the cheapest price; a chunk slice costs bytes × (256 − log2(NID ⊕ CID)),
a lookup answer 4,096, kv and mail a unit per byte asked and answered, a radio segment bytes ×
max(1, 16 − the pushing relay's depth), a tunnel cell a unit per byte at each hop.

Options:
  --top N     debtors and creditors to list (default 10)
  --hours N   hours of history by cause (default 24; 0: none)
  --json      everything as one JSON document (every peer included)
`,
  async run (argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { top: { type: 'string' }, hours: { type: 'string' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false })
    const top = values.top === undefined ? 10 : intFlag('--top', values.top, 0, 100_000)
    const hours = values.hours === undefined ? 24 : intFlag('--hours', values.hours, 0, 24 * 365)
    await withNode(ctx, async (node) => {
      const report = node.ledger({ top, sinceMs: ctx.now() - hours * 3_600_000 })
      if (values.json === true) { ctx.stdout.write(JSON.stringify(report, null, 2) + '\n'); return }
      const t = report.totals
      ctx.stdout.write(`peers with books: ${t.peers}\ncredit sent ${credit(t.creditSent)}   received ${credit(t.creditReceived)}   bought back ${credit(t.restoredCredit)} for ${t.paidSats} sats\n`)
      const peerRows = (list: LedgerPeerRow[]): string[][] => list.map(p => [
        p.id.slice(0, 16),
        p.rank === undefined ? '-' : String(p.rank),
        credit(p.owed),
        p.creditLimit === undefined ? '-' : credit(p.creditLimit),
        credit(p.creditSent),
        credit(p.creditReceived),
        p.paidSats === 0 ? '-' : String(p.paidSats),
        p.availability === undefined ? '-' : `${(p.availability * 100).toFixed(0)} %`,
        formatTime(p.lastEntry),
        p.sendAddress === '' ? '-' : p.sendAddress
      ])
      const head = ['peer', 'rank', 'owes', 'line', 'sent', 'received', 'paid sats', 'avail', 'last entry', 'send address']
      const right = ['rank', 'owes', 'line', 'sent', 'received', 'paid sats', 'avail']
      ctx.stdout.write(`\ndebtors (owe this node):${report.debtors.length === 0 ? ' none' : ''}\n`)
      if (report.debtors.length > 0) ctx.stdout.write(formatTable(head, peerRows(report.debtors), right))
      ctx.stdout.write(`\ncreditors (this node owes):${report.creditors.length === 0 ? ' none' : ''}\n`)
      if (report.creditors.length > 0) ctx.stdout.write(formatTable(head, peerRows(report.creditors).map(r => { r[2] = r[2].replace(/^-/, ''); return r }), right))
      ctx.stdout.write('\nby cause:\n')
      ctx.stdout.write(formatTable(['cause', 'credit sent', 'credit received', 'bytes sent', 'bytes received'],
        report.byCause.map(c => [c.cause, credit(c.creditSent), credit(c.creditReceived), formatBytes(c.bytesSent), formatBytes(c.bytesReceived)]),
        ['credit sent', 'credit received', 'bytes sent', 'bytes received']))
      if (hours > 0 && report.history.length > 0) {
        ctx.stdout.write(`\nlast ${hours} h by cause:\n`)
        ctx.stdout.write(formatTable(['hour', 'cause', 'credit sent', 'credit received', 'bytes sent', 'bytes received'],
          report.history.map(h => [formatTime(h.hourStart), h.cause, credit(h.creditSent), credit(h.creditReceived), formatBytes(h.bytesSent), formatBytes(h.bytesReceived)]),
          ['credit sent', 'credit received', 'bytes sent', 'bytes received']))
      }
    }, { network: 'none' })
  }
}
