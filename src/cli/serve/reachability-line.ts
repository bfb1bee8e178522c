import { describeReachability, type Reachability, type ReachService } from '../../node/index.js'

/**
 * What `tornet start` prints about being reached: a first check once the node has peers (after
 * `retryMs`, doubling up to a minute, until it knows: right after joining it may know too few),
 * then one every `recheckMs`, printed only when the answer changes. A 'wake' event on `opts.wake`
 * (a new or lost port mapping) asks for a check soon. Runs until `signal` aborts.
 */
export async function reportReachability (node: { reach: Pick<ReachService, 'check'> }, out: (line: string) => void, signal: AbortSignal,
  opts: { retryMs?: number, recheckMs?: number, wake?: EventTarget } = {}): Promise<void> {
  const retryMs = opts.retryMs ?? 6000
  const recheckMs = opts.recheckMs ?? 10 * 60_000
  let last: string | undefined
  let retry = retryMs
  // A wake that comes while a check runs must not be lost: the next pause is then the short one.
  let woken = false
  opts.wake?.addEventListener('wake', () => { woken = true })
  while (!signal.aborted) {
    woken = false
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
    // Woken during the check: check again after the short pause (peers answer one dial-back per
    // host per 5 s, so at once would be refused), else after the usual one.
    await pause(woken ? retryMs : known ? recheckMs : retry, signal, opts.wake)
    retry = known || woken ? retryMs : Math.min(retry * 2, MAX_RETRY_MS)
  }
}

const MAX_RETRY_MS = 60_000

/** Waits `ms`, or until the signal aborts or a 'wake' event asks for a check now. */
async function pause (ms: number, signal: AbortSignal, wake?: EventTarget): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); wake?.removeEventListener('wake', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
    wake?.addEventListener('wake', done, { once: true })
  })
}
