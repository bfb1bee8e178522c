import { TornetError, TtlCache, isTornetError } from '../../node/index.js'
import { RESOLVE_ERRORS } from '../types.js'
import type { NameRecord, NameSource } from './name-source.js'

/**
 * A NameSource in front of another, remembering answers for a while:
 * records for `ttlMs`, "no such name" and "expired"/"unusable value" for
 * `negativeTtlMs`. Backend failures (unavailable, timeout) are never
 * remembered, so the next request tries again.
 *
 * Concurrent requests for the same name share one backend request. That
 * shared request runs without any one caller's signal (the backend's own
 * timeout bounds it); each caller stops waiting when its own signal aborts.
 */

export interface NameCacheOptions {
  ttlMs: number
  negativeTtlMs: number
  maxEntries?: number
  now?: () => number
}

type Cached =
  | { kind: 'record', record: NameRecord }
  | { kind: 'missing' }
  | { kind: 'error', code: string, message: string }

const CACHEABLE_ERRORS = new Set<string>([RESOLVE_ERRORS.expired, RESOLVE_ERRORS.invalidRecord, RESOLVE_ERRORS.notFound])

export function raceSignal<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      v => { signal.removeEventListener('abort', onAbort); resolve(v) },
      e => { signal.removeEventListener('abort', onAbort); reject(e) }
    )
  })
}

export class CachingNameSource implements NameSource {
  private readonly cache: TtlCache<string, Cached>
  private readonly inflight = new Map<string, Promise<NameRecord | undefined>>()

  constructor (private readonly inner: NameSource, private readonly opts: NameCacheOptions) {
    this.cache = new TtlCache({ maxEntries: opts.maxEntries ?? 1000, now: opts.now })
  }

  async nameShow (name: string, signal?: AbortSignal): Promise<NameRecord | undefined> {
    signal?.throwIfAborted()
    const hit = this.cache.get(name)
    if (hit !== undefined) {
      if (hit.kind === 'record') return hit.record
      if (hit.kind === 'missing') return undefined
      throw new TornetError(hit.code, hit.message)
    }
    let pending = this.inflight.get(name)
    if (pending === undefined) {
      pending = this.fetch(name)
      this.inflight.set(name, pending)
      const clear = (): void => { this.inflight.delete(name) }
      pending.then(clear, clear)
    }
    return await raceSignal(pending, signal)
  }

  /** Forgets everything (e.g. after the user changed backends). */
  clear (): void { this.cache.clear() }

  private async fetch (name: string): Promise<NameRecord | undefined> {
    try {
      const record = await this.inner.nameShow(name)
      if (record === undefined) this.cache.set(name, { kind: 'missing' }, this.opts.negativeTtlMs)
      else this.cache.set(name, { kind: 'record', record }, this.opts.ttlMs)
      return record
    } catch (err) {
      if (isTornetError(err) && CACHEABLE_ERRORS.has(err.code)) {
        this.cache.set(name, { kind: 'error', code: err.code, message: err.message }, this.opts.negativeTtlMs)
      }
      throw err
    }
  }
}
