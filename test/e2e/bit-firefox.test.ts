/**
 * A .bit site in headless Firefox, end to end: the demo network (what
 * `npm start` runs: Tornet nodes on loopback UDP) publishes the sample site;
 * the Namecoin name d/site's `tornet` item names that content; the demo's
 * gateway resolves site.bit through the default ElectrumX backend (TLS,
 * certificate pinned on first use) pointed at the local protocol-true test
 * server, and PROVES the answer: headers synced from the checkpoint and the
 * name transaction's Merkle branch (the constructed test chain of
 * test/fixtures/namecoin/spv, as production uses mainnet's). Then the
 * server's certificate rotates and Firefox shows the refusal page. Skipped,
 * with the reason in the suite name, when Firefox is missing (in CI: fails).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { HEADERS_DIR, PINS_FILE, ElectrumxSource } from '../../src/resolvers/namecoin/index.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { emptyChain } from '../helpers/electrumx-server.js'
import { startElectrumxTlsServer, type ElectrumxTlsServer } from '../helpers/electrumx-tls.js'
import { socksPrefs, withFirefox } from '../helpers/firefox.js'
import { provenWorld } from '../fixtures/namecoin/spv/proven-names.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const TIP = 750_000
const CHECKPOINT = 747_935 // ends a retarget period (747,935 % 2016 = 2015): 2,065 headers to verify
const names = (tornet: string): Array<{ name: string, value: string, height: number }> => [
  { name: 'd/site', value: JSON.stringify({ tornet }), height: TIP - 100 },
  { name: 'd/other', value: JSON.stringify({ tornet }), height: TIP - 50 }
]

let demo: DemoNetwork
let server: ElectrumxTlsServer
let dataDir: string

describeWithClients('.bit in headless Firefox: content on the demo network, proven through the ElectrumX backend', ['firefox'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    dataDir = mkdtempSync(join(tmpdir(), 'tornet-bit-ff-'))
    // The server starts on an empty chain object; the names go in once the demo has published
    // the content they point at. The chain's checkpoint does not depend on the names.
    const chain = emptyChain(TIP)
    server = await startElectrumxTlsServer(chain)
    const params = provenWorld({ tip: TIP, checkpointHeight: CHECKPOINT, txs: names('placeholder.tor-net') }).params
    demo = await startDemoNetwork({
      dataDir,
      nodes: 4,
      gatewayPort: 0,
      rank: 4,
      nameDifficulty: 8,
      namecoin: { config: { electrumx: { servers: [server.spec] }, cacheTtlMs: 0 }, chainParams: params }
    })
    const siteHost = new URL(demo.siteUrl).host
    Object.assign(chain, provenWorld({ tip: TIP, checkpointHeight: CHECKPOINT, txs: names(siteHost) }).chain)
  }, 180_000)

  afterAll(async () => {
    await demo?.close()
    await server?.close()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it('opens the proven .bit site from the demo network, then shows the refusal page once the server certificate changes', async () => {
    await withFirefox(socksPrefs(demo.served.gateway.address.port), async page => {
      const ok = await page.goto('http://site.bit/', { waitUntil: 'load' })
      expect(ok?.status()).toBe(200)
      expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('Welcome to Tornet')
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-bit-site.png') })
      const about = await page.goto('http://site.bit/about/', { waitUntil: 'load' })
      expect(about?.status()).toBe(200)
      expect(await page.evaluate(() => document.body.innerText)).toContain('This is the sample site')

      // Proven, not believed: the dashboard's panel and the backend say so; headers and pin are on disk.
      const backend = demo.served.namecoin.backend as ElectrumxSource
      expect(backend.trace('d/site')?.proof?.status).toBe('verified')
      expect(backend.status().verifiedTip?.height).toBe(TIP)
      expect(existsSync(join(dataDir, HEADERS_DIR))).toBe(true)
      expect(JSON.parse(readFileSync(join(dataDir, PINS_FILE), 'utf8'))[`127.0.0.1:${server.port}`]).toBe(server.cert.fingerprint256)
      const dashboard = await page.goto(`${demo.served.gateway.url}/`, { waitUntil: 'load' })
      expect(dashboard?.status()).toBe(200)
      expect(await page.evaluate(() => document.body.innerText)).toContain('answers are proven')

      // A new host, so Firefox opens a new SOCKS tunnel (the open one to site.bit was resolved already).
      server.rotate()
      const refused = await page.goto('http://other.bit/', { waitUntil: 'load' })
      expect(refused?.status()).toBe(502)
      const text = await page.evaluate(() => document.body.innerText)
      expect(text).toContain('Namecoin server certificate changed')
      expect(text).toContain('namecoin-electrumx-pins.json')
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-bit-cert-changed.png') })
    })
  })
})
