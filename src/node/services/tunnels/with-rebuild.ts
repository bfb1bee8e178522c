import { worthRebuilding } from './end-reasons.js'
import type { BuildOptions, Circuit, TunnelService } from './tunnel-api.js'

/**
 * Runs an idempotent operation on a circuit and, when the circuit fails
 * under it (a hop went away, a cell failed authentication, a time-out),
 * once more on a freshly built circuit that avoids the failed one's relays
 * (the "rebuild and retry an idempotent GET once"). Errors that a
 * new circuit cannot fix (no such service, refused) are thrown at once.
 * `onRetry` hears the first failure, so callers can log it.
 */
export async function withRebuild<T> (
  tunnels: Pick<TunnelService, 'build'>,
  opts: BuildOptions,
  fn: (circuit: Circuit) => Promise<T>,
  onRetry?: (err: unknown) => void
): Promise<T> {
  const first = await tunnels.build(opts)
  try {
    return await fn(first)
  } catch (err) {
    if (!worthRebuilding(err) || opts.signal?.aborted === true) throw err
    onRetry?.(err)
    const failedHops = (first as Partial<{ hops: Array<{ id: Buffer }> }>).hops?.map(h => h.id) ?? []
    const keep = opts.lastHop?.id
    const exclude = [...(opts.exclude ?? []), ...failedHops.filter(id => keep === undefined || !id.equals(keep))]
    const second = await tunnels.build({ ...opts, exclude })
    try {
      return await fn(second)
    } finally {
      second.close()
    }
  } finally {
    first.close()
  }
}
