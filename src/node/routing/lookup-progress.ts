import { runLookup } from './lookup.js'
import type { LookupEvent, LookupOptions, LookupResult } from './lookup-types.js'

/**
 * The lookup as an async iterable: yields each progress event as it happens
 * and returns the result (`for await` sees the events; the generator's return
 * value is the LookupResult). Events are buffered without bound only for the
 * life of one lookup, which maxQueries bounds.
 */
export async function * lookupProgress (options: Omit<LookupOptions, 'onProgress'>): AsyncGenerator<LookupEvent, LookupResult> {
  const queue: LookupEvent[] = []
  let wake: (() => void) | undefined
  let outcome: { result?: LookupResult, error?: unknown } | undefined
  runLookup({ ...options, onProgress: e => { queue.push(e); wake?.() } }).then(
    result => { outcome = { result }; wake?.() },
    (error: unknown) => { outcome = { error }; wake?.() }
  )
  for (;;) {
    while (queue.length > 0) yield queue.shift() as LookupEvent
    if (outcome !== undefined) {
      if (outcome.result === undefined) throw outcome.error
      return outcome.result
    }
    await new Promise<void>(resolve => { wake = resolve })
    wake = undefined
  }
}
