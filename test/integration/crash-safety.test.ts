import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CRASH_KINDS, crashRounds } from '../../bench/support/crash/crash-suite.js'
import { transpileForChild } from '../unit/store/fixtures/transpile.js'

/**
 * Crash safety, the short run: a few rounds of each kind of `npm run crash` (which runs 50 of
 * each; see bench/support/crash/crash-rounds.ts). The children run the current sources,
 * transpiled: `tornet publish`, `tornet get` and `tornet name register` against a 4-node
 * loopback network, and a ledger writer on the node's store, each SIGKILLed at a random moment.
 * The seed is printed in a failure, so a failing round can be replayed with
 * `npm run crash -- --seed N --rounds R`.
 */
const ROUNDS = 3

let cliBuild: string
let ledgerBuild: string
beforeAll(() => {
  cliBuild = transpileForChild('src/cli/main.ts')
  ledgerBuild = transpileForChild('bench/support/crash/ledger-writer.ts')
})
afterAll(() => {
  rmSync(cliBuild, { recursive: true, force: true })
  rmSync(ledgerBuild, { recursive: true, force: true })
})

describe('crash safety', () => {
  it('kill -9 during publish, get, name registration and ledger updates: no corrupt chunk, no lost acknowledged write, every restart clean', async () => {
    const seed = Math.floor(Math.random() * 1_000_000)
    const tallies = await crashRounds({
      rounds: ROUNDS,
      seed,
      cli: join(cliBuild, 'src/cli/main.js'),
      ledgerWriter: join(ledgerBuild, 'bench/support/crash/ledger-writer.js')
    })
    expect(tallies.map(t => t.kind)).toEqual(CRASH_KINDS)
    for (const t of tallies) {
      expect({ kind: t.kind, seed, corrupt: t.corruptChunks, lost: t.lostAcknowledged, unclean: t.uncleanRestarts, findings: t.findings })
        .toEqual({ kind: t.kind, seed, corrupt: 0, lost: 0, unclean: 0, findings: [] })
    }
    // The kills landed: most rounds of every kind killed a running child.
    for (const t of tallies) expect(t.killed, t.kind).toBeGreaterThan(0)
    // The ledger writer acknowledges batches before it is killed; so it is checked against something.
    expect(tallies.find(t => t.kind === 'ledger')?.acknowledged).toBeGreaterThan(0)
  }, 900_000)
})
