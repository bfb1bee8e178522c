/**
 * The radio app with real clients, before any network: the gateway plays a
 * station from the in-memory RadioService (test/helpers/memory-radio.ts),
 * fed a real MP3 tone made by ffmpeg at real time. curl checks the ICY
 * framing byte by byte; VLC plays it (directly, and as http://<name>.tor-net/
 * through the gateway as its http_proxy) into a WAV that must hold the tone
 * and whose log must show the title; headless Firefox plays the station
 * page's <audio> and sees a post arrive. The same over real nodes is
 * radio-network.test.ts.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/gateway/index.js'
import { installRadio } from '../../src/gateway/apps/radio/index.js'
import type { Broadcast } from '../../src/node/services/radio/radio-api.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { createFakeNetwork } from '../helpers/fake-site-content.js'
import { pacPrefs } from '../helpers/firefox.js'
import { MemoryRadio } from '../helpers/memory-radio.js'
import { feedLoop, makeToneMp3, mp3Frames, mp3Segments } from '../helpers/mp3-feed.js'
import { checkStationPage, expectTone } from '../helpers/radio-checks.js'
import { readIcy } from '../helpers/icy-reader.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')
const STATION = Buffer.alloc(32, 0x44)
const HEX = STATION.toString('hex')

let dir: string
let gateway: Gateway
let port: number
let broadcast: Broadcast
let feed: { stop (): void } | undefined

describeWithClients('a radio station through the gateway, with real clients', ['ffmpeg', 'curl', 'vlc', 'firefox'], () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tornet-radio-gw-'))
    const net = createFakeNetwork()
    net.resolver.records.set('tone.tor-net', { kind: 'station', publicKey: HEX })
    const radio = new MemoryRadio()
    gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
    installRadio(gateway, { radio, resolveHost: async (host, signal) => await net.resolver.resolve(host, { signal }) })
    port = gateway.address.port
    broadcast = radio.broadcast({ publicKey: STATION, privateKey: Buffer.alloc(32) }, { label: 'Tone radio', codec: 'mp3', bitrateKbps: 64 })
    broadcast.setNowPlaying('Tone 440 Hz')
    feed = feedLoop(broadcast, mp3Segments(mp3Frames(await makeToneMp3(dir, { seconds: 20 }))), 3_000)
  })

  afterAll(async () => {
    feed?.stop()
    await gateway?.close()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('curl gets Icecast headers and ICY blocks every icy-metaint bytes, around whole MP3 frames', async () => {
    const body = join(dir, 'curl.mp3')
    const headers = join(dir, 'curl.headers')
    // --max-time ends the never-ending stream: exit code 28 is expected.
    await new Promise<void>(resolve => {
      execFile('curl', ['-sS', '--max-time', '3', '-H', 'Icy-MetaData: 1', '-D', headers, '-o', body, `http://127.0.0.1:${port}/radio/${HEX}`], () => resolve())
    })
    const head = await readFile(headers, 'latin1')
    expect(head).toMatch(/^HTTP\/1\.1 200/)
    expect(head).toMatch(/^content-type: audio\/mpeg\r$/im)
    expect(head).toMatch(/^icy-name: Tone radio\r$/im)
    expect(head).toMatch(/^icy-br: 64\r$/im)
    expect(head).not.toMatch(/^content-length:/im)
    const metaint = Number(/^icy-metaint: (\d+)\r$/im.exec(head)?.[1])
    expect(metaint).toBe(16_000)
    const parts = readIcy(await readFile(body), metaint)
    expect(parts.blocks).toBeGreaterThanOrEqual(1)
    expect(parts.titles[0]).toBe('Tone 440 Hz')
    // 3 s of burst plus 3 s live at 64 kbit/s, all of it MP3 frames once the metadata is taken out.
    expect(parts.audio.length).toBeGreaterThan(40_000)
    const frames = mp3Frames(parts.audio)
    expect(frames.reduce((ms, f) => ms + f.durationMs, 0)).toBeGreaterThan(5_000)
  })

  it('VLC plays the tone from /radio/<id> and shows the now-playing title', async () => {
    await expectTone(`http://127.0.0.1:${port}/radio/${HEX}`, { title: 'Tone 440 Hz', keepIn: join(ARTIFACTS, 'radio-gateway-vlc') })
  })

  it('VLC plays http://tone.tor-net/ with the gateway as its http_proxy', async () => {
    await expectTone('http://tone.tor-net/', { title: 'Tone 440 Hz', httpProxy: `http://127.0.0.1:${port}`, keepIn: join(ARTIFACTS, 'radio-gateway-vlc-proxy') })
  })

  it('Firefox plays the station page and shows a post as it is sent', async () => {
    await checkStationPage(`http://127.0.0.1:${port}/radio/tone.html`, text => broadcast.post(text), join(ARTIFACTS, 'radio-gateway-page.png'))
  })

  it('Firefox with the PAC file opens http://tone.tor-net/ as the station page and plays it', async () => {
    await checkStationPage('http://tone.tor-net/', text => broadcast.post(text), join(ARTIFACTS, 'radio-gateway-name-page.png'), pacPrefs(port))
  })
})
