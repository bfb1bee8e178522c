/**
 * What `npm start` gives a user, tested with real clients: the demo network
 * (real nodes on 127.0.0.1 UDP, real LMDB) publishes sample/welcome and
 * registers welcome.tor-net; curl (SOCKS5 with remote DNS, HTTP proxy) and
 * headless Firefox (PAC file, and SOCKS5 with remote DNS) fetch it through
 * the gateway. Firefox is skipped, with the reason in the suite name, only
 * when firefox-esr or puppeteer-core is missing (in CI: fails).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { pacPrefs, socksPrefs, withFirefox } from '../helpers/firefox.js'

const run = promisify(execFile)
const SAMPLE = join(import.meta.dirname, '..', '..', 'sample', 'welcome')
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

let demo: DemoNetwork
let dataDir: string
let port: number

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tornet-demo-e2e-'))
  demo = await startDemoNetwork({ dataDir, nodes: 4, gatewayPort: 0, rank: 4, nameDifficulty: 8 })
  port = demo.served.gateway.address.port
}, 120_000)

afterAll(async () => {
  await demo?.close()
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

describeWithClients('the welcome site on the embedded network, through curl', ['curl'], () => {
  it('fetches pages byte-exact through SOCKS5 (remote DNS) and the HTTP proxy', async () => {
    const index = readFileSync(join(SAMPLE, 'index.html'))
    const viaSocks = await run('curl', ['-sS', '--fail', '--socks5-hostname', `127.0.0.1:${port}`, 'http://welcome.tor-net/'], { encoding: 'buffer', maxBuffer: 1 << 26 })
    expect(sha(viaSocks.stdout)).toBe(sha(index))
    const viaProxy = await run('curl', ['-sS', '--fail', '--proxy', `http://127.0.0.1:${port}`, 'http://welcome.tor-net/mandelbrot.png'], { encoding: 'buffer', maxBuffer: 1 << 26 })
    expect(sha(viaProxy.stdout)).toBe(sha(readFileSync(join(SAMPLE, 'mandelbrot.png'))))
    const byRef = await run('curl', ['-sS', '--fail', '--proxy', `http://127.0.0.1:${port}`, `${demo.siteUrl}about/`], { encoding: 'buffer' })
    expect(sha(byRef.stdout)).toBe(sha(readFileSync(join(SAMPLE, 'about', 'index.html'))))
  })

  it('serves a Range of the video clip', async () => {
    const clip = readFileSync(join(SAMPLE, 'clip.webm'))
    const r = await run('curl', ['-sS', '--fail', '-r', '100000-150000', '-D', '-', '-o', '/dev/null', '--proxy', `http://127.0.0.1:${port}`, 'http://welcome.tor-net/clip.webm'])
    expect(r.stdout).toMatch(/^HTTP\/1\.1 206/)
    expect(r.stdout).toMatch(new RegExp(`content-range: bytes 100000-150000/${clip.length}`, 'i'))
    const body = await run('curl', ['-sS', '--fail', '-r', '100000-150000', '--socks5-hostname', `127.0.0.1:${port}`, 'http://welcome.tor-net/clip.webm'], { encoding: 'buffer' })
    expect(body.stdout.equals(clip.subarray(100000, 150001))).toBe(true)
  })

  it('answers an unregistered name with a 404 page', async () => {
    const r = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--proxy', `http://127.0.0.1:${port}`, 'http://no-such-site.tor-net/'])
    expect(r.stdout.trim().endsWith('404')).toBe(true)
    expect(r.stdout).toContain('no-such-site.tor-net')
  })
})

describeWithClients('the welcome site in headless Firefox', ['firefox'], () => {
  beforeAll(async () => { await mkdir(ARTIFACTS, { recursive: true }) })

  it('opens http://welcome.tor-net/ with the PAC file and renders its pictures', async () => {
    await withFirefox(pacPrefs(port), async page => {
      const response = await page.goto('http://welcome.tor-net/', { waitUntil: 'load' })
      expect(response?.status()).toBe(200)
      expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('Welcome to Tornet')
      const images = await page.evaluate(() => [...document.images].map(i => ({ src: i.src, w: i.naturalWidth })))
      expect(images.length).toBe(2)
      for (const img of images) expect(img.w, img.src).toBe(640)
      await page.screenshot({ path: join(ARTIFACTS, 'welcome-pac.png') })
    })
  })

  it('opens it with Firefox set to SOCKS5 127.0.0.1 and remote DNS', async () => {
    await withFirefox(socksPrefs(port), async page => {
      const response = await page.goto('http://welcome.tor-net/about/', { waitUntil: 'load' })
      expect(response?.status()).toBe(200)
      expect(await page.evaluate(() => document.body.innerText)).toContain('This is the sample site')
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' }).catch(() => undefined)
      await page.screenshot({ path: join(ARTIFACTS, 'welcome-socks.png') })
    })
  })
})
