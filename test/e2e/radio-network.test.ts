/**
 * Issue 14's demonstration on real nodes: a station broadcasts a 440 Hz MP3
 * tone (ffmpeg) from one node of a small network on 127.0.0.1 UDP; other
 * nodes tune in one after another, so the relay tree grows below the root
 * relays; the gateway runs on a node that is none of them. Then, with real
 * clients: VLC plays http://127.0.0.1:<port>/radio/<station> and, with the
 * gateway as its http_proxy, http://<name>.tor-net/ (the name registered to
 * `station:<hex>`), each into a WAV that must hold ≥ 5 s of the tone and a
 * log that shows the now-playing title; headless Firefox plays the station
 * page and sees a text post appear; curl gets the 404 page for a station
 * nobody carries.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { serveGateway, type ServedGateway } from '../../src/cli/serve/serve-gateway.js'
import { createStationKey, createTestnet, type Broadcast, type Testnet, type TornetNode } from '../../src/node/index.js'
import { xorDistance } from '../../src/node/routing/distance.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { feedLoop, makeToneMp3, mp3Frames, mp3Segments } from '../helpers/mp3-feed.js'
import { checkStationPage, expectTone } from '../helpers/radio-checks.js'

const run = promisify(execFile)
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const NAME = 'tone-radio'
const TITLE = 'Tone 440 Hz'
const LISTENERS = 6 // nodes 1..6; node 0 broadcasts, node 7 serves the gateway

let net: Testnet
let served: ServedGateway
let dir: string
let port: number
let hex: string
let broadcast: Broadcast
let feed: { stop (): void } | undefined
const closers: Array<() => void> = []

/**
 * Upload budgets small enough that listeners must join below other
 * listeners. NodeInit takes no radio options yet, so this sets the service's
 * settings directly (radio-service.ts `s`); it fails loudly if they move.
 */
function limitFanout (node: TornetNode, maxChildren: number): void {
  const settings = (node.radio as unknown as { s?: { maxChildren: number, roots: number } }).s
  if (settings === undefined) throw new Error('the radio service has no settings to tune: give NodeInit a radio option and use it here')
  settings.maxChildren = maxChildren
  settings.roots = 1
}

/**
 * A station key whose nearest nodes (where the broadcaster adopts its root
 * relays, radio-service.ts keepRoots) do not include `avoid`: adopted as a root
 * before it tunes in, the gateway node would sit at depth 1, not below the
 * chain of listeners, and the depth this test checks would be luck.
 */
function stationKeyAwayFrom (net: Testnet, avoid: TornetNode): ReturnType<typeof createStationKey> {
  for (let i = 0; i < 64; i++) {
    const key = createStationKey(net.dirs[0]!, `tone${i}`)
    const nearest = net.nodes.slice(1)
      .sort((a, b) => Buffer.compare(xorDistance(a.identity.id, key.publicKey), xorDistance(b.identity.id, key.publicKey)))
      .slice(0, 3)
    if (!nearest.includes(avoid)) return key
  }
  throw new Error('no station key in 64 tries keeps the gateway node out of the root candidates')
}

/** Hops from the broadcaster to this node in the station's tree (radio-service.ts `feeds`). */
function depthOf (node: TornetNode, station: string): number {
  const feed = (node.radio as unknown as { feeds?: ReadonlyMap<string, { depth: number }> }).feeds?.get(station)
  if (feed === undefined) throw new Error('this node carries no feed of the station')
  return feed.depth
}

describeWithClients('radio over a real network, played by VLC and Firefox', ['ffmpeg', 'vlc', 'firefox', 'curl'], () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tornet-radio-net-'))
    await mkdir(ARTIFACTS, { recursive: true })
    net = await createTestnet(LISTENERS + 2, { nameDifficulty: 8, probeMtu: 16_000 })
    for (const node of net.nodes) limitFanout(node, 1) // every relay feeds one child: the tree becomes a chain
    const [source] = net.nodes
    const key = stationKeyAwayFrom(net, net.nodes[LISTENERS + 1]!)
    hex = key.publicKey.toString('hex')
    broadcast = source!.radio.broadcast(key, { label: 'tone', codec: 'mp3', bitrateKbps: 64 })
    broadcast.setNowPlaying(TITLE)
    feed = feedLoop(broadcast, mp3Segments(mp3Frames(await makeToneMp3(dir, { seconds: 30 }))), 2_000)
    // Tune in one node at a time: later ones find the station on nodes that already carry it.
    for (let i = 1; i <= LISTENERS; i++) {
      const listening = await net.nodes[i]!.radio.listen(key.publicKey)
      closers.push(() => listening.close())
      await new Promise(resolve => setTimeout(resolve, 300))
    }
    // Names target stations as `station:<hex>` (names service kind "station").
    await source!.names.register(NAME, { kind: 'station', value: key.publicKey } as unknown as Parameters<typeof source.names.register>[1])
    const gatewayNode = net.nodes[LISTENERS + 1]!
    served = await serveGateway(gatewayNode, { port: 0 })
    port = served.gateway.address.port
  }, 120_000)

  afterAll(async () => {
    feed?.stop()
    for (const close of closers) close()
    await broadcast?.close().catch(() => {})
    await served?.close()
    await net?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('the station reaches every listener, and the gateway node through at least 3 relay levels', async () => {
    for (let i = 1; i <= LISTENERS; i++) {
      expect(net.nodes[i]!.radio.known().some(s => s.id.toString('hex') === hex), `node ${i}`).toBe(true)
    }
    const listening = await net.nodes[LISTENERS + 1]!.radio.listen(Buffer.from(hex, 'hex'))
    closers.push(() => listening.close())
    expect(depthOf(net.nodes[LISTENERS + 1]!, hex)).toBeGreaterThanOrEqual(3)
    // The dashboard lists it among the stations this node knows.
    const dashboard = await (await fetch(`http://127.0.0.1:${port}/`)).text()
    expect(dashboard).toContain('Radio stations')
    expect(dashboard).toContain(`/radio/${hex}.html`)
    const r = await run('curl', ['-sS', '--max-time', '3', '-o', '/dev/null', '-D', '-', `http://127.0.0.1:${port}/radio/${hex}`]).catch((err: { stdout: string }) => err)
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200/)
    expect(r.stdout).toMatch(/^icy-name: tone\r$/im)
  })

  it('VLC plays http://127.0.0.1:<port>/radio/<station>: the tone, with the title', async () => {
    await expectTone(`http://127.0.0.1:${port}/radio/${hex}`, { title: TITLE, keepIn: join(ARTIFACTS, 'radio-network-vlc') })
  })

  it('VLC plays http://<name>.tor-net/ through the gateway as http_proxy', async () => {
    await expectTone(`http://${NAME}.tor-net/`, { title: TITLE, httpProxy: `http://127.0.0.1:${port}`, keepIn: join(ARTIFACTS, 'radio-network-vlc-proxy') })
  })

  it('Firefox plays the station page and shows a post sent by the station', async () => {
    await checkStationPage(`http://127.0.0.1:${port}/radio/${hex}.html`, text => broadcast.post(text), join(ARTIFACTS, 'radio-network-page.png'))
  })

  it('answers 404 "no relay carries this station" for a station nobody broadcasts', async () => {
    const r = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', `http://127.0.0.1:${port}/radio/${'5a'.repeat(32)}`])
    expect(r.stdout.trim().endsWith('404')).toBe(true)
    expect(r.stdout).toContain('No relay carries this station')
  })
})
