/**
 * The gateway against a real browser: headless Firefox ESR driven over
 * WebDriver BiDi by puppeteer-core, once with the PAC file and once with
 * the gateway as its SOCKS5 proxy (remote DNS). Firefox's own background
 * traffic to other hosts must be refused promptly, never left hanging.
 * Screenshots go to test/artifacts/. Skipped, with the reason in the suite
 * name, when Firefox or puppeteer-core is missing (in CI: fails).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { createFakeNetwork } from '../helpers/fake-site-content.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { pacPrefs, socksPrefs, withFirefox } from '../helpers/firefox.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')

let gateway: Gateway
let port: number
const refused: string[] = [] // what Firefox asked for that the gateway turned away

describeWithClients('gateway with headless Firefox', ['firefox'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    const net = createFakeNetwork()
    gateway = await createGateway({
      port: 0,
      resolver: net.resolver,
      content: net.content,
      log: (level, message, fields) => {
        if (message.includes('refused')) refused.push(`${String(fields?.host)}:${String(fields?.port)}`)
      }
    })
    port = gateway.address.port
  })

  afterAll(async () => {
    await gateway?.close()
    if (refused.length > 0) await writeFile(join(ARTIFACTS, 'firefox-refused-hosts.txt'), [...new Set(refused)].join('\n') + '\n')
  })

  it('opens a .tor-net site with the PAC file, stylesheet and all', async () => {
    await withFirefox(pacPrefs(port), async page => {
      const response = await page.goto('http://site.tor-net/', { waitUntil: 'load' })
      expect(response?.status()).toBe(200)
      const text = await page.evaluate(() => document.body.innerText)
      expect(text).toContain('Hello from Tornet')
      // style.css came through the proxy too
      const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily)
      expect(font).toBe('serif')
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-pac-site.png') })
    })
  })

  it('opens .bit and .tor-net sites through SOCKS5 with remote DNS, and shows error pages', async () => {
    await withFirefox(socksPrefs(port), async page => {
      const listing = await page.goto('http://site.bit/docs/', { waitUntil: 'load' })
      expect(listing?.status()).toBe(200)
      expect(await page.evaluate(() => document.body.innerText)).toContain('readme.txt')
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-socks-listing.png') })

      const missing = await page.goto('http://nope.tor-net/', { waitUntil: 'load' })
      expect(missing?.status()).toBe(404)
      expect(await page.evaluate(() => document.body.innerText)).toContain('Name not found')
      await page.screenshot({ path: join(ARTIFACTS, 'firefox-socks-not-found.png') })
    })
    // Firefox talked to other hosts too (updates, telemetry, captive-portal checks): all refused, and we are still serving.
    const check = await fetch(`http://127.0.0.1:${port}/proxy.pac`)
    expect(check.status).toBe(200)
  })
})
