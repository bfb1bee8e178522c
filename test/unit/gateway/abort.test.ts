import { describe, expect, it } from 'vitest'
import { raceSignal, withDeadline } from '../../../src/gateway/abort.js'
import { GATEWAY_ERRORS } from '../../../src/gateway/errors.js'

const never = new Promise<never>(() => {})

describe('raceSignal', () => {
  it('settles with the promise, or rejects with the abort reason', async () => {
    expect(await raceSignal(Promise.resolve(1), new AbortController().signal)).toBe(1)
    const c = new AbortController()
    const raced = raceSignal(never, c.signal)
    c.abort(new Error('gone'))
    await expect(raced).rejects.toThrow('gone')
    await expect(raceSignal(never, AbortSignal.abort(new Error('already')))).rejects.toThrow('already')
  })
})

describe('withDeadline', () => {
  it('turns our own deadline into GATEWAY_TIMEOUT, even when the callee ignores its signal', async () => {
    await expect(withDeadline(() => never, new AbortController().signal, 20, 'Waiting'))
      .rejects.toMatchObject({ code: GATEWAY_ERRORS.timeout })
  })

  it('passes on the parent’s abort reason and the callee’s own errors', async () => {
    const parent = new AbortController()
    const pending = withDeadline(() => never, parent.signal, 10_000, 'Waiting')
    parent.abort(new Error('client left'))
    await expect(pending).rejects.toThrow('client left')
    await expect(withDeadline(async () => { throw new Error('own') }, new AbortController().signal, 10_000, 'x')).rejects.toThrow('own')
  })

  it('hands the callee a signal that aborts at the deadline', async () => {
    let seen: AbortSignal | undefined
    await withDeadline(async s => { seen = s; return await never }, new AbortController().signal, 20, 'x').catch(() => {})
    expect(seen?.aborted).toBe(true)
  })
})
