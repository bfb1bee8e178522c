/**
 * Webmail end to end, as issue 16 shows it: headless Firefox ESR (puppeteer-core over WebDriver BiDi)
 * on node A's gateway, with the gateway's PAC file, creates A's mailbox on http://mail.tor-net/ and
 * composes a message with a 2 MiB attachment to bob@tor-net, a name on node B. B is offline when it
 * is sent; one of the mailbox hosts holding the push is killed; B comes back on a new port with its
 * own gateway. Firefox on B's gateway shows the message and downloads the attachment byte-exact;
 * A's sent folder then shows "delivered" once B's signed receipt is in. Real UDP nodes, real LMDB,
 * real sealing and proof of work (at a low difficulty). Screenshots go to test/artifacts/.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Page } from 'puppeteer-core'
import { serveGateway, type ServedGateway } from '../../src/cli/serve/serve-gateway.js'
import { installMail } from '../../src/gateway/apps/mail/index.js'
import { createGateway } from '../../src/gateway/index.js'
import { createNode, type TornetNode } from '../../src/node/index.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { pacPrefs, withFirefox } from '../helpers/firefox.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { createFakeNetwork } from '../helpers/fake-site-content.js'
import { MemoryMail } from '../helpers/memory-mail.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const A = 1
const B = 7

let net: Testnet
let scratch: string
const gateways: ServedGateway[] = []

async function serve (node: TornetNode): Promise<ServedGateway> {
  const served = await serveGateway(node, { port: 0, host: '127.0.0.1' })
  gateways.push(served)
  return served
}

async function text (page: Page): Promise<string> {
  return await page.evaluate(() => document.body.innerText)
}

async function submit (page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 60_000 }), page.click(selector)])
}

/** Clicks "Check for new mail" until `ready` holds for the page at `url` (the check runs in the node, through the webmail). */
async function checkUntil (page: Page, url: string, ready: (body: string) => boolean, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms
  while (true) {
    await page.goto(url, { waitUntil: 'load' })
    const body = await text(page)
    if (ready(body)) return body
    if (Date.now() > deadline) throw new Error(`not there in time; the page says:\n${body}`)
    await submit(page, 'form[action="/check"] button')
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

describeWithClients('webmail in Firefox across real nodes', ['firefox'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    scratch = await mkdtemp(join(tmpdir(), 'tornet-mail-e2e-'))
    net = await createTestnet(8, { config: { mail: { difficulty: 6 }, names: { difficulty: 6 } }, nameDifficulty: 6, probeMtu: 16_000 })
  }, 120_000)

  afterAll(async () => {
    for (const g of gateways) await g.close().catch(() => {})
    await net?.close()
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  })

  it('A composes with a 2 MiB attachment to offline B; a host dies; B reads it and downloads it byte-exact; A sees delivered', async () => {
    const alice = net.nodes[A]!
    let bob = net.nodes[B]!
    await bob.mail.createMailbox({ name: 'bob' })
    // Bob goes offline before anything is sent to him.
    const { identity, config } = bob
    await bob.stop()

    const attachment = randomBytes(2 * 1024 * 1024)
    const file = join(scratch, 'photos.bin')
    await writeFile(file, attachment)
    const gatewayA = await serve(alice)

    await withFirefox(pacPrefs(gatewayA.gateway.address.port), async page => {
      // No mailbox yet: the webmail offers to create one.
      await page.goto('http://mail.tor-net/', { waitUntil: 'load' })
      expect(await text(page)).toContain('Create your mailbox')
      await page.type('input[name=name]', 'alice')
      await submit(page, 'form[action="/new"] button[type=submit]')
      expect(await text(page)).toContain('Your mailbox is ready.')
      expect(alice.mail.mailbox()?.names).toEqual(['alice@tor-net'])

      await page.goto('http://mail.tor-net/compose', { waitUntil: 'load' })
      await page.type('input[name=to]', 'bob@tor-net')
      await page.type('input[name=subject]', 'Holiday photos')
      await page.type('textarea[name=body]', 'Sent while you were away.')
      const input = await page.$('input[type=file][name=attachments]')
      await (input as unknown as { uploadFile: (path: string) => Promise<void> }).uploadFile(file)
      await submit(page, 'form.compose button[type=submit]')
      expect(page.url()).toBe('http://mail.tor-net/f/sent?done=sent')
      const sent = await text(page)
      expect(sent).toContain('Holiday photos')
      expect(sent).toMatch(/Holiday photos.*pending/)
      await page.screenshot({ path: join(ARTIFACTS, 'mail-firefox-sent-pending.png') })
    })

    // One of the nodes holding the push for Bob dies.
    const holders = net.nodes.filter((n, i) => i !== A && i !== B && i !== 0 && n.internals.mailNet.host.queues.size > 0)
    expect(holders.length).toBeGreaterThanOrEqual(1)
    await holders[0]!.stop()

    // Bob comes back on a new port, with his own gateway.
    bob = await createNode({ dataDir: net.dirs[B]!, identity, config: { ...config, listen: { host: '127.0.0.1', port: 0 } }, link: { probeMtu: 16_000 } })
    net.nodes[B] = bob
    await bob.bootstrap([net.nodes[0]!.endpoint])
    bob.start()
    const gatewayB = await serve(bob)

    await withFirefox(pacPrefs(gatewayB.gateway.address.port), async page => {
      const inbox = await checkUntil(page, 'http://mail.tor-net/', body => body.includes('Holiday photos'))
      // The sender as the seal proves it: Alice's mailbox key (a From header could claim any name).
      expect(inbox).toContain(alice.mail.mailbox()!.address)
      expect(inbox).toContain('1 unread')
      await submit(page, 'td.subject a')
      const message = await text(page)
      expect(message).toContain('Sent while you were away.')
      expect(message).toContain('photos.bin')
      await page.screenshot({ path: join(ARTIFACTS, 'mail-firefox-received.png') })
      const href = await page.$eval('ul.files a', a => a.getAttribute('href'))
      expect(href).toMatch(/^\/m\/[0-9a-f]+\/a\/0$/)
      // The browser downloads it through the proxy; the bytes come back here to be compared.
      const got = await page.evaluate(async (url: string) => {
        const r = await fetch(url)
        const bytes = new Uint8Array(await r.arrayBuffer())
        let binary = ''
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
        return { status: r.status, disposition: r.headers.get('content-disposition'), base64: btoa(binary) }
      }, href!)
      expect(got.status).toBe(200)
      expect(got.disposition).toContain('attachment; filename="photos.bin"')
      const downloaded = Buffer.from(got.base64, 'base64')
      expect(downloaded.length).toBe(attachment.length)
      expect(createHash('sha256').update(downloaded).digest('hex')).toBe(createHash('sha256').update(attachment).digest('hex'))
    })

    // Bob's receipt reaches Alice's hosts; her webmail shows the message delivered.
    await withFirefox(pacPrefs(gatewayA.gateway.address.port), async page => {
      const sent = await checkUntil(page, 'http://mail.tor-net/f/sent', body => /Holiday photos.*delivered/.test(body))
      expect(sent).not.toMatch(/Holiday photos.*pending/)
      await page.screenshot({ path: join(ARTIFACTS, 'mail-firefox-delivered.png') })
    })
  }, 300_000)

  it('runs no script of an HTML mail and loads nothing it points at', async () => {
    const fake = createFakeNetwork()
    const gateway = await createGateway({ port: 0, resolver: fake.resolver, content: fake.content })
    const hits: string[] = []
    gateway.router.register({ name: 'tracker', matches: ctx => ctx.host === 'tracker.tor-net', handle: async (req, res) => { hits.push(req.url ?? ''); res.end('') } })
    fake.resolver.records.set('tracker.tor-net', { kind: 'content', reference: 'x' })
    const mail = new MemoryMail({ mailbox: 'zoe' })
    installMail(gateway, { mail })
    const html = '<h1 id="t">Offer</h1><img src="http://tracker.tor-net/pixel.gif"><link rel="stylesheet" href="http://tracker.tor-net/s.css">' +
      '<script>document.title = "ran"; fetch("http://tracker.tor-net/script")</script><form action="http://tracker.tor-net/f"><button id="b">go</button></form>'
    const m = await mail.receive({ from: 'shop@bit', to: ['zoe@tor-net'], subject: 'Offer', text: 'plain', html })
    try {
      await withFirefox(pacPrefs(gateway.address.port), async page => {
        const framed = page.waitForFrame(f => f.url().endsWith(`/m/${m.id}/html`), { timeout: 20_000 })
        await page.goto(`http://mail.tor-net/m/${m.id}`, { waitUntil: 'load' })
        const frame = await framed
        await frame.waitForSelector('#t')
        expect(await frame.$eval('#t', e => e.textContent)).toBe('Offer') // the message is shown…
        expect(await frame.evaluate(() => document.title)).toBe('') // …its script never ran
        await new Promise(resolve => setTimeout(resolve, 1000))
        expect(hits).toEqual([]) // neither the picture, the stylesheet nor the script's fetch reached out
        await page.screenshot({ path: join(ARTIFACTS, 'mail-firefox-html-sandboxed.png') })
      })
    } finally {
      await gateway.close()
    }
  }, 120_000)
})
