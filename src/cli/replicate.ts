import { setTimeout as sleep } from 'node:timers/promises'
import type { TornetNode } from '../node/index.js'
import type { CliContext } from './command.js'
import { recordChunks } from './chunk-recorder.js'
import { walkTree } from './content-tree.js'
import { ProgressLine } from './progress-line.js'
import { intFlag } from './flags.js'
import { durationFlag } from './duration-flag.js'

/**
 * After `tornet publish`: make sure other nodes hold copies before the command's node goes
 * away. A CLI node lives only as long as the command, so the provider records it announced
 * point at an endpoint that is about to close; content nobody else caches would be
 * unreachable until a node with this data directory runs again.
 *
 * Each round asks, for every chunk still short of copies, who provides it, and asks nodes
 * near the chunk to pull and cache it (the chunk service's checkAvailability); they fetch it
 * from this node and announce themselves. Rounds repeat until every chunk has `copies`
 * providers besides this node, or the time is up (then the caller says what is missing).
 */
export interface ReplicateReport {
  chunks: number
  /** Chunks that reached the wanted number of copies elsewhere. */
  replicated: number
  rounds: number
}

const ROUND_PAUSE_MS = 500

export const DEFAULT_REPLICAS = 2
export const MAX_REPLICAS = 8

/** The help lines of --replicas and --wait, for the commands that replicate before their node stops. */
export const REPLICATION_USAGE = `  --replicas N        copies on other nodes to wait for, 0-${MAX_REPLICAS} (default ${DEFAULT_REPLICAS}; 0 skips)
  --wait DURATION     longest wait for them: 30s, 10m, 1h (default 2m)
`

/** --replicas and --wait as given (parseArgs options `replicas` and `wait`, both strings), checked. */
export function replicationFlags (values: { replicas?: string, wait?: string }): { replicas: number, waitMs: number } {
  return {
    replicas: values.replicas === undefined ? DEFAULT_REPLICAS : intFlag('--replicas', values.replicas, 0, MAX_REPLICAS),
    waitMs: values.wait === undefined ? 120_000 : durationFlag('--wait', values.wait, 86_400_000)
  }
}

export async function replicate (node: TornetNode, ctx: CliContext, reference: string, copies: number, timeoutMs: number): Promise<ReplicateReport> {
  return await replicateChunks(node, ctx, await treeChunkIds(node, reference, ctx.signal), copies, timeoutMs)
}

/** As replicate, for chunks known by id (a sealed mail message's, which this node cannot read as a tree). */
export async function replicateChunks (node: TornetNode, ctx: CliContext, ids: Buffer[], copies: number, timeoutMs: number): Promise<ReplicateReport> {
  const deadline = ctx.now() + timeoutMs
  const line = new ProgressLine(ctx.stderr, ctx.now)
  // Providers counted by the chunk service include this node.
  const target = copies + 1
  let pending = ids
  let rounds = 0
  try {
    while (pending.length > 0) {
      rounds++
      const found = await node.chunks.checkAvailability(pending, {
        target,
        signal: ctx.signal,
        onProgress: (p) => { line.update(`replicating: round ${rounds}, checked ${p.done} of ${p.total} chunks still short of ${copies} cop${copies === 1 ? 'y' : 'ies'}`) }
      })
      // The nodes found holding or pulling each chunk: the hosts its hourly checks will ask.
      for (const a of found) if (a.hosts.length > 0) await node.addPublishedHosts(a.id, a.hosts)
      pending = found.filter(a => a.providers < target).map(a => a.id)
      line.update(`replicating: ${ids.length - pending.length} of ${ids.length} chunks held by ${copies} other node${copies === 1 ? '' : 's'}`)
      if (pending.length === 0 || ctx.now() >= deadline) break
      await sleep(ROUND_PAUSE_MS, undefined, { signal: ctx.signal })
    }
  } finally {
    line.end()
  }
  return { chunks: ids.length, replicated: ids.length - pending.length, rounds }
}

/**
 * replicate() for a command's node about to stop, with the outcome told on stderr: how many
 * other nodes hold `what` ("the content", "the message"), or a warning naming what is
 * reachable only while a node with this data directory runs.
 */
export async function replicateOrWarn (node: TornetNode, ctx: CliContext, what: string, ids: () => Promise<Buffer[]>, replicas: number, waitMs: number): Promise<void> {
  const others = node.routingTableSize()
  const copies = Math.min(replicas, others)
  if (copies === 0) {
    if (replicas > 0) ctx.stderr.write(`warning: no other node is known to hold copies; ${what} is reachable only while a node with this data directory runs (\`tornet start\`)\n`)
    return
  }
  const r = await replicateChunks(node, ctx, await ids(), copies, waitMs)
  const short = r.chunks - r.replicated
  if (short === 0) {
    ctx.stderr.write(`replicated: all ${r.chunks} chunks are held by at least ${copies} other node${copies === 1 ? '' : 's'}\n`)
  } else {
    ctx.stderr.write(`warning: ${short} of ${r.chunks} chunks are held by fewer than ${copies} other node${copies === 1 ? '' : 's'} after waiting; ` +
      `they are reachable only while a node with this data directory runs (\`tornet start\`), or once peers cache them\n`)
  }
}

/** Every chunk of the tree, found by reading it all from the local store with the recorder on. */
export async function treeChunkIds (node: TornetNode, reference: string, signal: AbortSignal): Promise<Buffer[]> {
  const ids = new Map<string, Buffer>()
  const recorder = recordChunks(node, { localOnly: true, onChunk: (id) => { ids.set(id.toString('hex'), id) } })
  try {
    for await (const e of walkTree(node.content, reference, '', { signal })) {
      if (e.kind === 'file') for await (const b of node.content.read(reference, e.path, undefined, signal, { transient: true })) void b
    }
  } finally {
    recorder.restore()
  }
  return [...ids.values()]
}
