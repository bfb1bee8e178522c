/**
 * The radio app: stations as HTTP audio, the way Icecast serves them, so a
 * listener opens one URL in VLC or a browser. Two ways in:
 *   http://127.0.0.1:9150/radio/<station>…   routes on the gateway's own pages
 *   http://<name>.tor-net/…                  through the proxy, when the name targets a station
 * (paths: station-path.ts). Each request joins the station through the
 * RadioService, which shares one subscription among all local consumers.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { withDeadline } from '../../abort.js'
import type { GatewayApp, GatewayRequestContext } from '../../app.js'
import { errorCode, GATEWAY_ERRORS, gatewayError } from '../../errors.js'
import { htmlPage } from '../../html.js'
import type { Router } from '../../router.js'
import type { LocalApp } from '../local.js'
import { gatewayAuthority } from '../../gateway-authority.js'
import { DEFAULT_METAINT } from './icy-metadata.js'
import type { Listening, RadioService, StationInfo } from './radio-port.js'
import { sendStationEvents, type EventLimits } from './station-events.js'
import { renderM3u, renderStationPage, stationPageCsp, type StationUrls } from './station-page.js'
import { parseNameHostPath, parseRadioPath, RADIO_PREFIX, type RadioView } from './station-path.js'
import { notFound, resolveStation, stationIdOf, type ResolveHost } from './station-ref.js'
import { sendStationStream, type StreamLimits } from './station-stream.js'
import { renderStationList } from './stations-section.js'

export interface RadioLimits extends StreamLimits, EventLimits {
  /** How long finding a relay that carries the station may take. */
  listenTimeoutMs: number
}

export const DEFAULT_RADIO_LIMITS: RadioLimits = {
  metaint: DEFAULT_METAINT,
  maxQueuedBytes: 256 * 1024, // some 16 s of 128 kbit/s audio
  stallMs: 30_000,
  silenceMs: 30_000,
  keepAliveMs: 15_000,
  listenTimeoutMs: 15_000
}

export interface RadioAppOptions {
  radio: RadioService
  /** Resolves `<name>.tor-net` for /radio/<name>; without it only ids and known labels work. */
  resolveHost?: ResolveHost
  limits?: Partial<RadioLimits>
}

/** The node's radio service error for "no relay carries it" (RadioError NOT_FOUND). */
const RADIO_NOT_FOUND = 'RADIO_NOT_FOUND'

export function createRadioApp (options: RadioAppOptions): { app: GatewayApp, route: (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext) => Promise<void> } {
  const radio = options.radio
  const limits: RadioLimits = { ...DEFAULT_RADIO_LIMITS, ...options.limits }

  async function join (id: Buffer, ctx: GatewayRequestContext): Promise<Listening> {
    try {
      return await withDeadline(async signal => await radio.listen(id, { signal }), ctx.signal, limits.listenTimeoutMs, 'Finding a relay for this station')
    } catch (err) {
      if (errorCode(err) === RADIO_NOT_FOUND) throw notFound(`No relay carries station ${id.toString('hex')}.`)
      throw err
    }
  }

  async function serve (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext, id: Buffer,
    view: RadioView, urls: StationUrls): Promise<void> {
    if (view === 'm3u') {
      const known = radio.known().find(s => s.id.equals(id))
      sendText(req, res, 'audio/x-mpegurl', renderM3u(known ?? placeholderInfo(id), urls.player))
      return
    }
    const listening = await join(id, ctx)
    try {
      if (view === 'stream') {
        const result = await sendStationStream(req, res, listening, limits, ctx.signal)
        ctx.log('debug', 'radio listener left', { station: id.toString('hex'), ...result })
      } else if (view === 'events') {
        await sendStationEvents(res, listening, limits, ctx.signal)
      } else {
        const nonce = randomBytes(16).toString('base64')
        sendText(req, res, 'text/html; charset=utf-8', renderStationPage(listening.station, listening.posts(), urls, nonce),
          { 'content-security-policy': stationPageCsp(nonce) })
      }
    } finally {
      listening.close()
    }
  }

  /** /radio/… on the gateway's own pages. */
  async function route (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    if (ctx.pathname === RADIO_PREFIX) {
      sendText(req, res, 'text/html; charset=utf-8', htmlPage('Tornet radio', `<h1>Radio stations on this node</h1>\n${renderStationList(radio.known())}`))
      return
    }
    const asked = parseRadioPath(ctx.pathname, ctx.search)
    if (asked?.station === undefined) throw gatewayError(GATEWAY_ERRORS.notFound, `The gateway has no page ${ctx.pathname}.`)
    const id = await withDeadline(async signal => await resolveStation(asked.station!, radio, options.resolveHost, signal),
      ctx.signal, limits.listenTimeoutMs, 'Looking up this station')
    const base = `${RADIO_PREFIX}${id.toString('hex')}`
    await serve(req, res, ctx, id, asked.view, {
      stream: base, events: `${base}/events`, m3u: `${base}.m3u`, player: `http://${gatewayAuthority(ctx.gateway, req)}${base}`
    })
  }

  /** http://<name>.tor-net/… whose name targets a station. */
  async function handleNameHost (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    const id = stationIdOf(ctx.target)
    if (id === undefined) throw notFound(`${ctx.host} does not name a radio station.`)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw gatewayError(GATEWAY_ERRORS.methodNotAllowed, `${req.method ?? ''} is not allowed on a radio station.`)
    }
    const asked = parseNameHostPath(ctx.pathname, ctx.search)
    // A browser opening http://<name>.tor-net/ gets the station page (whose player then asks for '/'
    // as audio); players, curl and <audio> elements never ask for HTML first, and get the stream.
    if (asked?.view === 'stream' && wantsHtml(req)) asked.view = 'page'
    if (asked === undefined) throw gatewayError(GATEWAY_ERRORS.notFound, `${ctx.host} is a radio station: its stream is at http://${ctx.host}/ and its page at http://${ctx.host}/index.html.`)
    await serve(req, res, ctx, id, asked.view, {
      stream: '/', events: '/events', m3u: '/station.m3u', player: `http://${gatewayAuthority(ctx.gateway)}${RADIO_PREFIX}${id.toString('hex')}`
    })
  }

  return {
    app: { name: 'radio', matches: ctx => ctx.target.kind === 'station', handle: handleNameHost },
    route
  }
}

/**
 * Registers the radio app on a gateway: the name-host app on its router and
 * /radio/… on its own pages.
 */
export function installRadio (gateway: { router: Router, local: LocalApp }, options: RadioAppOptions): void {
  const { app, route } = createRadioApp(options)
  gateway.router.register(app)
  gateway.local.register({ path: RADIO_PREFIX, prefix: true, handle: route })
}

function wantsHtml (req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? ''
  return accept.includes('text/html') && req.headers['icy-metadata'] === undefined
}

function placeholderInfo (id: Buffer): StationInfo {
  return { id, label: id.toString('hex').slice(0, 16), codec: 'mp3', bitrateKbps: 0, nowPlaying: undefined, role: 'listening', children: 0 }
}

function sendText (req: IncomingMessage, res: ServerResponse, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}
