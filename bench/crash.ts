import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CRASH_KINDS, type CrashKind, crashRounds } from './support/crash/crash-suite.js'
import { emit, progress } from './util.js'

/**
 * Crash safety (issue 21, item 4): `tornet publish`, `tornet get` and `tornet name register`
 * against a 4-node loopback network, and ledger updates on the node's store, each SIGKILLed
 * at a random moment, --rounds times per kind (see support/crash/crash-rounds.ts for what a
 * restart must find). Prints per kind: rounds, kills that landed, acknowledged writes, corrupt
 * chunks, lost acknowledged writes and unclean restarts (all three must be 0).
 *
 *   npm run crash -- [--rounds 50] [--kinds publish,get,name,ledger] [--seed N]
 *   npm run bench -- crash [same options]
 */
export const summary = 'kill -9 during publish, get, name registration and ledger updates: corrupt chunks, lost writes, unclean restarts'

const here = dirname(fileURLToPath(import.meta.url))

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { rounds: { type: 'string', default: '50' }, kinds: { type: 'string' }, seed: { type: 'string' } } })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1')
  const kinds = values.kinds === undefined ? CRASH_KINDS : values.kinds.split(',') as CrashKind[]
  for (const k of kinds) if (!CRASH_KINDS.includes(k)) throw new Error(`unknown kind '${k}'; known: ${CRASH_KINDS.join(', ')}`)
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed)
  progress(`crash rounds: ${rounds} per kind (${kinds.join(', ')}), seed ${seed}`)
  const tallies = await crashRounds({
    rounds,
    kinds,
    seed,
    cli: join(here, '../src/cli/main.js'),
    ledgerWriter: join(here, 'support/crash/ledger-writer.js'),
    log: (l) => { progress(l) }
  })
  for (const t of tallies) {
    emit(`crash.${t.kind}.rounds`, t.rounds, 'rounds', { seed })
    emit(`crash.${t.kind}.kills_landed`, t.killed, 'kills')
    emit(`crash.${t.kind}.acknowledged`, t.acknowledged, 'writes')
    emit(`crash.${t.kind}.corrupt_chunks`, t.corruptChunks, 'chunks')
    emit(`crash.${t.kind}.lost_acknowledged_writes`, t.lostAcknowledged, 'writes')
    emit(`crash.${t.kind}.unclean_restarts`, t.uncleanRestarts, 'restarts')
  }
  const table = [
    'kind      rounds  kills  acked  corrupt chunks  lost acked writes  unclean restarts',
    ...tallies.map(t => `${t.kind.padEnd(8)}  ${String(t.rounds).padStart(6)}  ${String(t.killed).padStart(5)}  ${String(t.acknowledged).padStart(5)}  ` +
      `${String(t.corruptChunks).padStart(14)}  ${String(t.lostAcknowledged).padStart(17)}  ${String(t.uncleanRestarts).padStart(16)}`)
  ]
  process.stderr.write(`${table.join('\n')}\n`)
  for (const t of tallies) for (const f of t.findings) process.stderr.write(`${t.kind}: ${f}\n`)
  if (tallies.some(t => t.corruptChunks + t.lostAcknowledged + t.uncleanRestarts > 0)) process.exitCode = 1
}
