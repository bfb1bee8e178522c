import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestnet, generateIdentity, saveIdentity, type Testnet } from '../../../src/node/index.js'
import { seededRandom } from './child-run.js'

/**
 * Crash rounds (issue 21, item 4): a child process doing real work — `tornet publish`,
 * `tornet get`, `tornet name register` against a loopback test network, or a ledger writer on
 * the node's store — is SIGKILLed at a random moment, and a restart must find
 *   - no corrupt chunk (every chunk in the store hashes to its id; a download's .part is a
 *     prefix of the file),
 *   - no lost acknowledged write (whatever the child printed as done is there: a published
 *     tree reads back from the store alone, a registered name is among the owned names, a
 *     flushed ledger batch is on the books, a saved download is byte-exact),
 *   - a clean open (the store opens with no warning but the dead owner's lock; nothing is
 *     repaired or dropped; a killed download resumes and ends byte-exact).
 * Kill times are drawn from a seeded generator, uniformly over the time an unkilled run of the
 * same command takes from its first output (its store is open by then) to its exit.
 */
export type CrashKind = 'publish' | 'get' | 'name' | 'ledger'
export const CRASH_KINDS: readonly CrashKind[] = ['publish', 'get', 'name', 'ledger']

export interface CrashTally {
  kind: CrashKind
  rounds: number
  /** Kills that landed while the child ran (the others found it done already). */
  killed: number
  /** Writes children acknowledged over all rounds (publishes, downloads, names, ledger batches). */
  acknowledged: number
  corruptChunks: number
  lostAcknowledged: number
  uncleanRestarts: number
  /** One line per problem found, for the report. */
  findings: string[]
}

export interface CrashOptions {
  rounds: number
  kinds?: readonly CrashKind[]
  seed?: number
  /** The tornet CLI's entry: dist/src/cli/main.js, or a test's transpiled copy. */
  cli: string
  /** ledger-writer.js, compiled or transpiled. */
  ledgerWriter: string
  /** Progress, one line per round. */
  log?: (line: string) => void
}

/** What each kind's rounds get: the network, a scratch directory, kill times, the tally. */
export interface CrashContext {
  opts: CrashOptions
  net?: Testnet
  work: string
  random: () => number
  tally: CrashTally
  log: (line: string) => void
}

export const NAME_DIFFICULTY = 8

export function newTally (kind: CrashKind, rounds: number): CrashTally {
  return { kind, rounds, killed: 0, acknowledged: 0, corruptChunks: 0, lostAcknowledged: 0, uncleanRestarts: 0, findings: [] }
}

/** A CLI data directory with an identity, bootstrapping from the test network's first node. */
export function cliHome (ctx: CrashContext, label: string): string {
  const dir = mkdtempSync(join(ctx.work, `${label}-home-`))
  const seed = ctx.net?.nodes[0].endpoint
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 },
    bootstrap: seed === undefined ? [] : [`${seed.address}:${seed.port}`],
    minRank: 0,
    identityRank: 0,
    names: { difficulty: NAME_DIFFICULTY },
    allowPrivateEndpoints: true
  }))
  saveIdentity(dir, generateIdentity())
  return dir
}

export type KindRunner = (ctx: CrashContext) => Promise<void>

export async function runCrashRounds (opts: CrashOptions, runners: Record<CrashKind, KindRunner>): Promise<CrashTally[]> {
  const kinds = opts.kinds ?? CRASH_KINDS
  const seed = opts.seed ?? 1
  const log = opts.log ?? (() => {})
  const work = mkdtempSync(join(tmpdir(), 'tornet-crash-'))
  let net: Testnet | undefined
  const tallies: CrashTally[] = []
  try {
    if (kinds.some(k => k !== 'ledger')) {
      net = await createTestnet(4, { config: { names: { difficulty: NAME_DIFFICULTY } }, nameDifficulty: NAME_DIFFICULTY })
    }
    for (const [i, kind] of kinds.entries()) {
      const tally = newTally(kind, opts.rounds)
      const ctx: CrashContext = { opts, net, work, random: seededRandom(seed * 7919 + i), tally, log: (l) => { log(`${kind}: ${l}`) } }
      await runners[kind](ctx)
      tallies.push(tally)
    }
  } finally {
    await net?.close()
    rmSync(work, { recursive: true, force: true })
  }
  return tallies
}

/** Records a problem under one of the three counts. */
export function finding (ctx: CrashContext, what: 'corrupt' | 'lost' | 'unclean', round: number, text: string, n = 1): void {
  if (what === 'corrupt') ctx.tally.corruptChunks += n
  else if (what === 'lost') ctx.tally.lostAcknowledged += n
  else ctx.tally.uncleanRestarts += n
  ctx.tally.findings.push(`round ${round}: ${what}: ${text}`)
  ctx.log(`round ${round}: ${what}: ${text}`)
}
