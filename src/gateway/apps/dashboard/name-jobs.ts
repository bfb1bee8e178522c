/**
 * Name registrations started from the publish form. Registering a name can
 * take a while (it carries a proof of work), so the upload's reply does not
 * wait for it: the job runs on and the dashboard shows how it went. Only the
 * latest few are kept.
 */
import { errorCode } from '../../errors.js'

export type NameJobState =
  | { state: 'pending' }
  | { state: 'done', url: string }
  | { state: 'failed', code: string, message: string }

export interface NameJob {
  name: string
  reference: string
  startedAt: number
  result: NameJobState
  /** Settles once the registration has finished, either way (for tests and shutdown). */
  done: Promise<void>
}

export class NameJobs {
  private readonly jobs: NameJob[] = []

  constructor (private readonly keep = 20) {}

  start (name: string, reference: string, register: (name: string, reference: string) => Promise<{ url: string }>,
    now: number = Date.now()): NameJob {
    let started: Promise<{ url: string }>
    try {
      started = register(name, reference)
    } catch (err) {
      started = Promise.reject(err)
    }
    const job: NameJob = { name, reference, startedAt: now, result: { state: 'pending' }, done: Promise.resolve() }
    this.jobs.unshift(job)
    if (this.jobs.length > this.keep) this.jobs.length = this.keep
    job.done = started.then(
      ({ url }) => { job.result = { state: 'done', url } },
      (err: unknown) => {
        job.result = { state: 'failed', code: errorCode(err) ?? 'NAME_REGISTRATION_FAILED', message: err instanceof Error ? err.message : String(err) }
      }
    )
    return job
  }

  list (): readonly NameJob[] {
    return this.jobs
  }

  forReference (reference: string): NameJob | undefined {
    return this.jobs.find(j => j.reference === reference)
  }
}
