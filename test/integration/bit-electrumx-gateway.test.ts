/**
 * A .bit site through the real gateway and the default ElectrumX backend
 * (pointed at the local TLS test server): the page opens, the server's
 * certificate is pinned on first use, a rotated certificate turns the page
 * into the refusal page, and bad server input gives an error page while
 * the gateway keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { NamecoinResolver, namecoinConfigWithDefaults } from '../../src/resolvers/namecoin/index.js'
import { ResolverChain } from '../../src/resolvers/resolver-chain.js'
import { TorNetResolver } from '../../src/resolvers/tor-net-resolver.js'
import type { ElectrumxChain } from '../helpers/electrumx-server.js'
import { provenWorld } from '../fixtures/namecoin/spv/proven-names.js'
import { startElectrumxTlsServer } from '../helpers/electrumx-tls.js'
import { FAKE_REFERENCE_HOST, FakeSiteContent } from '../helpers/fake-site-content.js'
import { proxyGet } from '../unit/gateway/clients.js'

const TIP = 750_000
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

// The constructed test chain (proven-names.ts): answers are proven by the default SPV verifier.
const world = provenWorld({ tip: TIP, txs: [{ name: 'd/site', value: JSON.stringify({ tornet: FAKE_REFERENCE_HOST }), height: TIP - 100 }] })
function siteChain (): ElectrumxChain {
  return { ...world.chain }
}

async function gatewayFor (servers: string[]): Promise<{ gateway: Gateway, namecoin: NamecoinResolver }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tornet-bit-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const torNet = new TorNetResolver({ lookupName: async () => undefined, isReferenceHost: (h) => `${h}.tor-net` === FAKE_REFERENCE_HOST })
  // The default config with only the server list replaced, as a user's config.json would; no cache, so each page asks.
  const config = namecoinConfigWithDefaults({ electrumx: { servers }, cacheTtlMs: 0, timeoutMs: 500 })
  const namecoin = NamecoinResolver.fromConfig(config, { torNetResolver: torNet, isTornetReference: (h) => `${h}.tor-net` === FAKE_REFERENCE_HOST }, { dataDir, chainParams: world.params })
  const gateway = await createGateway({ port: 0, resolver: new ResolverChain({ torNet, bit: namecoin }), content: new FakeSiteContent() })
  cleanups.push(async () => { await namecoin.close(); await gateway.close() })
  return { gateway, namecoin }
}

describe('.bit through the gateway and the ElectrumX backend', () => {
  it('opens the site, then refuses a rotated certificate with a page saying so and how to reset', async () => {
    const server = await startElectrumxTlsServer(siteChain())
    cleanups.push(server.close)
    const { gateway } = await gatewayFor([server.spec])
    const ok = await proxyGet(gateway.address.port, 'http://site.bit/')
    expect(ok.status).toBe(200)
    expect(ok.body.toString()).toContain('Hello from Tornet')

    server.rotate()
    const refused = await proxyGet(gateway.address.port, 'http://site.bit/')
    expect(refused.status).toBe(502)
    const page = refused.body.toString()
    expect(page).toContain('Namecoin server certificate changed')
    expect(page).toContain('namecoin-electrumx-pins.json')
    expect(page).toContain('--forget-pin')
  })

  it('garbage and a hanging server: error pages within the time-out, and the gateway keeps answering', async () => {
    const garbage = await startElectrumxTlsServer(siteChain(), { garbage: true })
    const hang = await startElectrumxTlsServer(siteChain(), { hang: true })
    cleanups.push(garbage.close, hang.close)
    for (const [spec, status] of [[garbage.spec, 502], [hang.spec, 504]] as const) {
      const { gateway } = await gatewayFor([spec])
      const started = Date.now()
      const r = await proxyGet(gateway.address.port, 'http://site.bit/')
      expect(r.status).toBe(status)
      expect(Date.now() - started).toBeLessThan(5000)
      const again = await proxyGet(gateway.address.port, 'http://site.bit/style.css')
      expect(again.status).toBe(status)
    }
  })
})
