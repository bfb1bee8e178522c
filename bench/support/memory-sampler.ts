import { readFileSync } from 'node:fs'

/**
 * Peak memory of this process while something runs. The kernel's own peak
 * (process.resourceUsage().maxRSS, KiB) is the figure; the sampler adds the
 * split the kernel does not keep a peak of: anonymous memory (JS heap,
 * buffers, malloc) against file-backed pages (LMDB's memory map), read from
 * /proc/self/status every `intervalMs` (Linux; zeros elsewhere).
 */
export interface MemoryPeaks {
  /** process.resourceUsage().maxRSS, in MiB: the process's peak resident set. */
  maxRssMb: number
  peakRssAnonMb: number
  peakRssFileMb: number
  peakHeapUsedMb: number
}

function statusKb (field: string, text: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return m === null ? 0 : Number(m[1])
}

export class MemorySampler {
  private anonKb = 0
  private fileKb = 0
  private heap = 0
  private timer?: NodeJS.Timeout

  start (intervalMs = 50): void {
    this.sample()
    this.timer = setInterval(() => { this.sample() }, intervalMs)
    this.timer.unref()
  }

  sample (): void {
    try {
      const text = readFileSync('/proc/self/status', 'utf8')
      this.anonKb = Math.max(this.anonKb, statusKb('RssAnon', text))
      this.fileKb = Math.max(this.fileKb, statusKb('RssFile', text))
    } catch { /* not Linux */ }
    this.heap = Math.max(this.heap, process.memoryUsage().heapUsed)
  }

  stop (): MemoryPeaks {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.sample()
    return {
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      peakRssAnonMb: this.anonKb / 1024,
      peakRssFileMb: this.fileKb / 1024,
      peakHeapUsedMb: this.heap / (1024 * 1024)
    }
  }
}
