import { mkdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { TornetNode } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { CommandErrorCode, commandError } from '../command-errors.js'
import { offlineOr } from '../content-errors.js'
import { parseContentAddress, resolveContentAddress, type ResolvedAddress } from '../content-address.js'
import { namecoinContextOf } from '../namecoin-context.js'
import { walkTree, type TreeEntry } from '../content-tree.js'
import { usageError } from '../errors.js'
import { contentHashOf, downloadFile, PART_SUFFIX } from '../file-download.js'
import { formatBytes } from '../format-bytes.js'
import { withNode } from '../node-session.js'
import { ProgressBar } from '../progress-bar.js'
import { ProgressLine } from '../progress-line.js'

export const getCommand: Command = {
  name: 'get',
  summary: 'download a file or a directory tree from the network (resumes)',
  joinsNetwork: true,
  usage: `Usage: tornet get <address> [-o OUT] [--force]

Downloads published content: a file, or a directory with everything below it. <address> is any of
  http://<ref>.tor-net/path   <ref>.tor-net/path   <ref>/path   <name>.tor-net/path
Every chunk is checked against its id and every file against its content hash.

A file is written to OUT${PART_SUFFIX} and renamed when complete; if a download stops (Ctrl-C, lost
peers, a crash), run the same command again and it continues where it stopped: each whole part
kept in OUT${PART_SUFFIX} is checked against its hash first, and what fails is fetched again.

Options:
  -o, --output OUT  where to save (default: the last path segment, or the name)
  --force           replace existing files that differ (files that match are kept either way)
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { output: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
      strict: true,
      allowPositionals: true
    })
    if (positionals.length !== 1) throw usageError('give exactly one address to download')
    if (values.output === '') throw usageError('-o needs a file or directory name')
    const address = parseContentAddress(positionals[0])
    await withNode(ctx, async (node, session) => {
      await offlineOr(session, async () => {
        const where = await resolveContentAddress(node, address, { signal: ctx.signal, namecoin: namecoinContextOf(ctx) })
        const top = await node.content.stat(where.reference, where.path, ctx.signal)
        const out = resolve(values.output ?? defaultName(where))
        try {
          if (top.kind === 'file') await getFile(node, ctx, where, top.size, await contentHashOf(node.content, where.reference, where.path, ctx.signal), out, values.force === true)
          else await getTree(node, ctx, where, out, values.force === true)
        } catch (err) {
          if (!ctx.signal.aborted) throw err
          throw commandError(CommandErrorCode.INTERRUPTED,
            `interrupted; what arrived is kept (${top.kind === 'file' ? `${out}${PART_SUFFIX}` : `*${PART_SUFFIX} files under ${out}`}): ` +
            'run the same command again to continue', err)
        }
      })
    }, { network: 'optional' })
  }
}

function defaultName (where: ResolvedAddress): string {
  const last = where.path.split('/').filter(s => s !== '').pop()
  return basename(last ?? where.label)
}

async function getFile (node: TornetNode, ctx: CliContext, where: ResolvedAddress, size: number, contentHash: string, out: string, force: boolean): Promise<void> {
  const bar = new ProgressBar(ctx.stderr, ctx.now, 'downloading', { totalBytes: size })
  let outcome
  try {
    outcome = await downloadFile(node.content, { reference: where.reference, path: where.path, size, contentHash, out }, {
      force,
      signal: ctx.signal,
      onExisting: (n) => { bar.addExisting(n) },
      onBytes: (n) => { bar.addBytes(n) }
    })
  } finally {
    bar.end()
  }
  if (outcome.kind === 'already-there') {
    ctx.stderr.write(`${out} is already complete\n`)
  } else {
    ctx.stderr.write(`${bar.summary('downloaded')}${outcome.resumedFrom > 0 ? ` (resumed after ${formatBytes(outcome.resumedFrom)})` : ''}` +
      `${outcome.discarded > 0 ? `; ${formatBytes(outcome.discarded)} of the partial download did not check or was a part cut short, and came again` : ''}\n`)
  }
  ctx.stdout.write(`saved ${out} (${size} bytes, sha256 ${contentHash})\n`)
}

async function getTree (node: TornetNode, ctx: CliContext, where: ResolvedAddress, out: string, force: boolean): Promise<void> {
  const listing = new ProgressLine(ctx.stderr, ctx.now)
  const entries: TreeEntry[] = []
  let bytes = 0
  let files = 0
  try {
    for await (const e of walkTree(node.content, where.reference, where.path, { signal: ctx.signal })) {
      entries.push(e)
      if (e.kind === 'file') { files++; bytes += e.size }
      listing.update(`listing: ${entries.length} entries, ${files} files, ${formatBytes(bytes)}`)
    }
  } finally {
    listing.end()
  }
  const bar = new ProgressBar(ctx.stderr, ctx.now, 'downloading', { totalBytes: bytes, totalFiles: files })
  let kept = 0
  try {
    for (const e of entries) {
      const target = e.rel === '' ? out : join(out, ...e.rel.split('/'))
      if (e.kind === 'directory') {
        await mkdir(target, { recursive: true })
        continue
      }
      const contentHash = await contentHashOf(node.content, where.reference, e.path, ctx.signal)
      const outcome = await downloadFile(node.content, { reference: where.reference, path: e.path, size: e.size, contentHash, out: target }, {
        force,
        signal: ctx.signal,
        onExisting: (n) => { bar.addExisting(n) },
        onBytes: (n) => { bar.addBytes(n) }
      })
      if (outcome.kind === 'already-there') kept++
      bar.addFile()
    }
  } finally {
    bar.end()
  }
  ctx.stderr.write(`${bar.summary('downloaded')}${kept > 0 ? ` (${kept} file${kept === 1 ? ' was' : 's were'} already complete)` : ''}\n`)
  ctx.stdout.write(`saved ${out}/ (${files} files, ${bytes} bytes)\n`)
}
