import { basename, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parseTarget, type TornetNode } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { usageError } from '../errors.js'
import { formatBytes } from '../format-bytes.js'
import { registerName } from '../name-registration.js'
import { withNode } from '../node-session.js'
import { REPLICATION_USAGE, replicateOrWarn, replicationFlags, treeChunkIds } from '../replicate.js'
import { ProgressBar } from '../progress-bar.js'
import { ProgressLine } from '../progress-line.js'
import { countedEntries, measureSource, type MeasuredSource } from '../publish-source.js'
import { PublishedList } from '../serve/published-list.js'


export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish a file or directory and print its address',
  joinsNetwork: true,
  usage: `Usage: tornet publish <dir|file> [--name NAME] [--title TEXT] [--replicas N] [--wait DURATION]

Stores the file or directory in this node's store (encrypted chunks, never evicted) and
announces it to the network. Prints the address it can be opened at:
http://<reference>.tor-net/ (the same content always gives the same reference).
With --name, also registers NAME.tor-net for it (a proof of work, mined here).

This command's node stops when it ends, so before it does it asks nodes near each chunk
to cache a copy, and waits until --replicas other nodes hold every chunk (or --wait is over).
Keeping a node with this data directory running (\`tornet start\`) serves the content too.

Options:
  --name NAME         register NAME.tor-net pointing at the content
  --title TEXT        a title for the dashboard's list of published content
                      (default: the file or directory name)
${REPLICATION_USAGE}`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { name: { type: 'string' }, title: { type: 'string' }, replicas: { type: 'string' }, wait: { type: 'string' } },
      strict: true,
      allowPositionals: true
    })
    if (positionals.length !== 1) throw usageError('give exactly one file or directory to publish')
    if (values.name === '') throw usageError('--name needs a name')
    const { replicas, waitMs } = replicationFlags(values)
    const path = resolve(positionals[0])
    const source = await measureSource(path, ctx.signal)
    await withNode(ctx, async (node) => {
      const { host: reference, url } = await publishSource(node, ctx, path, source)
      ctx.stdout.write(`${url}\n`)
      const published = new PublishedList(node)
      await published.add({ reference, url, title: values.title ?? basename(path), files: source.files, bytes: source.bytes, publishedAt: Date.now() })
      if (values.name !== undefined) {
        const r = await registerName(node, ctx, values.name, parseTarget(reference))
        await published.setName(reference, r.name)
        ctx.stdout.write(`http://${r.name}.tor-net/\n`)
      }
      await replicateOrWarn(node, ctx, 'the content', async () => await treeChunkIds(node, reference, ctx.signal), replicas, waitMs)
    })
  }
}

async function publishSource (node: TornetNode, ctx: CliContext, path: string, source: MeasuredSource): Promise<{ host: string, url: string }> {
  ctx.stderr.write(`publishing ${path}: ${source.kind === 'file' ? 'one file' : `${source.files} files`}, ${formatBytes(source.bytes)}\n`)
  const bar = new ProgressBar(ctx.stderr, ctx.now, 'encoding', { totalBytes: source.bytes, totalFiles: source.files })
  const announce = new ProgressLine(ctx.stderr, ctx.now)
  const failuresBefore = node.chunks.stats.announceFailures
  let fileBytes = 0
  let files = 0
  let announcing = false
  let result
  try {
    result = await node.publish(source.kind === 'file' ? path : countedEntries(source, (n) => { bar.addBytes(n) }), {
      signal: ctx.signal,
      onProgress: (p) => {
        if (p.phase === 'encode') {
          // A single file is read once, by the node: its own count is exact.
          if (source.kind === 'file' && p.bytes > fileBytes) { bar.addBytes(p.bytes - fileBytes); fileBytes = p.bytes }
          while (files < p.files && files < source.files) { files++; bar.addFile() }
          return
        }
        if (!announcing) { bar.end(); announcing = true }
        announce.update(`announcing: ${p.done} of ${p.total} chunks`)
      }
    })
  } finally {
    bar.end()
    announce.end()
  }
  const failed = node.chunks.stats.announceFailures - failuresBefore
  ctx.stderr.write(`${bar.summary('encoded')}; announced the ${result.chunks} chunk${result.chunks === 1 ? '' : 's'} this node holds\n`)
  if (failed > 0) {
    ctx.stderr.write(`warning: ${failed} announcement${failed === 1 ? '' : 's'} reached no peer; the content is stored here, ` +
      'and `tornet start` announces it again every hour\n')
  }
  return result
}
