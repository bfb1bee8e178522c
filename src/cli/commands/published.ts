import { parseArgs } from 'node:util'
import { summarizePublished } from '../../node/index.js'
import type { Command } from '../command.js'
import { formatBytes, formatTime } from '../format-bytes.js'
import { withNode } from '../node-session.js'
import { formatTable } from '../text-table.js'
import { formatCredit } from './ledger.js'

/** Reads an hour, to two significant places. */
export function formatReads (n: number): string {
  if (n === 0) return '0'
  return n >= 10 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(2)
}

export const publishedCommand: Command = {
  name: 'published',
  summary: 'show what this node published: hosts known, last check, popularity',
  joinsNetwork: true,
  usage: `Usage: tornet published [--chunks] [--check] [--json]

For each item this node published (tornet publish, the dashboard), from the data directory:
the chunks, the hosts known to hold them (the fewest any chunk has, and distinct hosts in all),
the last hourly check, and the popularity gathered at those checks: whole-chunk reads an hour
over the last check's window (hosts report the bytes of each chunk they served), summed over
the item's chunks. Credit paid is what hosts charged for paid weekly places (config
publish.maxPrice).

A running node (\`tornet start\`) checks every hour (config publish.checkIntervalMs): it asks
each host whether it still holds the chunk and what it served, drops hosts that lack it twice,
and where fewer than publish.replicas hold a chunk it looks for providers, announces again,
asks nodes of lower rank to cache it, and (with publish.maxPrice) pays for places.

Options:
  --chunks   one row per chunk instead of per item
  --check    join the network and run a check now first (not while \`tornet start\` runs)
  --json     everything as JSON
`,
  async run (argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { chunks: { type: 'boolean' }, check: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false })
    await withNode(ctx, async (node) => {
      if (values.check === true) {
        const r = await node.checkPublished({ signal: ctx.signal })
        ctx.stderr.write(`checked ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}: ${r.hostsAlive} host answers holding, ${r.hostsDropped} dropped, ` +
          `${r.hostsAdded} added, ${r.republished} re-published, ${r.paidPlaces} paid place${r.paidPlaces === 1 ? '' : 's'} (${formatCredit(r.creditPaid)})\n`)
      }
      const chunks = node.publishedChunks()
      const items = summarizePublished(chunks)
      if (values.json === true) {
        ctx.stdout.write(JSON.stringify(values.chunks === true ? chunks : items, null, 2) + '\n')
        return
      }
      if (chunks.length === 0) { ctx.stdout.write('nothing published from this data directory yet (tornet publish)\n'); return }
      if (values.chunks === true) {
        ctx.stdout.write(formatTable(['chunk', 'size', 'hosts', 'last check', 'reads/h', 'reads', 'paid'],
          chunks.map(c => [c.id.slice(0, 16), formatBytes(c.size), String(c.hosts.length), formatTime(c.lastCheck), formatReads(c.rate), formatReads(c.reads), formatCredit(c.paid)]),
          ['size', 'hosts', 'reads/h', 'reads', 'paid']))
        return
      }
      ctx.stdout.write(formatTable(['item', 'chunks', 'hosts (min)', 'hosts', 'last check', 'reads/h', 'reads', 'paid'],
        items.map(i => [i.item === '' ? '(no item)' : `${i.item.slice(0, 24)}…`, String(i.chunks), String(i.minHosts), String(i.hosts), formatTime(i.lastCheck), formatReads(i.readsPerHour), formatReads(i.reads), formatCredit(i.creditPaid)]),
        ['chunks', 'hosts (min)', 'hosts', 'reads/h', 'reads', 'paid']))
    }, { network: values.check === true ? 'required' : 'none' })
  }
}
