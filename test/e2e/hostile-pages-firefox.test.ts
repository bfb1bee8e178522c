/**
 * Hostile web pages against the gateway's own pages (issue 21), in headless
 * Firefox ESR set to the gateway's PAC file, on a real two-node network: node
 * 1 publishes a site whose page attacks node 0's gateway from the browser.
 * It reads the dashboard and webmail with fetch() (credentials included),
 * POSTs to the dashboard's upload and the webmail's "create mailbox" with
 * fetch() and with plain HTML forms into frames, at 127.0.0.1:<port> and at
 * tornet.tor-net / mail.tor-net. To show that the Origin check holds on its
 * own, the page even carries the gateway's real CSRF token, as if it had
 * leaked. Then DNS rebinding: a name of the attacker's (rebind.test, which
 * Firefox is told resolves to 127.0.0.1, as a rebinding DNS server would
 * answer) is opened at the gateway's port, and a script in that origin reads
 * the dashboard and POSTs with the real token and a matching Origin.
 *
 * Every read and every POST must get 403 from the gateway (another site's
 * Origin, a foreign Host), no answer may carry CORS headers, the page must
 * read nothing, and the node's state must be unchanged: nothing published,
 * no mailbox.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Page } from 'puppeteer-core'
import { serveGateway, type ServedGateway } from '../../src/cli/serve/serve-gateway.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { pacPrefs, withFirefox } from '../helpers/firefox.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const ATTACK_PAGE = join(import.meta.dirname, '..', 'fixtures', 'hostile', 'attack-page.html')

let net: Testnet
let served: ServedGateway
let scratch: string
let port: number
let evilHost: string

/** Every response Firefox saw, as "METHOD url status", and "CORS url" for those that allowed another origin to read them. */
function recordResponses (page: Page): string[] {
  const seen: string[] = []
  page.on('response', r => {
    seen.push(`${r.request().method()} ${r.url()} ${r.status()}`)
    if (Object.keys(r.headers()).some(h => h.toLowerCase().startsWith('access-control-'))) seen.push(`CORS ${r.url()}`)
  })
  return seen
}

function statusesOf (seen: string[], method: string, url: string): number[] {
  return seen.filter(s => s.startsWith(`${method} ${url} `)).map(s => Number(s.split(' ')[2]))
}

describeWithClients('hostile pages against the dashboard and webmail, in Firefox', ['firefox'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    scratch = await mkdtemp(join(tmpdir(), 'tornet-hostile-'))
    net = await createTestnet(2)
    served = await serveGateway(net.nodes[0]!, { host: '127.0.0.1', port: 0, passThrough: false })
    port = served.gateway.address.port
    const page = (await readFile(ATTACK_PAGE, 'utf8')).replaceAll('{{PORT}}', String(port)).replaceAll('{{TOKEN}}', served.dashboard.token)
    await mkdir(join(scratch, 'evil'))
    await writeFile(join(scratch, 'evil', 'index.html'), page)
    evilHost = `${(await net.nodes[1]!.publish(join(scratch, 'evil'))).host}.tor-net`
  })

  afterAll(async () => {
    await served?.close()
    await net?.close()
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  })

  it('a page on another .tor-net site can neither read nor change the dashboard or the webmail', async () => {
    const publishedBefore = served.published.list().length
    await withFirefox(pacPrefs(port), async page => {
      const seen = recordResponses(page)
      const response = await page.goto(`http://${evilHost}/`, { waitUntil: 'load' })
      expect(response?.status()).toBe(200)
      await page.waitForFunction(() => document.title === 'done', { timeout: 60_000 })
      const results = await page.evaluate(() => (window as unknown as { attackResults: Record<string, string> }).attackResults)
      await page.screenshot({ path: join(ARTIFACTS, 'hostile-page.png') })

      // Reads: the gateway answered 403 (another site's Origin), and Firefox gave the page nothing
      // (no Access-Control-Allow-Origin from the gateway).
      expect(results['read dashboard at 127.0.0.1']).toBe('blocked')
      expect(results['read dashboard at tornet.tor-net']).toBe('blocked')
      expect(results['read webmail']).toBe('blocked')
      expect(statusesOf(seen, 'GET', `http://127.0.0.1:${port}/api/status`)).toEqual([403])
      expect(statusesOf(seen, 'GET', 'http://tornet.tor-net/api/status')).toEqual([403])
      expect(statusesOf(seen, 'GET', 'http://mail.tor-net/')).toEqual([403])
      // fetch() POSTs: the answer is unreadable to the page too…
      expect(results['fetch POST publish at 127.0.0.1']).toBe('blocked')
      expect(results['fetch POST publish at tornet.tor-net']).toBe('blocked')
      expect(results['fetch POST create mailbox']).toBe('blocked')
      expect(results.error).toBeUndefined()
      // …and each POST reached the gateway (fetch and form alike) and was refused with 403.
      for (const url of [`http://127.0.0.1:${port}/publish`, 'http://tornet.tor-net/publish', 'http://mail.tor-net/new']) {
        expect(statusesOf(seen, 'POST', url), url).toEqual([403, 403])
      }
      expect(results['form POST publish at 127.0.0.1']).toBe('sent')
      // The gateway sent no CORS header on anything.
      expect(seen.filter(s => s.startsWith('CORS '))).toEqual([])
    })
    // Whatever the browser did, the node's state did not change.
    expect(served.published.list()).toHaveLength(publishedBefore)
    expect(net.nodes[0]!.mail.mailbox()).toBeUndefined()
  })

  it('DNS rebinding: the gateway under an attacker\'s name shows nothing and accepts nothing, even with the token and a matching Origin', async () => {
    const publishedBefore = served.published.list().length
    // rebind.test resolves to 127.0.0.1, as the attacker's DNS server would answer once it has rebound.
    await withFirefox({ ...pacPrefs(port), 'network.dns.localDomains': 'rebind.test' }, async page => {
      const origin = `http://rebind.test:${port}`
      const response = await page.goto(`${origin}/`, { waitUntil: 'load' })
      expect(response?.status()).toBe(403) // not a name this gateway answers to
      expect(await page.evaluate(() => document.body.innerText)).not.toContain(served.dashboard.token)
      // The attacker's script, now running in the origin http://rebind.test:<port>: same-origin to the gateway's port.
      const attempts = await page.evaluate(async (token: string) => {
        const status = await fetch('/api/status').then(async r => ({ status: r.status, body: await r.text() }))
        const fd = new FormData()
        fd.append('csrf', token)
        fd.append('files', new File(['pwned'], 'pwned.txt'))
        const publish = await fetch('/publish', { method: 'POST', body: fd }).then(r => r.status)
        const mailForm = new FormData()
        mailForm.append('csrf', token)
        mailForm.append('name', 'evil')
        const mail = await fetch('/mail/new', { method: 'POST', body: mailForm }).then(r => r.status)
        return { status, publish, mail }
      }, served.dashboard.token)
      expect(attempts.status.status).toBe(403)
      expect(attempts.status.body).not.toContain(served.dashboard.token)
      expect(attempts.publish).toBe(403)
      expect(attempts.mail).toBe(403)
      await page.screenshot({ path: join(ARTIFACTS, 'hostile-rebinding.png') })
    })
    expect(served.published.list()).toHaveLength(publishedBefore)
    expect(net.nodes[0]!.mail.mailbox()).toBeUndefined()
  })
})
