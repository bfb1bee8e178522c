import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'puppeteer-core'

/** Firefox set to SOCKS5 127.0.0.1:`port` with remote DNS (names resolved by the proxy), as Tor Browser is. */
export function socksPrefs (port: number): Record<string, unknown> {
  return {
    'network.proxy.type': 1,
    'network.proxy.socks': '127.0.0.1',
    'network.proxy.socks_port': port,
    'network.proxy.socks_version': 5,
    'network.proxy.socks_remote_dns': true,
    'network.proxy.socks5_remote_dns': true
  }
}

/** Firefox set to the gateway's proxy auto-configuration file. */
export function pacPrefs (port: number): Record<string, unknown> {
  return { 'network.proxy.type': 2, 'network.proxy.autoconfig_url': `http://127.0.0.1:${port}/proxy.pac` }
}

/**
 * Headless Firefox ESR (Debian's firefox-esr) driven by puppeteer-core over
 * WebDriver BiDi, with a fresh profile per run. `firefoxMissing` says why the
 * browser tests must skip, or is undefined when they can run.
 */
export const FIREFOX = '/usr/bin/firefox-esr'
const puppeteer = await import('puppeteer-core').catch(() => undefined)

export const firefoxMissing: string | undefined = !existsSync(FIREFOX)
  ? `${FIREFOX} not found (apt-get install firefox-esr)`
  : puppeteer === undefined ? 'puppeteer-core is not installed (npm install --save-dev puppeteer-core@24)' : undefined

export async function withFirefox<T> (prefs: Record<string, unknown>, run: (page: Page) => Promise<T>): Promise<T> {
  const profile = await mkdtemp(join(tmpdir(), 'tornet-ff-'))
  const browser = await puppeteer!.default.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: prefs
  })
  try {
    const page = await browser.newPage()
    page.setDefaultNavigationTimeout(30_000)
    return await run(page)
  } finally {
    await browser.close()
    await rm(profile, { recursive: true, force: true })
  }
}
