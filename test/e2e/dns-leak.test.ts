/**
 * Issue 21, item 3: no DNS leaks, no bypass. Inside a network namespace of its own whose
 * resolv.conf names a recording DNS server (fixtures/dns-recorder.mjs on the namespace's loopback),
 * the demo network and its gateway run (fixtures/dns-leak-demo.mjs), and headless Firefox
 * (fixtures/dns-leak-browser.mjs) opens `.tor-net` and `.bit` pages twice: set to the gateway's PAC
 * file, and set to SOCKS5 with remote DNS (as Tor Browser is). No question for a `.tor-net` or
 * `.bit` name may reach DNS, from the browser or from the gateway. Two controls show the recorder
 * would have seen a leak: the demo process asks the system resolver for one name, and Firefox on
 * the PAC file goes DIRECT to an ordinary name and so asks DNS for it.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { pacPrefs, socksPrefs } from '../helpers/firefox.js'
import { clientMissing } from '../helpers/e2e-clients.js'
import { NetnsNetwork, type NetnsHost } from '../helpers/netns/netns-network.js'
import { describeNetns } from '../helpers/netns/netns-support.js'

const FIXTURES = join(import.meta.dirname, 'fixtures')
const GATEWAY_PORT = 9150
const PAGES = ['http://welcome.tor-net/', 'http://guestbook.tor-net/', 'http://nobody-registered-this.bit/']
const CONTROL = 'http://leak-control.test/'

let net: NetnsNetwork
let host: NetnsHost
let recorder: ChildProcess
let demo: ChildProcess
let dataDir: string
let etcDir: string | undefined
/** Every question the recorder heard, in order: name and record type (1 A, 28 AAAA, 65 HTTPS). */
const asked: Array<{ name: string, type: number }> = []
/**
 * Firefox (ESR 153 on Linux) asks the system resolver for a host's HTTPS record (type 65) even when
 * PAC or the manual setting sends the request to an HTTP proxy; only SOCKS with remote DNS, or this
 * preference, stops it. The README and `npm start` tell PAC and HTTP-proxy users to set it.
 */
const NO_NATIVE_HTTPS_RR = { 'network.dns.native_https_query': false }
/** Firefox with the gateway as its manual HTTP proxy. */
function httpProxyPrefs (port: number): Record<string, unknown> {
  return { 'network.proxy.type': 1, 'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': port }
}

/** Resolves with the first stdout line `matches` accepts; rejects on exit or after `ms`. */
async function lineFrom (child: ChildProcess, matches: (line: string) => boolean, what: string, ms: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    let buffered = ''
    let errors = ''
    const onData = (d: Buffer): void => {
      buffered += d.toString()
      let nl
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (matches(line)) { done(); resolve(line); return }
      }
    }
    const onErr = (d: Buffer): void => { errors = (errors + d.toString()).slice(-4000) }
    const onExit = (code: number | null): void => { done(); reject(new Error(`${what}: the process exited (${code}) first: ${errors}`)) }
    const timer = setTimeout(() => { done(); reject(new Error(`${what}: nothing after ${ms} ms: ${errors}`)) }, ms)
    const done = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onErr)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onErr)
    child.once('exit', onExit)
  })
}

interface Visit { url: string, status?: number, title?: string, error?: string }

/** Firefox inside the namespace with `prefs`: what each URL gave. */
async function browse (prefs: Record<string, unknown>, urls: string[]): Promise<Visit[]> {
  const child = net.spawn(host, process.execPath, [join(FIXTURES, 'dns-leak-browser.mjs'), JSON.stringify(prefs), ...urls])
  const visits: Visit[] = []
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000) })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  for (const line of out.split('\n')) if (line.startsWith('{')) visits.push(JSON.parse(line) as Visit)
  if (code !== 0 || visits.length !== urls.length) throw new Error(`Firefox in the namespace failed (exit ${code}): ${err}`)
  return visits
}

function isTornetName ({ name }: { name: string }): boolean {
  const n = name.toLowerCase().replace(/\.$/, '')
  return n.endsWith('.tor-net') || n === 'tor-net' || n.endsWith('.bit') || n === 'bit'
}

describeNetns('no DNS leaks: Firefox and the gateway never ask DNS for .tor-net or .bit names', { needsBuild: true, needs: [clientMissing('firefox')] }, () => {
  beforeAll(async () => {
    net = await NetnsNetwork.create()
    host = await net.addPublicHost('browser')
    // `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf for what it runs.
    etcDir = join('/etc/netns', host.ns)
    mkdirSync(etcDir, { recursive: true })
    writeFileSync(join(etcDir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
    recorder = net.spawn(host, process.execPath, [join(FIXTURES, 'dns-recorder.mjs'), '127.0.0.1', '53'])
    await lineFrom(recorder, l => l === 'listening', 'the DNS recorder', 10_000)
    recorder.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.startsWith('{')) asked.push(JSON.parse(line) as { name: string, type: number })
    })
    dataDir = mkdtempSync(join(tmpdir(), 'tornet-dns-leak-'))
    demo = net.spawn(host, process.execPath, ['--openssl-legacy-provider', join(FIXTURES, 'dns-leak-demo.mjs'), dataDir])
    await lineFrom(demo, l => l === 'ready', 'the demo network', 240_000)
  }, 300_000)

  afterAll(async () => {
    await net?.close()
    if (etcDir !== undefined) rmSync(etcDir, { recursive: true, force: true })
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  /** Firefox with `prefs` opens the pages: they open through the gateway; the Tornet names DNS heard. */
  async function leaksOf (prefs: Record<string, unknown>): Promise<Array<{ name: string, type: number }>> {
    const from = asked.length
    const visits = await browse(prefs, PAGES)
    expect(visits[0]!.status).toBe(200)
    expect(visits[1]!.status).toBe(200)
    expect(visits[2]!.status).toBeGreaterThanOrEqual(400) // the gateway's error page: no Namecoin answers here
    return asked.slice(from).filter(isTornetName)
  }

  it('with SOCKS5 and remote DNS (as Tor Browser): no Tornet name reaches DNS', async () => {
    expect(await leaksOf(socksPrefs(GATEWAY_PORT))).toEqual([])
  }, 240_000)

  it('with the PAC file and the README\'s one preference: no Tornet name reaches DNS', async () => {
    expect(await leaksOf({ ...pacPrefs(GATEWAY_PORT), ...NO_NATIVE_HTTPS_RR })).toEqual([])
  }, 240_000)

  it('with the manual HTTP proxy and the same preference: no Tornet name reaches DNS', async () => {
    expect(await leaksOf({ ...httpProxyPrefs(GATEWAY_PORT), ...NO_NATIVE_HTTPS_RR })).toEqual([])
  }, 240_000)

  it('the controls: the recorder hears the demo process\'s lookup and Firefox going DIRECT', async () => {
    const visits = await browse(pacPrefs(GATEWAY_PORT), [CONTROL])
    expect(visits[0]!.error).toBeDefined() // the recorder says there is no such name
    const names = asked.map(q => q.name)
    expect(names).toContain('node-control.test')
    expect(names).toContain('leak-control.test')
  }, 120_000)

  it('with the PAC file alone, Firefox asks only for HTTPS records: the PAC itself never resolves a name', async () => {
    const leaks = await leaksOf(pacPrefs(GATEWAY_PORT))
    // No address question (A, AAAA): the PAC file never calls dnsResolve or isInNet.
    expect(leaks.filter(q => q.type !== 65)).toEqual([])
  }, 240_000)
})
