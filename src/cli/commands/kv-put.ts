import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { durationFlag } from '../duration-flag.js'
import { usageError } from '../errors.js'
import { formatTime } from '../format-bytes.js'
import { withNode } from '../node-session.js'

/** Replicas refuse a longer lifetime (the kv record policy's 30 days). */
const MAX_TTL_MS = 30 * 86_400_000

export const kvPutCommand: Command = {
  name: 'kv put',
  summary: "store a signed value under a key in this node's namespace",
  joinsNetwork: true,
  usage: `Usage: tornet kv put <key> <value> [--ttl DURATION]

Signs the record (namespace = this node's public key, key, value, sequence, expiry) and stores it
on the nodes closest to SHA-256(namespace ‖ key). A later put of the same key replaces it (the
sequence grows). Anyone can read it with \`tornet kv get <namespace> <key>\`; only this identity
can change it. Key: 1-256 bytes; value: up to 1024 bytes (UTF-8).
A value that starts with "-" goes after "--": tornet kv put greeting -- -hello-

Options:
  --ttl DURATION   lifetime: 90s, 15m, 2h, 7d (default 1d, at most 30d)
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { ttl: { type: 'string' } }, strict: true, allowPositionals: true })
    if (positionals.length !== 2) throw usageError('give a key and a value')
    const [key, value] = positionals
    if (key === '') throw usageError('the key may not be empty')
    const ttlMs = values.ttl === undefined ? 86_400_000 : durationFlag('--ttl', values.ttl, MAX_TTL_MS)
    await withNode(ctx, async (node) => {
      const r = await node.kv.put(key, value, { ttlMs, signal: ctx.signal })
      ctx.stdout.write(
        `namespace  ${r.record.namespace.toString('hex')}\n` +
        `key        ${key}\n` +
        `sequence   ${r.record.sequence}\n` +
        `expires    ${formatTime(r.record.expires)}\n` +
        `replicas   ${r.accepted} accepted` +
        `${r.refused.length > 0 ? `, ${r.refused.length} refused (${[...new Set(r.refused.map(x => x.code))].join(', ')})` : ''}` +
        `${r.unreachable > 0 ? `, ${r.unreachable} unreachable` : ''}\n`)
    })
  }
}
