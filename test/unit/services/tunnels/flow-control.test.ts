import { describe, expect, it } from 'vitest'
import { CIRCUIT_SENDME, CIRCUIT_WINDOW, STREAM_SENDME, STREAM_WINDOW, Window } from '../../../../src/node/services/tunnels/flow-control.js'

describe('Window', () => {
  it('stops the sender at the window and reopens it one increment per SENDME', async () => {
    const w = new Window(CIRCUIT_WINDOW, CIRCUIT_SENDME)
    for (let i = 0; i < CIRCUIT_WINDOW; i++) w.sent()
    expect(w.canSend).toBe(false)
    expect(() => { w.sent() }).toThrow()
    let woke = false
    const waiting = w.ready().then(() => { woke = true })
    await Promise.resolve()
    expect(woke).toBe(false)
    expect(w.acknowledged()).toBe(true)
    await waiting
    expect(woke).toBe(true)
    expect(w.package).toBe(CIRCUIT_SENDME)
  })

  it('refuses a SENDME for cells never sent', () => {
    const w = new Window(STREAM_WINDOW, STREAM_SENDME)
    expect(w.acknowledged()).toBe(false)
    w.sent()
    expect(w.acknowledged()).toBe(false)
    for (let i = 1; i < STREAM_SENDME; i++) w.sent()
    expect(w.acknowledged()).toBe(true)
  })

  it('owes one SENDME per increment consumed, and flags a peer that overruns the window', () => {
    const w = new Window(STREAM_WINDOW, STREAM_SENDME)
    let sendmes = 0
    for (let i = 0; i < STREAM_WINDOW; i++) {
      expect(w.received()).toBe(true)
      if (i < 120) sendmes += w.consumed()
    }
    expect(sendmes).toBe(2)
    // 500 arrived, 100 acknowledged: 100 more may come, the 101st is an overrun.
    for (let i = 0; i < 2 * STREAM_SENDME; i++) expect(w.received()).toBe(true)
    expect(w.received()).toBe(false)
  })
})
