import type { OutputSink } from './command.js'

/**
 * A status line for long work. On a terminal it is rewritten in place (\r + erase to end of
 * line) on every update; into a pipe or a log file it becomes one line every `intervalMs`, so a
 * log does not fill with hundreds of near-identical lines.
 */
export class ProgressLine {
  private lastLineAt: number
  private open = false

  constructor (
    private readonly out: OutputSink,
    private readonly now: () => number,
    private readonly intervalMs = 2000
  ) {
    this.lastLineAt = now()
  }

  update (text: string): void {
    if (this.out.isTTY === true) {
      this.out.write(`\r${text}\x1b[K`)
      this.open = true
      return
    }
    const t = this.now()
    if (t - this.lastLineAt >= this.intervalMs) {
      this.out.write(`${text}\n`)
      this.lastLineAt = t
    }
  }

  /** Leave the terminal on a fresh line. */
  end (): void {
    if (this.open) this.out.write('\n')
    this.open = false
  }
}
