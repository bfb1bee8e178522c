import type { OutputSink } from './command.js'
import { formatDuration } from './format.js'
import { formatBytes, formatRate } from './format-bytes.js'
import { ProgressLine } from './progress-line.js'

/**
 * Progress of byte-moving work (publish, get, pin) on stderr: a bar and percentage when the
 * total is known, bytes and files so far, the recent rate and the time left. Drawing goes
 * through ProgressLine (rewritten in place on a terminal, a line every few seconds into a
 * pipe); on a terminal redraws are also capped at ~10 a second, since updates come per
 * chunk read and a redraw per 64 KiB would cost more than the work.
 */
export interface ProgressFigures {
  bytes: number
  totalBytes?: number
  files?: number
  totalFiles?: number
  /** Bytes per second, when known. */
  rate?: number
}

const BAR_WIDTH = 24
const RATE_WINDOW_MS = 5000
const TTY_REDRAW_MS = 100

/** The status text for some figures (pure, so it is tested on its own). */
export function renderProgress (label: string, f: ProgressFigures): string {
  const parts: string[] = [label]
  const total = f.totalBytes
  if (total !== undefined && total > 0) {
    const frac = Math.min(1, Math.max(0, f.bytes / total))
    const filled = Math.round(frac * BAR_WIDTH)
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(frac * 100).toFixed(frac < 0.1 ? 1 : 0)}%`)
    parts.push(`${formatBytes(f.bytes)} of ${formatBytes(total)}`)
  } else {
    parts.push(formatBytes(f.bytes))
  }
  if (f.files !== undefined) {
    parts.push(f.totalFiles !== undefined ? `${f.files} of ${f.totalFiles} files` : `${f.files} file${f.files === 1 ? '' : 's'}`)
  }
  if (f.rate !== undefined && Number.isFinite(f.rate)) {
    parts.push(formatRate(f.rate))
    if (total !== undefined && f.rate > 0 && total > f.bytes) parts.push(`~${formatDuration((total - f.bytes) / f.rate)} left`)
  }
  return parts.join('  ')
}

export class ProgressBar {
  private readonly line: ProgressLine
  private readonly startedAt: number
  private readonly samples: Array<{ t: number, bytes: number }> = []
  private figures: ProgressFigures = { bytes: 0 }
  /** Bytes present before this run (a resumed file): shown, but not counted in the rate. */
  private base = 0
  private lastDraw = -Infinity

  constructor (
    private readonly out: OutputSink,
    private readonly now: () => number,
    private readonly label: string,
    totals: { totalBytes?: number, totalFiles?: number } = {},
    intervalMs?: number
  ) {
    this.line = new ProgressLine(out, now, intervalMs)
    this.startedAt = now()
    this.figures = { bytes: 0, ...totals, files: totals.totalFiles === undefined ? undefined : 0 }
    this.samples.push({ t: this.startedAt, bytes: 0 })
  }

  /** Counts bytes that were already there (resumed): they move the bar but not the rate. */
  addExisting (bytes: number): void {
    this.base += bytes
    this.figures.bytes += bytes
  }

  addBytes (bytes: number): void {
    this.figures.bytes += bytes
    this.draw()
  }

  addFile (): void {
    this.figures.files = (this.figures.files ?? 0) + 1
    this.draw()
  }

  /** The bytes moved by this run (not counting resumed ones). */
  get transferred (): number { return this.figures.bytes - this.base }

  get elapsedMs (): number { return this.now() - this.startedAt }

  /** Leaves the terminal on a fresh line; the caller prints its own summary. */
  end (): void {
    this.line.end()
  }

  /** One summary line, e.g. "downloaded 12.0 MiB in 3.1 s (3.9 MiB/s)". */
  summary (verb: string): string {
    const seconds = this.elapsedMs / 1000
    const rate = seconds > 0 ? `, ${formatRate(this.transferred / seconds)}` : ''
    return `${verb} ${formatBytes(this.transferred)} in ${formatDuration(seconds)}${rate}`
  }

  private draw (): void {
    const t = this.now()
    // A sample per 200 ms is plenty for a 5 s window, and keeps the window small.
    if (t - this.samples[this.samples.length - 1].t >= 200) this.samples.push({ t, bytes: this.transferred })
    while (this.samples.length > 2 && t - this.samples[1].t >= RATE_WINDOW_MS) this.samples.shift()
    if (this.out.isTTY === true && t - this.lastDraw < TTY_REDRAW_MS) return
    this.lastDraw = t
    const first = this.samples[0]
    const dt = (t - first.t) / 1000
    const rate = dt > 0.5 ? (this.transferred - first.bytes) / dt : undefined
    this.line.update(renderProgress(this.label, { ...this.figures, rate }))
  }
}
