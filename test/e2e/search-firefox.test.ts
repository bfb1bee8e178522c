/**
 * Issue 20's "shown by" in a real browser: the demo network (what `npm
 * start` runs) tags the sample site and builds an index of it on the
 * gateway's node; headless Firefox, proxied through the PAC file, opens
 * http://search.tor-net/, types a query, submits the form and follows the
 * first result to the sample site. curl checks the OpenSearch description.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { pacPrefs, withFirefox } from '../helpers/firefox.js'

const run = promisify(execFile)
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')

let demo: DemoNetwork
let dataDir: string
let port: number

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tornet-search-e2e-'))
  demo = await startDemoNetwork({ dataDir, nodes: 4, gatewayPort: 0, rank: 4, nameDifficulty: 8 })
  port = demo.served.gateway.address.port
}, 180_000)

afterAll(async () => {
  await demo?.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describeWithClients('search.tor-net through curl', ['curl'], () => {
  it('the demo answers a query at once, and serves the OpenSearch description', async () => {
    expect(demo.searchReady).toBe(true)
    const page = await run('curl', ['-sS', '--fail', '--proxy', `http://127.0.0.1:${port}`, 'http://search.tor-net/?q=welcome+tornet'])
    expect(page.stdout).toContain('http://welcome.tor-net/')
    const os = await run('curl', ['-sS', '--fail', '--proxy', `http://127.0.0.1:${port}`, 'http://search.tor-net/opensearch.xml'])
    expect(os.stdout).toContain('<ShortName>Tornet</ShortName>')
    const tag = await run('curl', ['-sS', '--fail', '--proxy', `http://127.0.0.1:${port}`, 'http://search.tor-net/tag/sample'])
    expect(tag.stdout).toContain(demo.siteUrl)
  })
})

describeWithClients('search.tor-net in headless Firefox', ['firefox'], () => {
  beforeAll(async () => { await mkdir(ARTIFACTS, { recursive: true }) })

  it('submits a query and follows the first result to the sample site', async () => {
    await withFirefox(pacPrefs(port), async page => {
      const response = await page.goto('http://search.tor-net/', { waitUntil: 'load' })
      expect(response?.status()).toBe(200)
      await page.type('#q', 'welcome to tornet')
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')])
      expect(page.url()).toBe('http://search.tor-net/?q=welcome+to+tornet')
      const first = await page.evaluate(() => document.querySelector<HTMLAnchorElement>('.hit h2 a')?.href)
      expect(first).toBe('http://welcome.tor-net/')
      await page.screenshot({ path: join(ARTIFACTS, 'search-results.png') })
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('.hit h2 a')])
      expect(page.url()).toBe('http://welcome.tor-net/')
      expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('Welcome to Tornet')
    })
  })
})
