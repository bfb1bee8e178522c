import { getRounds } from './crash-get.js'
import { ledgerRounds } from './crash-ledger.js'
import { nameRounds } from './crash-name.js'
import { publishRounds } from './crash-publish.js'
import { type CrashOptions, type CrashTally, runCrashRounds } from './crash-rounds.js'

export { CRASH_KINDS, type CrashKind, type CrashOptions, type CrashTally } from './crash-rounds.js'

/** Every kind's rounds, in order: see crash-rounds.ts for what is checked. */
export async function crashRounds (opts: CrashOptions): Promise<CrashTally[]> {
  return await runCrashRounds(opts, { publish: publishRounds, get: getRounds, name: nameRounds, ledger: ledgerRounds })
}
