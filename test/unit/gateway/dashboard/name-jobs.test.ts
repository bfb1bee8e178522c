import { describe, expect, it } from 'vitest'
import { drain } from '../../../../src/gateway/apps/dashboard/drain.js'
import { NameJobs } from '../../../../src/gateway/apps/dashboard/name-jobs.js'

describe('NameJobs', () => {
  it('records success, failure and synchronous throws, newest first, keeping only a few', async () => {
    const jobs = new NameJobs(2)
    const ok = jobs.start('a', 'r1', async n => ({ url: `http://${n}.tor-net/` }))
    const bad = jobs.start('b', 'r2', async () => { throw Object.assign(new Error('taken'), { code: 'NAME_TAKEN' }) })
    const sync = jobs.start('c', 'r3', () => { throw new Error('boom') })
    await Promise.all([ok.done, bad.done, sync.done])
    expect(ok.result).toEqual({ state: 'done', url: 'http://a.tor-net/' })
    expect(bad.result).toEqual({ state: 'failed', code: 'NAME_TAKEN', message: 'taken' })
    expect(sync.result).toMatchObject({ state: 'failed', code: 'NAME_REGISTRATION_FAILED' })
    expect(jobs.list().map(j => j.name)).toEqual(['c', 'b'])
    expect(jobs.forReference('r2')?.name).toBe('b')
  })
})

describe('drain', () => {
  function source (chunks: number, size: number): AsyncIterator<Uint8Array> {
    let n = 0
    return { next: async () => n++ < chunks ? { done: false, value: new Uint8Array(size) } : { done: true, value: undefined } }
  }

  it('reads a body to its end within the budget, and gives up past it', async () => {
    expect(await drain(source(10, 100), { maxBytes: 1000, maxMs: 10_000 })).toBe(true)
    expect(await drain(source(11, 100), { maxBytes: 1000, maxMs: 10_000 })).toBe(false)
    expect(await drain({ next: async () => { throw new Error('reset') } }, { maxBytes: 1000, maxMs: 10_000 })).toBe(false)
    expect(await drain({ next: () => new Promise(() => {}) }, { maxBytes: 1000, maxMs: 20 })).toBe(false)
  })
})
