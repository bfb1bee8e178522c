import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Endpoint } from '../../src/node/index.js'

/**
 * A CLI data directory for integration tests: its config.json bootstraps from
 * `seed` on loopback, as `tornet --data-dir DIR …` against a test network needs.
 */
export function makeCliHome (seed: Endpoint, nameDifficulty: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-cli-home-'))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    listen: { host: '127.0.0.1', port: 9151 },
    bootstrap: [`${seed.address}:${seed.port}`],
    minRank: 0,
    names: { difficulty: nameDifficulty },
    allowPrivateEndpoints: true
  }))
  return dir
}
