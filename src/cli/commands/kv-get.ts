import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { CommandErrorCode, commandError } from '../command-errors.js'
import { usageError } from '../errors.js'
import { formatTime } from '../format-bytes.js'
import { withNode } from '../node-session.js'

export const kvGetCommand: Command = {
  name: 'kv get',
  summary: 'read the newest value of a key in a namespace',
  joinsNetwork: true,
  usage: `Usage: tornet kv get <namespace> <key>
       tornet kv get --mine <key>

Reads the record for <key> in <namespace> (the owner's public key, 64 hex digits; --mine for
this node's own) from the network, checks its signature and prints value, sequence and expiry.
A value that is not UTF-8 text is printed in hex.

Options:
  --mine   this node's own namespace
  --raw    print only the value (for scripts)
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { mine: { type: 'boolean' }, raw: { type: 'boolean' } },
      strict: true,
      allowPositionals: true
    })
    const mine = values.mine === true
    if (positionals.length !== (mine ? 1 : 2)) throw usageError(mine ? 'with --mine, give only the key' : 'give a namespace (64 hex digits) and a key, or --mine and a key')
    const key = positionals[mine ? 0 : 1]
    let namespace: Buffer | undefined
    if (!mine) {
      const text = positionals[0].toLowerCase()
      if (!/^[0-9a-f]{64}$/.test(text)) throw usageError(`'${positionals[0]}' is not a namespace: write the owner's public key as 64 hex digits (see \`tornet id show\`)`)
      namespace = Buffer.from(text, 'hex')
    }
    await withNode(ctx, async (node) => {
      const ns = namespace ?? node.identity.publicKey
      const record = await node.kv.get(ns, key, { signal: ctx.signal })
      if (record === undefined) {
        throw commandError(CommandErrorCode.NOT_FOUND, `no live record for "${key}" in namespace ${ns.toString('hex').slice(0, 16)}…`)
      }
      const text = asText(record.value)
      if (values.raw === true) {
        ctx.stdout.write(`${text ?? record.value.toString('hex')}\n`)
        return
      }
      ctx.stdout.write(
        `${text === undefined ? 'value hex ' : 'value     '}${text ?? record.value.toString('hex')}\n` +
        `sequence  ${record.sequence}\n` +
        `expires   ${formatTime(record.expires)}\n` +
        `namespace ${record.namespace.toString('hex')}\n`)
    })
  }
}

/** The value as text when it is valid UTF-8 without control characters (other than tab/newline). */
function asText (b: Buffer): string | undefined {
  const s = b.toString('utf8')
  if (!Buffer.from(s, 'utf8').equals(b)) return undefined
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b-\x1f\x7f]/.test(s) ? undefined : s
}
