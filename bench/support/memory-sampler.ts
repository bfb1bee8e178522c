import { readFileSync } from 'node:fs'

/**
 * Peak memory of this process while something runs. The kernel's own peak
 * (process.resourceUsage().maxRSS, KiB) is the figure; the sampler adds the
 * split the kernel does not keep a peak of: anonymous memory (JS heap,
 * buffers, malloc) against file-backed pages (LMDB's memory map), read from
 * /proc/self/status every `intervalMs` (Linux; zeros elsewhere).
 *
 * With `timeline: true` it also keeps every sample (RSS split, V8 heap, external and
 * ArrayBuffer memory, plus whatever `extra` returns, e.g. the chunk store's pending bytes),
 * so a growth can be told apart from a spike and matched to its cause.
 */
export interface MemoryPeaks {
  /** process.resourceUsage().maxRSS, in MiB: the process's peak resident set. */
  maxRssMb: number
  peakRssAnonMb: number
  peakRssFileMb: number
  peakHeapUsedMb: number
}

/** One sample of the timeline; sizes in MiB, `t` in ms since start(). */
export interface MemorySample {
  t: number
  rssMb: number
  anonMb: number
  fileMb: number
  heapUsedMb: number
  externalMb: number
  arrayBuffersMb: number
  [extra: string]: number
}

export interface MemorySamplerOptions {
  intervalMs?: number
  /** Keep every sample (see samples()). */
  timeline?: boolean
  /** More figures for each timeline sample (numbers only). */
  extra?: () => Record<string, number>
}

const MiB = 1024 * 1024

/** A `Field:   N kB` line of /proc/self/status, in KiB (0 when absent). */
export function statusKb (field: string, text: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return m === null ? 0 : Number(m[1])
}

export class MemorySampler {
  private anonKb = 0
  private fileKb = 0
  private heap = 0
  private timer?: NodeJS.Timeout
  private t0 = 0
  private readonly kept: MemorySample[] = []

  constructor (private readonly opts: MemorySamplerOptions = {}) {}

  start (intervalMs = this.opts.intervalMs ?? 50): void {
    this.t0 = performance.now()
    this.sample()
    this.timer = setInterval(() => { this.sample() }, intervalMs)
    this.timer.unref()
  }

  sample (): void {
    let anonKb = 0
    let fileKb = 0
    try {
      const text = readFileSync('/proc/self/status', 'utf8')
      anonKb = statusKb('RssAnon', text)
      fileKb = statusKb('RssFile', text)
      this.anonKb = Math.max(this.anonKb, anonKb)
      this.fileKb = Math.max(this.fileKb, fileKb)
    } catch { /* not Linux */ }
    const mem = process.memoryUsage()
    this.heap = Math.max(this.heap, mem.heapUsed)
    if (this.opts.timeline === true) {
      this.kept.push({
        t: Math.round(performance.now() - this.t0),
        rssMb: round1(mem.rss / MiB),
        anonMb: round1(anonKb / 1024),
        fileMb: round1(fileKb / 1024),
        heapUsedMb: round1(mem.heapUsed / MiB),
        externalMb: round1(mem.external / MiB),
        arrayBuffersMb: round1(mem.arrayBuffers / MiB),
        ...this.opts.extra?.()
      })
    }
  }

  /** The timeline (empty unless constructed with `timeline: true`). */
  samples (): readonly MemorySample[] { return this.kept }

  stop (): MemoryPeaks {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.sample()
    return {
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      peakRssAnonMb: this.anonKb / 1024,
      peakRssFileMb: this.fileKb / 1024,
      peakHeapUsedMb: this.heap / MiB
    }
  }
}

function round1 (x: number): number { return Math.round(x * 10) / 10 }
