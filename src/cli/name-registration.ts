import { describeTarget, type MiningProgress, type TornetNode } from '../node/index.js'
import type { CliContext } from './command.js'
import { formatCount, formatDuration } from './format.js'
import { formatTime } from './format-bytes.js'
import { ProgressLine } from './progress-line.js'

type NamesService = TornetNode['names']
export type NameTarget = Parameters<NamesService['register']>[1]
export type NameRegisterResult = Awaited<ReturnType<NamesService['register']>>

/**
 * Registers (or renews, for its owner) NAME.tor-net with the proof of work mined in this
 * process, showing the mining on stderr; shared by `tornet name register` and
 * `tornet publish --name`.
 */
export async function registerName (node: TornetNode, ctx: CliContext, name: string, target: NameTarget): Promise<NameRegisterResult> {
  const bits = node.config.names.difficulty
  ctx.stderr.write(`registering ${name}.tor-net: mining a proof of work of ${bits} bits (about ${formatCount(2 ** bits)} hashes; Ctrl-C stops)\n`)
  const line = new ProgressLine(ctx.stderr, ctx.now)
  let r: NameRegisterResult
  try {
    r = await node.names.register(name, target, { signal: ctx.signal, onProgress: (p) => { line.update(describeMining(p)) } })
  } finally {
    line.end()
  }
  const t = describeTarget(r.registration.target)
  ctx.stderr.write(`${r.name}.tor-net → ${t.kind === 'content' ? `${t.reference}.tor-net` : `${t.kind}:${t.publicKey}`}: ` +
    `accepted by ${r.accepted} node${r.accepted === 1 ? '' : 's'}` +
    `${r.refused.length > 0 ? `, refused by ${r.refused.length} (${[...new Set(r.refused.map(x => x.code))].join(', ')})` : ''}` +
    `${r.unreachable > 0 ? `, ${r.unreachable} unreachable` : ''}; expires ${formatTime(r.registration.expires)}\n`)
  return r
}

function describeMining (p: MiningProgress): string {
  const left = p.expectedSecondsLeft > 0 ? `~${formatDuration(p.expectedSecondsLeft)} left (expected)` : 'any moment now (expected)'
  return `mining: ${formatCount(p.hashes)} hashes, ${formatCount(p.hashesPerSecond)} hashes/s, ${formatDuration(p.elapsedSeconds)} elapsed, ${left}`
}
