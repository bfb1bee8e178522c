import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configPath } from '../../node/index.js'

/**
 * The data directory a second terminal uses to reach the running demo, and the one command that
 * publishes a folder into it. A default-config node would refuse the demo's peers (their rank is
 * below the default minRank 21) and would not follow their loopback contacts, so the demo writes
 * this directory's config.json with the demo's own rules; the peer to join is in the command
 * (--bootstrap), since the demo's UDP ports change with every start.
 */
export const DEMO_CLI_DIR = 'cli'

export interface DemoCliHome {
  dataDir: string
  /** The command to print: publish DIR into the demo network from another terminal. */
  publishCommand: string
}

export function writeDemoCliHome (demoDir: string, opts: { rank: number, identityRank?: number, nameDifficulty: number, bootstrap: string }): DemoCliHome {
  const dataDir = join(demoDir, DEMO_CLI_DIR)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(configPath(dataDir), JSON.stringify({
    listen: { host: '127.0.0.1', port: 0 },
    minRank: opts.rank,
    // A demo identity serves only the demo network, whose own nodes have about this rank: mining
    // the default 22 bits would only delay the newcomer's first publish. It must not be below
    // theirs, or they refuse its requests to cache what it publishes.
    identityRank: opts.identityRank ?? opts.rank,
    allowPrivateEndpoints: true,
    names: { difficulty: opts.nameDifficulty }
  }, null, 2) + '\n')
  return { dataDir, publishCommand: `npm run tornet -- --data-dir ${shellWord(dataDir)} publish ./my-folder --bootstrap ${opts.bootstrap}` }
}

/** A path as one shell word: quoted when it holds anything but safe characters. */
function shellWord (text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`
}
