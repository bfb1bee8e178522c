/**
 * One 'abort' listener per signal however many pending operations share it. A fan-out — an
 * announcement to the 20 nodes closest to a chunk, four chunks at a time, all under the
 * publish's signal — used to add a listener per request, past Node's limit of 10 (the soak's
 * MaxListenersExceededWarning, issue 21). Each operation registers a callback here instead; the
 * real listener goes when its last callback does. Signals are held weakly.
 */
const waiting = new WeakMap<AbortSignal, { callbacks: Set<() => void>, listener: () => void }>()

/** Calls `onAbort` once when `signal` aborts; the returned function unregisters it (idempotent). */
export function onSharedAbort (signal: AbortSignal, onAbort: () => void): () => void {
  let entry = waiting.get(signal)
  if (entry === undefined) {
    const callbacks = new Set<() => void>()
    const listener = (): void => {
      waiting.delete(signal)
      for (const f of [...callbacks]) f()
      callbacks.clear()
    }
    entry = { callbacks, listener }
    waiting.set(signal, entry)
    signal.addEventListener('abort', listener, { once: true })
  }
  const mine = entry
  // A fresh function per registration: the same callback registered twice is two registrations.
  const cb = (): void => { onAbort() }
  mine.callbacks.add(cb)
  return () => {
    if (!mine.callbacks.delete(cb) || mine.callbacks.size > 0) return
    if (waiting.get(signal) === mine) waiting.delete(signal)
    signal.removeEventListener('abort', mine.listener)
  }
}
