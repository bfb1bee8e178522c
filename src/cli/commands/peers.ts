import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { intFlag } from '../flags.js'
import { formatBytes, formatTime, shortHex } from '../format-bytes.js'
import { withNode } from '../node-session.js'
import { formatTable } from '../text-table.js'

export const peersCommand: Command = {
  name: 'peers',
  summary: 'show the routing table after joining, and the remembered peer accounts',
  joinsNetwork: true,
  usage: `Usage: tornet peers [--limit N]

Joins the network, then prints
  - the routing table: each bucket (level/sub-bucket: the bits shared with this node's id) with
    its contacts in the order the node prefers them: id, endpoint, rank, round-trip time;
  - the peer accounts this node keeps across runs, most recently contacted first: first and
    last contact, round-trip time, connection errors, bytes sent and received.

Options:
  --limit N   peer accounts to show (default 50; 0 for all)
`,
  async run (argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { limit: { type: 'string' } }, strict: true, allowPositionals: false })
    const limit = values.limit === undefined ? 50 : intFlag('--limit', values.limit, 0, 1_000_000)
    await withNode(ctx, async (node) => {
      const buckets = node.routingBuckets().filter(b => b.contacts.length > 0)
      const contacts = buckets.reduce((n, b) => n + b.contacts.length, 0)
      ctx.stdout.write(`this node   ${node.identity.id.toString('hex')} (rank ${node.identity.rank})\n\n`)
      ctx.stdout.write(`routing table: ${contacts} contact${contacts === 1 ? '' : 's'} in ${buckets.length} bucket${buckets.length === 1 ? '' : 's'}\n`)
      if (contacts > 0) {
        const rows = buckets.flatMap(b => b.contacts.map(c => [
          `${b.level}/${b.sub}`,
          shortHex(c.id),
          `${c.endpoint.address}:${c.endpoint.port}`,
          String(c.rank),
          c.rttMs === undefined ? '-' : `${c.rttMs.toFixed(1)} ms`
        ]))
        ctx.stdout.write(formatTable(['bucket', 'id', 'endpoint', 'rank', 'rtt'], rows, ['rank', 'rtt']))
      }
      const all = node.peerAccounts()
      const shown = limit === 0 ? all : all.slice(0, limit)
      ctx.stdout.write(`\npeer accounts: ${all.length}${shown.length < all.length ? ` (the ${shown.length} most recent shown; --limit 0 shows all)` : ''}\n`)
      if (shown.length > 0) {
        const rows = shown.map(a => [
          shortHex(a.id),
          a.endpoint === undefined ? '-' : `${a.endpoint.address}:${a.endpoint.port}`,
          String(a.rank),
          formatTime(a.firstContact),
          formatTime(a.lastContact),
          a.rttMs === undefined ? '-' : `${a.rttMs.toFixed(1)} ms`,
          String(a.connectionErrors),
          formatBytes(a.bytesSent),
          formatBytes(a.bytesReceived)
        ])
        ctx.stdout.write(formatTable(['id', 'endpoint', 'rank', 'first contact', 'last contact', 'rtt', 'errors', 'sent', 'received'], rows,
          ['rank', 'rtt', 'errors', 'sent', 'received']))
      }
    }, { network: 'optional' })
  }
}
