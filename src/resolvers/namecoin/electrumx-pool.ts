import { TornetError, isTornetError } from '../../node/index.js'
import { resolveError } from '../errors.js'
import { RESOLVE_ERRORS } from '../types.js'
import type { CertificatePins } from './certificate-pins.js'
import { ElectrumConnection, serverLabel, type ElectrumServer } from './electrum-connection.js'
import { operatorOf } from './server-list.js'

/**
 * Connections to a list of ElectrumX servers: dialled in parallel, the first
 * `warm` that answer `server.version` kept open (from different operators
 * when possible), a failed one dropped and another dialled in its place.
 * A server that failed is skipped for `retryAfterMs` unless nothing else is
 * left. Every dial and request has a deadline, so nothing here can hang a
 * page; when no server at all can be reached the error lists why, server by
 * server.
 */

export interface ServerStatus {
  label: string
  operator: string
  state: 'idle' | 'connecting' | 'warm' | 'failed'
  /** Last failure (connect, request or proof) and when (ms since epoch). */
  lastError?: { code: string, message: string, at: number }
  /** The tip height this server last reported. */
  tip?: number
  /** Set when another operator's server proved a later answer than this one gave. */
  lie?: { name: string, detail: string, at: number }
}

export interface ElectrumxPoolOptions {
  servers: ElectrumServer[]
  timeoutMs: number
  pins?: CertificatePins
  rejectUnauthorized?: boolean
  /** Connections kept open; default 2. */
  warm?: number
  /** Dials in flight at once; default 4. */
  parallel?: number
  retryAfterMs?: number
  /** Once one server is connected, how long to wait for a second operator's; default 1 s. */
  secondServerWaitMs?: number
  now?: () => number
}

const MAX_MESSAGE = 1000

export class ElectrumxPool {
  private readonly statuses = new Map<string, ServerStatus>()
  private readonly open = new Map<string, ElectrumConnection>()
  private readonly dialing = new Map<string, Promise<ElectrumConnection | undefined>>()
  private readonly now: () => number
  readonly servers: readonly ElectrumServer[]

  constructor (private readonly opts: ElectrumxPoolOptions) {
    if (opts.servers.length === 0) throw resolveError(RESOLVE_ERRORS.unavailable, 'No ElectrumX servers are configured for Namecoin: list some in config.json ("namecoin.electrumx.servers").')
    this.servers = opts.servers
    this.now = opts.now ?? Date.now
    for (const s of opts.servers) this.statuses.set(serverLabel(s), { label: serverLabel(s), operator: operatorOf(s), state: 'idle' })
  }

  status (): ServerStatus[] {
    return [...this.statuses.values()].map(s => ({ ...s }))
  }

  /**
   * Up to `count` open connections, each from a different operator where the
   * list allows; at least one, else throws (RESOLVE_CERT_CHANGED when a
   * changed certificate is among the reasons, RESOLVE_TIMEOUT when every
   * server timed out, RESOLVE_UNAVAILABLE otherwise).
   */
  async acquire (count: number, signal?: AbortSignal): Promise<ElectrumConnection[]> {
    signal?.throwIfAborted()
    const parallel = this.opts.parallel ?? 4
    const tried = new Set<string>()
    let graceUntil: number | undefined
    for (;;) {
      this.prune()
      const picked = this.pick(count)
      if (picked.length >= count) return picked
      // One server answered: wait a little for a second operator (two answers
      // are compared), never long: a single answer beats a slow page.
      if (picked.length > 0) graceUntil ??= this.now() + (this.opts.secondServerWaitMs ?? 1000)
      const next = this.candidates(tried).slice(0, Math.max(0, parallel - this.dialing.size))
      for (const s of next) { tried.add(serverLabel(s)); this.dial(s) }
      if (this.dialing.size === 0) {
        if (picked.length > 0) return picked
        throw this.noneReachable()
      }
      const left = graceUntil === undefined ? undefined : graceUntil - this.now()
      if (left !== undefined && left <= 0) return picked
      const settled = Promise.race(this.dialing.values())
      await raceAbort(left === undefined ? settled : Promise.race([settled, delay(left)]), signal)
    }
  }

  /** Dials until `warm` connections are open (in the background; errors are recorded, not thrown). */
  warmUp (): void {
    this.acquire(this.opts.warm ?? 2).catch(() => {})
  }

  /** Drops a connection after it failed (a broken line, a time-out, a failed proof). */
  fail (conn: ElectrumConnection, err: unknown): void {
    const label = serverLabel(conn.server)
    if (this.open.get(label) === conn) this.open.delete(label)
    conn.close()
    this.noteError(label, err)
  }

  noteTip (server: ElectrumServer, tip: number): void {
    const s = this.statuses.get(serverLabel(server))
    if (s !== undefined) s.tip = tip
  }

  noteLiar (server: ElectrumServer, name: string, detail: string): void {
    const s = this.statuses.get(serverLabel(server))
    if (s !== undefined) s.lie = { name, detail: detail.slice(0, MAX_MESSAGE), at: this.now() }
  }

  close (): void {
    for (const c of this.open.values()) c.close()
    this.open.clear()
    for (const s of this.statuses.values()) if (s.state === 'warm') s.state = 'idle'
  }

  private prune (): void {
    for (const [label, c] of this.open) {
      if (c.closed) {
        this.open.delete(label)
        const s = this.statuses.get(label)
        if (s !== undefined && s.state === 'warm') s.state = 'idle'
      }
    }
  }

  /** Open connections, one per operator first, in list order. */
  private pick (count: number): ElectrumConnection[] {
    const conns = this.servers.map(s => this.open.get(serverLabel(s))).filter((c): c is ElectrumConnection => c !== undefined)
    const out: ElectrumConnection[] = []
    const operators = new Set<string>()
    for (const c of conns) {
      const op = operatorOf(c.server)
      if (out.length < count && !operators.has(op)) { out.push(c); operators.add(op) }
    }
    for (const c of conns) if (out.length < count && !out.includes(c)) out.push(c)
    return out
  }

  /** Servers to dial next: not open, not dialling, not tried in this acquire; operators not yet open first, recent failures last. */
  private candidates (tried: Set<string>): ElectrumServer[] {
    const openOps = new Set([...this.open.values()].map(c => operatorOf(c.server)))
    const t = this.now()
    const retryAfter = this.opts.retryAfterMs ?? 60_000
    const score = (s: ElectrumServer): number => {
      const st = this.statuses.get(serverLabel(s))
      const recentFailure = st?.lastError !== undefined && st.state === 'failed' && t - st.lastError.at < retryAfter
      return (recentFailure ? 2 : 0) + (openOps.has(operatorOf(s)) ? 1 : 0)
    }
    return this.servers
      .filter(s => !tried.has(serverLabel(s)) && !this.open.has(serverLabel(s)) && !this.dialing.has(serverLabel(s)))
      .map((s, i) => ({ s, i, k: score(s) }))
      .sort((a, b) => a.k - b.k || a.i - b.i)
      .map(x => x.s)
  }

  private dial (server: ElectrumServer): void {
    const label = serverLabel(server)
    const st = this.statuses.get(label) as ServerStatus
    st.state = 'connecting'
    const attempt = (async (): Promise<ElectrumConnection | undefined> => {
      let conn: ElectrumConnection | undefined
      try {
        conn = await ElectrumConnection.open(server, { timeoutMs: this.opts.timeoutMs, rejectUnauthorized: this.opts.rejectUnauthorized, pins: this.opts.pins })
        const version = await conn.request('server.version', ['tornet', '1.4'])
        if (!Array.isArray(version) || typeof version[1] !== 'string') {
          throw resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${label} answered server.version strangely.`)
        }
        this.open.set(label, conn)
        st.state = 'warm'
        return conn
      } catch (err) {
        conn?.close()
        this.noteError(label, err)
        return undefined
      } finally {
        this.dialing.delete(label)
      }
    })()
    this.dialing.set(label, attempt)
  }

  private noteError (label: string, err: unknown): void {
    const st = this.statuses.get(label)
    if (st === undefined) return
    st.state = 'failed'
    const code = isTornetError(err) ? err.code : RESOLVE_ERRORS.unavailable
    const message = err instanceof Error ? err.message : String(err)
    st.lastError = { code, message: message.slice(0, MAX_MESSAGE), at: this.now() }
  }

  private noneReachable (): TornetError {
    const failed = [...this.statuses.values()].filter(s => s.lastError !== undefined)
    const codes = failed.map(s => s.lastError?.code)
    const code = codes.includes(RESOLVE_ERRORS.certificateChanged)
      ? RESOLVE_ERRORS.certificateChanged
      : codes.length > 0 && codes.every(c => c === RESOLVE_ERRORS.timeout) ? RESOLVE_ERRORS.timeout : RESOLVE_ERRORS.unavailable
    if (code === RESOLVE_ERRORS.certificateChanged) {
      const changed = failed.find(s => s.lastError?.code === code)
      const others = failed.length - 1
      return resolveError(code, `${changed?.lastError?.message ?? ''}${others > 0 ? ` (and none of the other ${others} servers answered)` : ''}`)
    }
    const reasons = failed.slice(0, 8).map(s => `${s.label}: ${s.lastError?.message ?? ''}`).join('; ')
    const more = failed.length > 8 ? `; and ${failed.length - 8} more` : ''
    return resolveError(code,
      `None of the ${this.servers.length} ElectrumX servers for Namecoin is reachable (${reasons}${more}). ` +
      'Check the internet connection; or list reachable servers in config.json ("namecoin": { "backend": "electrumx", "electrumx": { "servers": ["host:50002:s"] } }), or use a Namecoin Core node ("backend": "rpc").')
  }
}

async function delay (ms: number): Promise<void> {
  await new Promise<void>(resolve => { setTimeout(resolve, ms).unref() })
}

async function raceAbort<T> (p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return await p
  signal.throwIfAborted()
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(v => { signal.removeEventListener('abort', onAbort); resolve(v) }, e => { signal.removeEventListener('abort', onAbort); reject(e) })
  })
}
