import type { Announcer, PublishResult } from './announcer.js'
import type { ProviderRecords } from './provider-records.js'

export interface RepublisherOptions {
  announcer: Pick<Announcer, 'publish'>
  records: Pick<ProviderRecords, 'prune'>
  /** Everything this node holds, announced again each round. */
  ids: () => Buffer[]
  now: () => number
  signal: () => AbortSignal
  /** Default 1 hour. */
  intervalMs?: number
  counters: { republishRuns: number }
}

/**
 * The republish rounds: every `intervalMs` everything held is announced again (well inside
 * the records' lifetime) and expired records are pruned. One round at a time; asking while
 * one runs joins it.
 */
export class Republisher {
  private timer: NodeJS.Timeout | undefined
  private round: Promise<PublishResult> | undefined

  constructor (private readonly o: RepublisherOptions) {}

  async run (): Promise<PublishResult> {
    if (this.round !== undefined) return await this.round
    this.o.records.prune(this.o.now())
    this.o.counters.republishRuns++
    this.round = this.o.announcer.publish(this.o.ids(), { signal: this.o.signal(), concurrency: 4 })
      .catch(() => ({ announced: 0, failed: 0 }))
      .finally(() => { this.round = undefined })
    return await this.round
  }

  start (): void {
    this.timer = setInterval(() => { void this.run() }, this.o.intervalMs ?? 60 * 60_000)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** Resolves once the round under way (if any) has ended. */
  async settled (): Promise<void> { await this.round }
}
