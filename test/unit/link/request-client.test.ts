import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { FragmentAssembler, ReassemblyBudget } from '../../../src/node/link/fragment-assembler.js'
import { RequestClient } from '../../../src/node/link/request-client.js'
import { FrameType, type RequestFrame } from '../../../src/node/wire/channel-frames.js'

/**
 * Requests sharing one AbortSignal (a fan-out to the nodes closest to a key, several keys at
 * once) add one 'abort' listener to it, not one each, and leave none behind: the soak's
 * MaxListenersExceededWarning (11 listeners, from the chunk announcer) came from one per request.
 */
describe('RequestClient abort listeners', () => {
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  afterEach(() => { warnings.length = 0 })

  function client (sent: RequestFrame[]): RequestClient {
    const responses = new FragmentAssembler({ maxMessageBytes: 1 << 20, maxMessages: 1000, timeoutMs: 10_000 }, new ReassemblyBudget(1 << 24))
    return new RequestClient({
      send: (frames) => { for (const f of frames) if (f.type === FrameType.REQUEST) sent.push(f) },
      isOpen: () => true,
      requestRoom: () => 1000,
      responses,
      now: () => Date.now()
    }, 1000, 1 << 20)
  }

  test('50 requests in flight on one signal over 10 clients: one listener; none once answered', async () => {
    const ac = new AbortController()
    const sent: RequestFrame[][] = []
    const clients = Array.from({ length: 10 }, (_, i) => { sent[i] = []; return client(sent[i]) })
    const replies = clients.flatMap(c => Array.from({ length: 5 }, async () => await c.request('svc', Buffer.from('q'), { timeoutMs: 10_000, retries: 0, signal: ac.signal })))
    expect(getEventListeners(ac.signal, 'abort').length).toBe(1)
    clients.forEach((c, i) => {
      for (const f of sent[i]) c.onResponse({ type: FrameType.RESPONSE, reqId: f.reqId, fragIndex: 0, fragCount: 1, data: Buffer.from('a') })
    })
    expect((await Promise.all(replies)).every(b => b.equals(Buffer.from('a')))).toBe(true)
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0)
    await new Promise(resolve => setImmediate(resolve))
    expect(warnings.filter(w => w.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  test('1,000 sequential requests on one long-lived signal leave no listener behind', async () => {
    const ac = new AbortController()
    const sent: RequestFrame[] = []
    const c = client(sent)
    for (let i = 0; i < 1000; i++) {
      const reply = c.request('svc', Buffer.from('q'), { timeoutMs: 10_000, retries: 0, signal: ac.signal })
      const f = sent[sent.length - 1]
      c.onResponse({ type: FrameType.RESPONSE, reqId: f.reqId, fragIndex: 0, fragCount: 1, data: Buffer.alloc(0) })
      await reply
    }
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0)
  })

  test('aborting the shared signal fails every request on it; failAll and a second signal are unaffected otherwise', async () => {
    const ac = new AbortController()
    const other = new AbortController()
    const c = client([])
    const shared = Array.from({ length: 20 }, async () => await c.request('svc', Buffer.from('q'), { timeoutMs: 10_000, retries: 0, signal: ac.signal }))
    const apart = c.request('svc', Buffer.from('q'), { timeoutMs: 10_000, retries: 0, signal: other.signal })
    ac.abort()
    const results = await Promise.allSettled(shared)
    expect(results.every(r => r.status === 'rejected' && (r.reason as { code?: string }).code === 'LINK_ABORTED')).toBe(true)
    expect(c.inFlight).toBe(1)
    expect(getEventListeners(other.signal, 'abort').length).toBe(1)
    c.failAll(new Error('closed'))
    await expect(apart).rejects.toThrow('closed')
    expect(getEventListeners(other.signal, 'abort').length).toBe(0)
  })
})
