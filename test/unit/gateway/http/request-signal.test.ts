import { EventEmitter, getEventListeners } from 'node:events'
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { RequestSignal } from '../../../../src/gateway/http/request-signal.js'

/** The parts of a ServerResponse RequestSignal looks at. */
class FakeResponse extends EventEmitter {
  destroyed = false
  writableFinished = false

  finish (): void {
    this.writableFinished = true
    this.destroyed = true
    this.emit('close')
  }

  clientLeaves (): void {
    this.destroyed = true
    this.emit('close')
  }
}

function setup (): { res: FakeResponse, lifetime: AbortController, request: RequestSignal } {
  const res = new FakeResponse()
  const lifetime = new AbortController()
  return { res, lifetime, request: new RequestSignal(res as unknown as ServerResponse, lifetime.signal) }
}

describe('RequestSignal', () => {
  it('makes nothing until asked: no listeners on the response', () => {
    const { res, request } = setup()
    expect(request.aborted).toBe(false)
    expect(res.listenerCount('close')).toBe(0)
    res.finish()
    expect(request.aborted).toBe(false)
  })

  it('aborts when the client goes away before the answer is finished', () => {
    const { res, request } = setup()
    const signal = request.signal
    expect(signal.aborted).toBe(false)
    res.clientLeaves()
    expect(signal.aborted).toBe(true)
    expect((signal.reason as { code?: string }).code).toBe('GATEWAY_BAD_REQUEST')
    expect(request.aborted).toBe(true)
  })

  it('aborts when the gateway closes, and lets go of the gateway signal once the answer is done', () => {
    const { res, lifetime, request } = setup()
    const signal = request.signal
    lifetime.abort()
    expect(signal.aborted).toBe(true)

    const second = setup()
    const s2 = second.request.signal
    expect(getEventListeners(second.lifetime.signal, 'abort')).toHaveLength(1)
    second.res.finish()
    expect(getEventListeners(second.lifetime.signal, 'abort')).toHaveLength(0)
    second.lifetime.abort()
    expect(s2.aborted).toBe(false)
    expect(res.listenerCount('close')).toBe(1)
  })

  it('reports a client that left before anyone asked, and a signal made then is already aborted', () => {
    const { res, request } = setup()
    res.clientLeaves()
    expect(request.aborted).toBe(true)
    expect(request.signal.aborted).toBe(true)
  })

  it('is never aborted when first asked after a finished answer, and adds no listeners then', () => {
    const { res, request } = setup()
    res.finish()
    expect(request.signal.aborted).toBe(false)
    expect(res.listenerCount('close')).toBe(0)
  })

  it('gives the same signal every time', () => {
    const { request } = setup()
    expect(request.signal).toBe(request.signal)
  })
})
