/**
 * Issue 17's end-to-end check: the demo's guestbook runs as the hidden service
 * `guestbook` on one node of a real UDP network; another node's gateway opens
 * http://guestbook.tor-net/ through circuits (descriptor, rendezvous,
 * introduction, joined circuit). Real curl (SOCKS5 with remote DNS and the
 * HTTP proxy) and headless Firefox post an entry and see it. The guestbook's
 * server sees only loopback connections (the service node's own), and both
 * ends reach a rendezvous over 3-hop circuits.
 * Screenshots go to test/artifacts/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startGuestbook, type Guestbook } from '../../src/cli/serve/demo-guestbook.js'
import { serveGateway, type ServedGateway } from '../../src/cli/serve/serve-gateway.js'
import { keyHost, type TornetNode } from '../../src/node/index.js'
import type { HiddenServices } from '../../src/node/services/tunnels/hidden-api.js'
import type { TunnelService } from '../../src/node/services/tunnels/tunnel-api.js'
import { curl } from '../helpers/curl.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { socksPrefs, withFirefox } from '../helpers/firefox.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const NODES = 12
const CLIENT = 1 // the gateway's node
const SERVICE = 6 // the guestbook's node

type TunnelNode = TornetNode & { tunnels: TunnelService, hidden: HiddenServices }

let net: Testnet
let dir: string
let guestbook: Guestbook
let served: ServedGateway
let socks: string
let proxy: string
let serviceHost: string

const node = (i: number): TunnelNode => net.nodes[i] as TunnelNode
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/

describeWithClients('the guestbook hidden service through circuits, with curl and Firefox', ['curl', 'firefox'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    dir = await mkdtemp(join(tmpdir(), 'tornet-hs-e2e-'))
    net = await createTestnet(NODES, { config: { names: { difficulty: 6 } }, nameDifficulty: 6, probeMtu: 16_000 })
    guestbook = await startGuestbook()
    const info = await node(SERVICE).hidden.add('guestbook', { host: guestbook.host, port: guestbook.port })
    serviceHost = keyHost(Buffer.from(info.publicKey, 'hex'))
    served = await serveGateway(node(CLIENT), { port: 0, host: '127.0.0.1' })
    socks = `127.0.0.1:${served.gateway.address.port}`
    proxy = `http://127.0.0.1:${served.gateway.address.port}`
  }, 180_000)

  afterAll(async () => {
    await served?.close()
    await guestbook?.close()
    await net?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('curl over SOCKS5 (remote DNS) opens the guestbook, posts an entry and sees it', async () => {
    const page = await curl(dir, ['--socks5-hostname', socks, 'http://guestbook.tor-net/'])
    expect(page.stderr).toBe('')
    expect(page.status).toBe(200)
    expect(page.body.toString()).toContain('<form method="post" action="/">')

    const posted = await curl(dir, ['--socks5-hostname', socks, '-L', '--data-urlencode', 'name=curl-socks',
      '--data-urlencode', 'message=hello over SOCKS5 & circuits', 'http://guestbook.tor-net/'])
    expect(posted.status).toBe(200) // after the 303 back to /
    expect(posted.body.toString()).toContain('hello over SOCKS5 &amp; circuits')
    expect(guestbook.entries()[0]).toMatchObject({ name: 'curl-socks', message: 'hello over SOCKS5 & circuits' })
  }, 120_000)

  it('curl through the HTTP proxy does the same, by name and by the service key\'s own host', async () => {
    const posted = await curl(dir, ['--proxy', proxy, '-L', '--data-urlencode', 'name=curl-http',
      '--data-urlencode', 'message=hello over the HTTP proxy', 'http://guestbook.tor-net/'])
    expect(posted.status).toBe(200)
    expect(posted.body.toString()).toContain('hello over the HTTP proxy')
    const byKey = await curl(dir, ['--proxy', proxy, `http://${serviceHost}/`])
    expect(byKey.status).toBe(200)
    expect(byKey.body.toString()).toContain('hello over the HTTP proxy')
  }, 120_000)

  it('headless Firefox (SOCKS5, remote DNS) signs the guestbook and sees its entry', async () => {
    await withFirefox(socksPrefs(served.gateway.address.port), async page => {
      page.setDefaultNavigationTimeout(60_000)
      await page.goto('http://guestbook.tor-net/', { waitUntil: 'load' })
      await page.type('input[name=name]', 'firefox')
      await page.type('textarea[name=message]', 'signed in a real browser')
      await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 60_000 }), page.click('button[type=submit]')])
      expect(page.url()).toBe('http://guestbook.tor-net/')
      const text = await page.evaluate(() => document.body.innerText)
      expect(text).toContain('signed in a real browser')
      await page.screenshot({ path: join(ARTIFACTS, 'hidden-guestbook-firefox.png') })
    })
    expect(guestbook.entries().map(e => e.message)).toContain('signed in a real browser')
  }, 180_000)

  it('keeps distinct SOCKS users on distinct circuits', async () => {
    // Every circuit the client's node builds, with the tag it was built for (circuits close with their stream).
    const tunnels = node(CLIENT).tunnels
    const build = tunnels.build.bind(tunnels)
    const built: Array<{ isolation?: string, id: string }> = []
    tunnels.build = async (opts) => {
      const circuit = await build(opts)
      built.push({ isolation: opts?.isolation, id: circuit.info.id })
      return circuit
    }
    try {
      for (const user of ['alice', 'bob']) {
        const res = await curl(dir, ['--proxy', `socks5h://${user}:x@${socks}`, 'http://guestbook.tor-net/'])
        expect(res.status).toBe(200)
      }
    } finally {
      tunnels.build = build
    }
    const alice = built.filter(c => c.isolation === 'alice').map(c => c.id)
    const bob = built.filter(c => c.isolation === 'bob').map(c => c.id)
    expect(alice.length).toBeGreaterThan(0)
    expect(bob.length).toBeGreaterThan(0)
    expect(built.every(c => c.isolation === 'alice' || c.isolation === 'bob')).toBe(true)
    expect(alice.some(id => bob.includes(id))).toBe(false)
  }, 120_000)

  it('the service sees only loopback connections, and the client reaches it over a rendezvous of its choosing', async () => {
    // A post whose body is still on its way keeps the joined circuit open while the relays are inspected.
    const body = Buffer.from('name=slow&message=' + encodeURIComponent('a post that takes its time'))
    let open: (() => void) | undefined
    const answer = new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: served.gateway.address.port, method: 'POST', path: 'http://guestbook.tor-net/',
        headers: { host: 'guestbook.tor-net', 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }
      }, res => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      req.write(body.subarray(0, 8))
      open = () => req.end(body.subarray(8))
    })
    try {
      await until(() => node(CLIENT).tunnels.circuits().some(c => c.endToEnd && c.state === 'open'), 30_000)
      // Both ends reach the rendezvous over 3 relays of their own choosing, and it joins the two circuits.
      // The client picks it and is never it; it may be the service's own node, which the client cannot know.
      const client = node(CLIENT).tunnels.circuits().filter(c => c.endToEnd && c.purpose === 'hs-client')
      const service = node(SERVICE).tunnels.circuits().filter(c => c.endToEnd && c.purpose === 'hs-service')
      expect(client.length).toBeGreaterThan(0)
      expect(service.length).toBeGreaterThan(0)
      for (const c of [...client, ...service]) expect(c.hops.length).toBe(3)
      // What `tornet circuits` and the dashboard read from the running gateway: the same circuit, by ranks.
      const report = await (await fetch(`${served.gateway.url}/api/circuits`)).json() as { circuits: Array<{ id: string, purpose: string, endToEnd: boolean, hops: Array<{ rank: number }> }> }
      const shown = report.circuits.find(c => c.id === client[0]!.id)
      expect(shown).toMatchObject({ purpose: 'hs-client', endToEnd: true, hops: client[0]!.hops })
      const splicers = net.nodes.map((n, i) => ({ i, joined: (n as TunnelNode).tunnels.relayed().filter(v => v.joined).length })).filter(s => s.joined > 0)
      expect(splicers.length).toBeGreaterThan(0)
      expect(splicers.map(s => s.i)).not.toContain(CLIENT)
    } finally {
      open?.()
    }
    expect(await answer).toBe(303)
    expect(guestbook.entries()[0]).toMatchObject({ name: 'slow', message: 'a post that takes its time' })
    const remotes = guestbook.remoteAddresses()
    expect(remotes.length).toBeGreaterThan(0)
    for (const address of remotes) expect(address).toMatch(LOOPBACK)
  }, 120_000)
})

async function until (ready: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`not ready within ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
