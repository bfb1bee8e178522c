/**
 * The dashboard on the gateway's own pages (http://127.0.0.1:9150/ and
 * http://tornet.tor-net/ through the proxy):
 *   GET  /             the page
 *   GET  /api/status   the same facts as JSON, for scripts and tests
 *   POST /publish      the upload form (publish-route.ts)
 * Mail and radio add panels with registerSection() on the returned handle.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { raceSignal } from '../../abort.js'
import type { GatewayRequestContext } from '../../app.js'
import { errorCode } from '../../errors.js'
import { gatewayAuthority } from '../../gateway-authority.js'
import { HTML_CONTENT_TYPE } from '../../html.js'
import { JSON_CONTENT_TYPE, sendNoStore } from '../../no-store-reply.js'
import type { LocalApp } from '../local.js'
import { isCrossSiteRead, newCsrfToken } from './csrf.js'
import { sendDashboardError } from './error-reply.js'
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'
import { NameJobs } from './name-jobs.js'
import { dashboardCsp, renderDashboardPage } from './page.js'
import type { DashboardPort, DashboardSection } from './port.js'
import { DEFAULT_PUBLISH_LIMITS, publishRoute, type PublishLimits } from './publish-route.js'
import { SectionRegistry } from './sections.js'
import type { DashboardView, Reading } from './view.js'

export interface DashboardOptions {
  /** Largest upload accepted by the publish form, in bytes (default 1 GiB). */
  maxUploadBytes?: number
  /** The other upload bounds (parts, header and field sizes, concurrent uploads). */
  limits?: Partial<PublishLimits>
  /** How long one reading from the node or one section may take before the page shows it as unavailable. */
  readTimeoutMs?: number
  /** The CSRF token; default a fresh random one per process. */
  token?: string
  now?: () => number
}

export interface Dashboard {
  /** The per-process token the publish form carries. */
  readonly token: string
  registerSection (section: DashboardSection): void
  unregisterSection (id: string): boolean
  /** Name registrations started from the form, newest first. */
  readonly names: NameJobs
}

const READ_TIMEOUT_MS = 5_000

export function installDashboard (local: LocalApp, port: DashboardPort, options: DashboardOptions = {}): Dashboard {
  const token = options.token ?? newCsrfToken()
  const now = options.now ?? Date.now
  const readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS
  const limits: PublishLimits = {
    ...DEFAULT_PUBLISH_LIMITS,
    ...options.limits,
    ...(options.maxUploadBytes === undefined ? {} : { maxTotalBytes: options.maxUploadBytes })
  }
  const sections = new SectionRegistry()
  const names = new NameJobs()

  const read = async <T>(get: () => T | Promise<T>, signal: AbortSignal): Promise<Reading<T>> => {
    try {
      const value = await raceSignal(Promise.resolve().then(get), AbortSignal.any([signal, AbortSignal.timeout(readTimeoutMs)]))
      return { ok: true, value }
    } catch (err) {
      return { ok: false, code: errorCode(err) ?? 'DASHBOARD_READ_FAILED' }
    }
  }

  const readAll = async (signal: AbortSignal): Promise<Pick<DashboardView, 'status' | 'peers' | 'storage' | 'traffic' | 'published'>> => {
    const [status, peers, storage, traffic, published] = await Promise.all([
      read(() => port.status(), signal), read(() => port.peers(), signal), read(() => port.storage(), signal),
      read(() => port.traffic(), signal), read(() => port.published(), signal)
    ])
    return { status, peers, storage, traffic, published }
  }

  async function page (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    const published = new URLSearchParams(ctx.search).get('published') ?? undefined
    const [readings, rendered] = await Promise.all([readAll(ctx.signal), sections.renderAll(ctx.signal, readTimeoutMs)])
    const nonce = randomBytes(16).toString('base64')
    const view: DashboardView = {
      now: now(),
      ...readings,
      sections: rendered,
      names: names.list(),
      justPublished: published !== undefined && /^[a-z0-9][a-z0-9.-]{0,252}$/i.test(published) ? published.toLowerCase() : undefined,
      gatewayAuthority: gatewayAuthority(ctx.gateway, req),
      passThrough: ctx.gateway.passThrough,
      csrfToken: token,
      canRegisterNames: port.registerName !== undefined,
      maxUploadBytes: limits.maxTotalBytes,
      scriptNonce: nonce
    }
    const body = renderDashboardPage(view)
    sendNoStore(req, res, HTML_CONTENT_TYPE, body, {
      'content-security-policy': dashboardCsp(nonce),
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin'
    })
  }

  async function status (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> {
    const readings = await readAll(ctx.signal)
    const errors: Record<string, string> = {}
    const value = <T>(key: string, r: Reading<T>): T | null => {
      if (r.ok) return r.value
      errors[key] = r.code
      return null
    }
    const json = {
      status: value('status', readings.status),
      peers: value('peers', readings.peers),
      storage: value('storage', readings.storage),
      traffic: value('traffic', readings.traffic),
      published: value('published', readings.published),
      sections: sections.list(),
      names: names.list().map(j => ({ name: j.name, reference: j.reference, startedAt: j.startedAt, ...j.result })),
      errors
    }
    sendNoStore(req, res, JSON_CONTENT_TYPE, JSON.stringify(json))
  }

  // The page and /api/status (which carries the CSRF token inside the page) are for the user, not for other sites.
  const ownReads = (handler: typeof page) => async (req: IncomingMessage, res: ServerResponse, ctx: GatewayRequestContext): Promise<void> => {
    if (isCrossSiteRead(req, { host: ctx.host, port: ctx.port })) {
      sendDashboardError(res, dashboardError(DASHBOARD_ERRORS.forbiddenOrigin, 'Another site asked for the dashboard.'), { method: req.method, gateway: gatewayAuthority(ctx.gateway, req) })
      return
    }
    await handler(req, res, ctx)
  }
  local.register({ path: '/', handle: ownReads(page) })
  local.register({ path: '/api/status', handle: ownReads(status) })
  local.register(publishRoute({ port, token, names, limits }))

  return {
    token,
    names,
    registerSection: section => sections.register(section),
    unregisterSection: id => sections.unregister(id)
  }
}
