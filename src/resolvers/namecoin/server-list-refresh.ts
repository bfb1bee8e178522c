import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isTornetError } from '../../node/index.js'
import { serverLabel, type ElectrumServer } from './electrum-connection.js'
import { MAX_SERVERS, REFRESHED_LIST_FILE, loadServerList, saveRefreshedList, serversFromPeers } from './server-list.js'

/**
 * Keeps `<dataDir>/namecoin-servers.json` current from a running node: at
 * most once a day a connected ElectrumX server is asked for its peers
 * (`server.peers.subscribe`), and the TLS ones it names are added after the
 * servers already known (those come first: their certificates may be
 * pinned), up to MAX_SERVERS. The file is written atomically and only when
 * the answer named at least one usable server: a server that answers
 * nothing, or garbage, never empties a good list. The time of the last
 * refresh is the file's own `refreshedAt`, so a restart does not refresh
 * again. The pool in use keeps its servers; the next start reads the file.
 */

export const REFRESH_INTERVAL_MS = 24 * 60 * 60_000
/** After a failed attempt (no server reachable, a bad answer): try again this much later. */
export const RETRY_AFTER_MS = 60 * 60_000
/** The first check waits this long after start, so that starting a node stays quick. */
export const FIRST_CHECK_DELAY_MS = 60_000

export type PeersQuery = (signal?: AbortSignal) => Promise<{ server: string, answer: unknown }>

export interface RefreshOptions {
  dataDir: string
  /** Asks a connected server for its peers (ElectrumxSource.peers). */
  peers: PeersQuery
  now?: () => number
  intervalMs?: number
  /** Refresh even when the last one is recent (`tornet resolve --refresh-servers`). */
  force?: boolean
  signal?: AbortSignal
}

export type RefreshResult =
  | { outcome: 'refreshed', path: string, server: string, found: number, added: number, total: number }
  | { outcome: 'fresh', refreshedAt: number, nextAt: number }
  /** The server named no usable (TLS, not .onion) server: the list was left as it was. */
  | { outcome: 'empty', server: string }
  | { outcome: 'failed', code: string, message: string }

/** When the list in `dataDir` was last refreshed (ms), undefined when never or unreadable. */
export function lastRefreshedAt (dataDir: string): number | undefined {
  let raw: unknown
  try { raw = JSON.parse(readFileSync(join(dataDir, REFRESHED_LIST_FILE), 'utf8')) } catch { return undefined }
  const at = (raw as { refreshedAt?: unknown } | null)?.refreshedAt
  const ms = typeof at === 'string' ? Date.parse(at) : NaN
  return Number.isFinite(ms) ? ms : undefined
}

/** One refresh attempt (skipped when the last refresh is less than `intervalMs` old); never throws. */
export async function refreshServerList (opts: RefreshOptions): Promise<RefreshResult> {
  const now = opts.now ?? Date.now
  const interval = opts.intervalMs ?? REFRESH_INTERVAL_MS
  const last = lastRefreshedAt(opts.dataDir)
  // A time in the future (a clock set back) does not block refreshes for ever.
  if (opts.force !== true && last !== undefined && last <= now() && now() - last < interval) {
    return { outcome: 'fresh', refreshedAt: last, nextAt: last + interval }
  }
  let known: ElectrumServer[]
  try {
    known = loadServerList(opts.dataDir).servers
  } catch (err) {
    // A broken file is the user's to fix (its error says how); it is not overwritten.
    return failed(err)
  }
  let server: string
  let answer: unknown
  try {
    ({ server, answer } = await opts.peers(opts.signal))
  } catch (err) {
    return failed(err)
  }
  const found = serversFromPeers(answer, { tlsOnly: true })
  if (found.length === 0) return { outcome: 'empty', server }
  const seen = new Set(known.map(serverLabel))
  const added = found.filter(f => !seen.has(serverLabel(f)))
  const merged = [...known, ...added].slice(0, MAX_SERVERS)
  try {
    const path = saveRefreshedList(opts.dataDir, merged, `server.peers.subscribe of ${server}, merged with the previous list`, new Date(now()))
    return { outcome: 'refreshed', path, server, found: found.length, added: Math.max(0, merged.length - known.length), total: merged.length }
  } catch (err) {
    return failed(err)
  }
}

function failed (err: unknown): RefreshResult {
  return isTornetError(err) ? { outcome: 'failed', code: err.code, message: err.message } : { outcome: 'failed', code: 'ERROR', message: (err as Error).message }
}

export interface ServerListRefresherOptions extends Omit<RefreshOptions, 'force' | 'signal'> {
  firstCheckDelayMs?: number
  retryAfterMs?: number
  /** Each attempt's result (for a log line or the dashboard). */
  onResult?: (r: RefreshResult) => void
}

/**
 * The background loop: first check FIRST_CHECK_DELAY_MS after start, then
 * when the last refresh is a day old (RETRY_AFTER_MS after a failure). Its
 * timer does not keep the process alive; stop() cancels a running attempt.
 */
export class ServerListRefresher {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private readonly lifetime = new AbortController()
  private lastResult: RefreshResult | undefined

  constructor (private readonly opts: ServerListRefresherOptions) {}

  get last (): RefreshResult | undefined { return this.lastResult }

  start (): void {
    if (this.timer !== undefined || this.lifetime.signal.aborted) return
    this.schedule(this.opts.firstCheckDelayMs ?? FIRST_CHECK_DELAY_MS)
  }

  /** Runs one check now (skipped when the list is fresh); resolves when it is done. */
  async checkNow (): Promise<RefreshResult> {
    if (this.running !== undefined) await this.running
    let result: RefreshResult = { outcome: 'failed', code: 'STOPPED', message: 'the refresher was stopped' }
    this.running = (async () => {
      if (this.lifetime.signal.aborted) return
      result = await refreshServerList({ ...this.opts, signal: this.lifetime.signal })
      this.lastResult = result
      this.opts.onResult?.(result)
    })()
    try { await this.running } finally { this.running = undefined }
    return result
  }

  async stop (): Promise<void> {
    this.lifetime.abort()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  private schedule (ms: number): void {
    if (this.lifetime.signal.aborted) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.checkNow().then(r => { this.schedule(this.delayAfter(r)) })
    }, Math.max(0, Math.min(ms, 2 ** 31 - 1)))
    this.timer.unref()
  }

  private delayAfter (r: RefreshResult): number {
    const now = (this.opts.now ?? Date.now)()
    if (r.outcome === 'fresh') return r.nextAt - now
    if (r.outcome === 'refreshed') return this.opts.intervalMs ?? REFRESH_INTERVAL_MS
    return this.opts.retryAfterMs ?? RETRY_AFTER_MS
  }
}
