import { describeReachability, type Reachability, type ReachService } from '../../node/index.js'

/**
 * What `tornet start` prints about being reached: a first check once the node has peers (after
 * `retryMs`, doubling up to a minute, until it knows: right after joining it may know too few),
 * then one every `recheckMs`, printed only when the answer changes. Runs until `signal` aborts.
 */
export async function reportReachability (node: { reach: Pick<ReachService, 'check'> }, out: (line: string) => void, signal: AbortSignal,
  opts: { retryMs?: number, recheckMs?: number } = {}): Promise<void> {
  const retryMs = opts.retryMs ?? 6000
  const recheckMs = opts.recheckMs ?? 10 * 60_000
  let last: string | undefined
  let retry = retryMs
  while (!signal.aborted) {
    let r: Reachability | undefined
    try {
      r = await node.reach.check({ signal })
    } catch {
      // A node stopping under the check; the loop ends on the signal.
    }
    if (signal.aborted) return
    const line = r === undefined ? undefined : describeReachability(r)
    if (r !== undefined && r.status !== 'unknown' && line !== last) {
      out(`reachability: ${line}`)
      last = line
    }
    const known = r !== undefined && r.status !== 'unknown'
    await pause(known ? recheckMs : retry, signal)
    retry = known ? retryMs : Math.min(retry * 2, MAX_RETRY_MS)
  }
}

const MAX_RETRY_MS = 60_000

async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}
