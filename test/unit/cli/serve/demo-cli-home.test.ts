import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeDemoCliHome } from '../../../../src/cli/serve/demo-cli-home.js'
import { loadConfig } from '../../../../src/node/index.js'

let dir: string | undefined
afterEach(() => { if (dir !== undefined) rmSync(dir, { recursive: true, force: true }) })

describe('writeDemoCliHome', () => {
  it('writes a config.json with the demo network\'s rules, valid for loadConfig', () => {
    dir = mkdtempSync(join(tmpdir(), 'tornet-demo-cli-'))
    const home = writeDemoCliHome(dir, { rank: 8, nameDifficulty: 16, bootstrap: '127.0.0.1:40000' })
    const config = loadConfig({ dataDir: home.dataDir })
    // A default node (minRank 21, no private endpoints) would refuse the demo's rank-8 loopback peers.
    expect(config).toMatchObject({ minRank: 8, identityRank: 8, allowPrivateEndpoints: true, names: { difficulty: 16 }, bootstrap: [] })
    expect(home.publishCommand).toBe(`npm run tornet -- --data-dir ${home.dataDir} publish ./my-folder --bootstrap 127.0.0.1:40000`)
  })

  it('mines the newcomer\'s identity to the highest demo rank, so demo nodes take its requests to cache', () => {
    dir = mkdtempSync(join(tmpdir(), 'tornet-demo-cli-'))
    const home = writeDemoCliHome(dir, { rank: 4, identityRank: 7, nameDifficulty: 8, bootstrap: '127.0.0.1:40000' })
    expect(loadConfig({ dataDir: home.dataDir })).toMatchObject({ minRank: 4, identityRank: 7 })
  })

  it('quotes a data directory the shell would split', () => {
    dir = mkdtempSync(join(tmpdir(), "tornet demo's "))
    const home = writeDemoCliHome(dir, { rank: 8, nameDifficulty: 16, bootstrap: '127.0.0.1:40000' })
    expect(home.publishCommand).toContain(`--data-dir '${home.dataDir.replace(/'/g, "'\\''")}' publish`)
  })
})
