import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { offlineOr } from '../content-errors.js'
import { parseContentAddress, resolveContentAddress } from '../content-address.js'
import { namecoinContextOf } from '../namecoin-context.js'
import { usageError } from '../errors.js'
import { formatBytes } from '../format-bytes.js'
import { withNode } from '../node-session.js'

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list a directory of published content',
  joinsNetwork: true,
  usage: `Usage: tornet ls <address> [--bytes]

Lists the entries of a published directory, one per line: kind, size and name (directories end
in "/"). A file address prints that one file. <address> is any of
  http://<ref>.tor-net/path   <ref>.tor-net/path   <ref>/path   <name>.tor-net/path

Options:
  --bytes   sizes in bytes instead of KiB/MiB/GiB
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { bytes: { type: 'boolean' } }, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw usageError('give exactly one address to list')
    const address = parseContentAddress(positionals[0])
    const size = (n: number): string => values.bytes === true ? String(n) : formatBytes(n)
    await withNode(ctx, async (node, session) => {
      await offlineOr(session, async () => {
        const where = await resolveContentAddress(node, address, { signal: ctx.signal, namecoin: namecoinContextOf(ctx) })
        const top = await node.content.stat(where.reference, where.path, ctx.signal)
        if (top.kind === 'file') {
          ctx.stdout.write(line('file', size(top.size), where.path.split('/').pop() ?? where.label))
          return
        }
        let count = 0
        let bytes = 0
        for await (const e of node.content.list(where.reference, where.path, ctx.signal)) {
          count++
          if (e.kind === 'file') bytes += e.size
          ctx.stdout.write(line(e.kind === 'file' ? 'file' : 'dir', e.kind === 'file' ? size(e.size) : '-', e.kind === 'file' ? e.name : `${e.name}/`))
        }
        ctx.stderr.write(`${count} entr${count === 1 ? 'y' : 'ies'}, ${formatBytes(bytes)} in files directly here\n`)
      })
    }, { network: 'optional' })
  }
}

function line (kind: string, size: string, name: string): string {
  return `${kind.padEnd(4)}  ${size.padStart(10)}  ${name}\n`
}
