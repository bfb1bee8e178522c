import type { HeaderSyncProgress } from '../../resolvers/namecoin/index.js'
import type { OutputSink } from '../command.js'
import { ProgressLine } from '../progress-line.js'

/**
 * The progress line of the Namecoin header sync (the SPV verifier's first
 * sync from the shipped checkpoint can take minutes): `tornet start`,
 * `npm start` and `tornet resolve` print it on stderr, rewritten in place on
 * a terminal, one line every few seconds into a log.
 */

export function formatHeaderProgress (p: HeaderSyncProgress): string {
  const left = p.target - p.height
  if (p.done) return `Namecoin headers verified up to block ${p.height.toLocaleString('en')} (from ${p.server}); .bit answers are proven against them`
  const eta = p.headersPerSecond > 0 && left > 0 ? `, about ${Math.ceil(left / p.headersPerSecond)} s left` : ''
  return `Namecoin headers: ${p.height.toLocaleString('en')} / ${p.target.toLocaleString('en')} verified, ${p.headersPerSecond.toLocaleString('en')} headers/s${eta} (from ${p.server})`
}

/** A progress callback writing to `out`; the final line ends the progress line. */
export function headerSyncLine (out: OutputSink, now: () => number): (p: HeaderSyncProgress) => void {
  const line = new ProgressLine(out, now)
  let lastDone: number | undefined
  return (p) => {
    if (p.done) {
      // One line per finished sync that brought new headers (not one per lookup).
      if (lastDone === p.height) return
      lastDone = p.height
      line.end()
      out.write(`${formatHeaderProgress(p)}\n`)
      return
    }
    line.update(formatHeaderProgress(p))
  }
}
