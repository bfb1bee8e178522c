/**
 * The newcomer's path of the README, as a user runs it: a demo network is up (what `npm start`
 * runs), and the one command it prints is run in a shell, from a data directory that holds only
 * the config.json the demo wrote (no identity yet), publishing a folder of the user's own. The
 * address that command prints must then open through the demo's gateway, after the command's
 * own node has stopped. The command runs the compiled CLI (dist/), as `npm test` builds it first.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { publishInstructions } from '../../src/cli/serve/instructions.js'
import { packageRoot } from '../../src/cli/serve/package-root.js'

const run = promisify(execFile)

let demo: DemoNetwork
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tornet-newcomer-'))
  demo = await startDemoNetwork({ dataDir, nodes: 4, gatewayPort: 0, rank: 4, nameDifficulty: 8 })
}, 120_000)

afterAll(async () => {
  await demo?.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

/** GET through the gateway as an HTTP proxy (absolute-form request), as curl --proxy does. */
async function viaProxy (url: string): Promise<{ status: number, body: string }> {
  const port = demo.served.gateway.address.port
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, headers: { host: new URL(url).host }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

describe('the newcomer path', () => {
  it('the printed command publishes a folder from a fresh data directory, and its address opens through the gateway', async () => {
    const command = demo.publishCommand
    // npm start prints it, and the dashboard shows it.
    expect(publishInstructions(command)).toContain(command)
    expect(command).toMatch(/^npm run tornet -- --data-dir \S+ publish \.\/my-folder --bootstrap 127\.0\.0\.1:\d+$/)
    const cliDir = join(dataDir, 'demo', 'cli')
    expect(existsSync(join(cliDir, 'identity.json'))).toBe(false)

    const folder = await mkdtemp(join(tmpdir(), 'tornet-newcomer-folder-'))
    const page = `<h1>my first Tornet page ${Date.now()}</h1>\n`
    await writeFile(join(folder, 'index.html'), page)
    try {
      const r = await run('sh', ['-c', command.replace('./my-folder', folder)], { cwd: packageRoot(), timeout: 120_000 })
      expect(r.stderr).toContain('there is no identity in')
      expect(r.stderr).toContain('created identity')
      const address = r.stdout.split('\n').find(l => /^http:\/\/\S+\.tor-net\/$/.test(l))
      expect(address, r.stdout + r.stderr).toBeDefined()
      expect(existsSync(join(cliDir, 'identity.json'))).toBe(true)
      // Demo nodes refuse requests to cache from a lower rank: the newcomer's is not below any of theirs.
      const cliRank = (JSON.parse(await readFile(join(cliDir, 'identity.json'), 'utf8')) as { rank: number }).rank
      for (const n of demo.nodes) expect(cliRank).toBeGreaterThanOrEqual(n.identity.rank)

      // The command's node has stopped: the demo nodes serve the copies it left.
      const got = await viaProxy(address as string)
      expect(got.status).toBe(200)
      expect(got.body).toBe(page)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }

    const dashboard = await viaProxy(`${demo.served.gateway.url}/`)
    expect(dashboard.body).toContain(command.replace(/'/g, '&#39;'))
  }, 180_000)
})
