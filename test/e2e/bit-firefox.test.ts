/**
 * A .bit site in headless Firefox, resolved through the default ElectrumX
 * backend (TLS, certificate pinned on first use) pointed at the local
 * protocol-true test server; then the server's certificate rotates and
 * Firefox shows the refusal page. Content comes from the fake site content
 * (the .bit record's `tornet` item names its reference). Skipped, with the
 * reason in the suite name, when Firefox is missing (in CI: fails).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { NamecoinResolver, namecoinConfigWithDefaults } from '../../src/resolvers/namecoin/index.js'
import { ResolverChain } from '../../src/resolvers/resolver-chain.js'
import { TorNetResolver } from '../../src/resolvers/tor-net-resolver.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { addNameTx, emptyChain } from '../helpers/electrumx-server.js'
import { startElectrumxTlsServer, type ElectrumxTlsServer } from '../helpers/electrumx-tls.js'
import { FAKE_REFERENCE_HOST, FakeSiteContent } from '../helpers/fake-site-content.js'
import { socksPrefs, withFirefox } from '../helpers/firefox.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const TIP = 750_000

let gateway: Gateway
let namecoin: NamecoinResolver
let server: ElectrumxTlsServer
let dataDir: string

describeWithClients('.bit in headless Firefox through the ElectrumX backend', ['firefox'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/site', value: JSON.stringify({ tornet: FAKE_REFERENCE_HOST }), height: TIP - 100 })
    addNameTx(chain, { name: 'd/other', value: JSON.stringify({ tornet: FAKE_REFERENCE_HOST }), height: TIP - 50 })
    server = await startElectrumxTlsServer(chain)
    dataDir = mkdtempSync(join(tmpdir(), 'tornet-bit-ff-'))
    const isRef = (h: string): boolean => `${h}.tor-net` === FAKE_REFERENCE_HOST
    const torNet = new TorNetResolver({ lookupName: async () => undefined, isReferenceHost: isRef })
    namecoin = NamecoinResolver.fromConfig(namecoinConfigWithDefaults({ electrumx: { servers: [server.spec] }, cacheTtlMs: 0 }),
      { torNetResolver: torNet, isTornetReference: isRef }, { dataDir })
    gateway = await createGateway({ port: 0, resolver: new ResolverChain({ torNet, bit: namecoin }), content: new FakeSiteContent() })
  })

  afterAll(async () => {
    namecoin?.close()
    await gateway?.close()
    await server?.close()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it('opens the .bit site, then shows the refusal page once the server certificate changes', async () => {
    await withFirefox(socksPrefs(gateway.address.port), async page => {
      const ok = await page.goto('http://site.bit/', { waitUntil: 'load' })
      expect(ok?.status()).toBe(200)
      expect(await page.evaluate(() => document.body.innerText)).toContain('Hello from Tornet')
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-bit-site.png') })

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
