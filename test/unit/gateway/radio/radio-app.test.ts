/**
 * The radio app on a real gateway over loopback HTTP, with the in-memory
 * RadioService: Icecast's headers and ICY framing, burst-on-connect, live
 * segments and titles, names and labels, the station page, playlist and
 * events feed, 404 for unknown stations, clean ends, and slow clients.
 */
import { connect } from 'node:net'
import { once } from 'node:events'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installRadio } from '../../../../src/gateway/apps/radio/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { MemoryRadio, type MemoryStation } from '../../../helpers/memory-radio.js'
import { httpRequest, proxyGet } from '../clients.js'
import { readIcy } from '../../../helpers/icy-reader.js'
import { openStream, type OpenStream } from './stream-client.js'

const METAINT = 1000
let gateway: Gateway
let port: number
let radio: MemoryRadio
let station: MemoryStation
let hex: string
const open: OpenStream[] = []

const audio = (n: number, fill: number): Buffer => Buffer.alloc(n, fill)
const stream = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<OpenStream> => {
  const s = await openStream(port, path, headers, method)
  open.push(s)
  return s
}
const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

beforeAll(async () => {
  const net = createFakeNetwork()
  radio = new MemoryRadio(2_000)
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  installRadio(gateway, {
    radio,
    resolveHost: async (host, signal) => await net.resolver.resolve(host, { signal }),
    limits: { metaint: METAINT, silenceMs: 1_500, stallMs: 400, maxQueuedBytes: 64 * 1024, listenTimeoutMs: 2_000 }
  })
  port = gateway.address.port
  station = radio.addStation('tone', 'mp3', 64)
  hex = station.info.id.toString('hex')
  net.resolver.records.set('jazz.tor-net', { kind: 'station', publicKey: hex })
  net.resolver.records.set('gone.tor-net', { kind: 'station', publicKey: 'cd'.repeat(32) })
  station.title('Tone 440')
  for (let i = 0; i < 6; i++) station.push('audio', audio(700, i + 1), 500) // 3 s; the burst keeps the last 2 s
})

afterEach(() => { for (const s of open.splice(0)) s.close() })
afterAll(async () => { await gateway?.close() })

describe('the radio stream', () => {
  it('answers as Icecast does, bursts the recent audio, then plays live segments and titles in ICY blocks', async () => {
    const s = await stream(`/radio/${hex}`, { 'icy-metadata': '1' })
    expect(s.status).toBe(200)
    expect(s.headers['content-type']).toBe('audio/mpeg')
    expect(s.headers['icy-name']).toBe('tone')
    expect(s.headers['icy-br']).toBe('64')
    expect(s.headers['icy-metaint']).toBe(String(METAINT))
    expect(s.headers['content-length']).toBeUndefined()
    expect(s.headers['transfer-encoding']).toBeUndefined()
    const burst = Buffer.concat(station.recent().map(x => x.payload))
    expect(burst.length).toBe(4 * 700) // 2 s of burst buffer: the last four segments
    await s.bytes(burst.length + Math.floor(burst.length / METAINT))
    station.title("Second 'song'")
    station.push('audio', audio(3000, 9), 500)
    await s.bytes(burst.length + 3000 + Math.floor((burst.length + 3000) / METAINT) + 16)
    const parts = readIcy(s.body(), METAINT)
    expect(parts.audio.equals(Buffer.concat([burst, audio(3000, 9)]))).toBe(true)
    expect(parts.titles).toEqual(['Tone 440', 'Second ’song’'])
  })

  it('sends plain audio without icy-metaint to a client that did not ask for metadata', async () => {
    const s = await stream(`/radio/${hex}`)
    expect(s.headers['icy-metaint']).toBeUndefined()
    const burst = Buffer.concat(station.recent().map(x => x.payload))
    const body = await s.bytes(burst.length)
    expect(body.subarray(0, burst.length).equals(burst)).toBe(true)
  })

  it('finds a station by label, by name, and through the proxy as http://<name>.tor-net/', async () => {
    for (const path of ['/radio/tone', '/radio/jazz', '/radio/jazz.tor-net']) {
      const s = await stream(path)
      expect(s.status, path).toBe(200)
      expect(s.headers['icy-name']).toBe('tone')
      s.close()
    }
    const proxied = await stream('http://jazz.tor-net/', { host: 'jazz.tor-net', 'icy-metadata': '1' })
    expect(proxied.status).toBe(200)
    expect(proxied.headers['content-type']).toBe('audio/mpeg')
    await proxied.bytes(2800)
  })

  it('answers 404 "no relay carries this station" for an unknown id, a name that is no station, and a missing name', async () => {
    for (const path of [`/radio/${'ef'.repeat(32)}`, '/radio/site', '/radio/nobody', '/radio/gone']) {
      const r = await httpRequest(port, path)
      expect(r.status, path).toBe(404)
      expect(r.headers['x-tornet-error'], path).toBe('GATEWAY_STATION_NOT_FOUND')
      expect(r.body.toString()).toContain('No relay carries this station')
    }
    const proxied = await proxyGet(port, 'http://gone.tor-net/')
    expect(proxied.status).toBe(404)
    expect(proxied.headers['x-tornet-error']).toBe('GATEWAY_STATION_NOT_FOUND')
  })

  it('ends the response cleanly when the station goes silent, and lets go of the subscription', async () => {
    const other = radio.addStation('brief')
    other.push('audio', audio(100, 1), 500)
    const s = await stream(`/radio/${other.info.id.toString('hex')}`)
    await s.bytes(100)
    expect(other.consumers).toBe(1)
    other.end('station-silent')
    expect(await s.ended).toBe('end')
    await until(() => other.consumers === 0)
  })

  it('ends the response itself after silenceMs without segments', async () => {
    const quiet = radio.addStation('quiet')
    const s = await stream(`/radio/${quiet.info.id.toString('hex')}`)
    const started = Date.now()
    expect(await s.ended).toBe('end')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000)
    await until(() => quiet.consumers === 0)
  })

  it('lets go of the subscription when the listener leaves', async () => {
    const s = await stream(`/radio/${hex}`)
    await s.bytes(2800)
    const before = station.consumers
    s.close()
    await until(() => station.consumers === before - 1)
  })

  it('starts an Ogg stream with the decoder set-up bytes, and sends a new set-up when it changes', async () => {
    const ogg = radio.addStation('Café ☕', 'ogg', 96)
    ogg.push('init', audio(300, 0x4f))
    ogg.push('audio', audio(500, 1), 500)
    const s = await stream(`/radio/${ogg.info.id.toString('hex')}`)
    expect(s.headers['content-type']).toBe('audio/ogg')
    // As Icecast does: the name's UTF-8 bytes (node's client reads header bytes as Latin-1).
    expect(Buffer.from(String(s.headers['icy-name']), 'latin1').toString('utf8')).toBe('Café ☕')
    await s.bytes(800)
    ogg.push('init', audio(200, 0x50)) // the next file of a playlist
    ogg.push('audio', audio(500, 2), 500)
    const body = await s.bytes(1500)
    expect(body.equals(Buffer.concat([audio(300, 0x4f), audio(500, 1), audio(200, 0x50), audio(500, 2)]))).toBe(true)
  })

  it('answers HEAD with the headers only', async () => {
    const r = await httpRequest(port, `/radio/${hex}`, { 'icy-metadata': '1' }, 'HEAD')
    expect(r.status).toBe(200)
    expect(r.headers['icy-metaint']).toBe(String(METAINT))
    expect(r.body.length).toBe(0)
  })

  it('cuts off a client that stops reading instead of queueing audio for it', async () => {
    const busy = radio.addStation('busy')
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    socket.write(`GET /radio/${busy.info.id.toString('hex')} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    await until(() => busy.consumers === 1)
    socket.pause() // reads nothing from now on
    let pushed = 0
    const timer = setInterval(() => { busy.push('audio', audio(16 * 1024, 7), 500); pushed++ }, 5)
    try {
      await until(() => busy.consumers === 0, 10_000)
    } finally {
      clearInterval(timer)
      socket.destroy()
    }
    // It was cut off long before the station had sent it everything pushed (the kernel buffers a few MiB at most).
    expect(pushed * 16 * 1024).toBeGreaterThan(64 * 1024)
  })
})

describe('the station page, playlist and events', () => {
  it('serves a page with an <audio> player, the title, posts and a nonce-locked script', async () => {
    station.post('hello <listeners>')
    for (const path of [`/radio/${hex}.html`, `/radio/tone?page`]) {
      const r = await httpRequest(port, path)
      expect(r.status, path).toBe(200)
      const html = r.body.toString()
      expect(html).toContain(`<audio id="player" controls autoplay preload="none" src="/radio/${hex}"`)
      expect(html).toContain('Second &#39;song&#39;')
      expect(html).toContain('hello &lt;listeners&gt;')
      expect(html).toContain(`data-events="/radio/${hex}/events"`)
      const nonce = /script-src 'nonce-([^']+)'/.exec(String(r.headers['content-security-policy']))?.[1]
      expect(html).toContain(`<script nonce="${nonce!}">`)
    }
    const viaName = await proxyGet(port, 'http://jazz.tor-net/index.html')
    expect(viaName.body.toString()).toContain('src="/"')
    // A browser's navigation to the name gets the page; its <audio> (and every player) the stream.
    const navigation = await proxyGet(port, 'http://jazz.tor-net/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })
    expect(navigation.headers['content-type']).toBe('text/html; charset=utf-8')
    const player = await stream('http://jazz.tor-net/', { host: 'jazz.tor-net', accept: 'audio/webm,audio/ogg,audio/*;q=0.9,*/*;q=0.5' })
    expect(player.headers['content-type']).toBe('audio/mpeg')
  })

  it('serves an .m3u playlist with the stream URL', async () => {
    const r = await httpRequest(port, '/radio/tone.m3u')
    expect(r.headers['content-type']).toBe('audio/x-mpegurl')
    expect(r.body.toString()).toBe(`#EXTM3U\n#EXTINF:-1,tone\nhttp://127.0.0.1:${port}/radio/${hex}\n`)
  })

  it('streams the title and posts as Server-Sent Events, then the end', async () => {
    const live = radio.addStation('talk')
    live.title('Morning show')
    live.post('first post')
    const s = await stream(`/radio/${live.info.id.toString('hex')}/events`)
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    await until(() => s.body().toString().includes('first post'))
    live.post('line one\nline two')
    live.title('Noon show')
    await until(() => s.body().toString().includes('Noon show'))
    live.end('stopped')
    expect(await s.ended).toBe('end')
    const text = s.body().toString()
    expect(text).toContain('event: title\ndata: Morning show\n\n')
    expect(text).toMatch(/event: post\ndata: \{"text":"first post","at":\d+,"seq":\d+\}\n\n/)
    expect(text).toContain('"text":"line one\\nline two"')
    expect(text).toContain('event: end\ndata: stopped\n\n')
  })

  it('closes an events feed whose client stops reading, instead of queueing posts for it', async () => {
    const chatty = radio.addStation('chatty')
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    socket.write(`GET /radio/${chatty.info.id.toString('hex')}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    await until(() => chatty.consumers === 1)
    socket.pause()
    const timer = setInterval(() => { for (let i = 0; i < 64; i++) chatty.post('x'.repeat(1000)) }, 5)
    try {
      await until(() => chatty.consumers === 0, 10_000)
    } finally {
      clearInterval(timer)
      socket.destroy()
    }
  })

  it('lists the stations this node knows at /radio/', async () => {
    const r = await httpRequest(port, '/radio/')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toContain(`href="/radio/${hex}.html"`)
  })
})
