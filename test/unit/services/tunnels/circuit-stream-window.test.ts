import { describe, expect, it } from 'vitest'
import { CircuitStream, type StreamCarrier } from '../../../../src/node/services/tunnels/circuit-stream.js'
import { Window } from '../../../../src/node/services/tunnels/flow-control.js'
import { RELAY_DATA_MAX } from '../../../../src/node/services/tunnels/relay-message.js'

/**
 * Several streams on one circuit share its window: a SENDME that frees cells wakes every
 * stream waiting, and only as many cells as the window holds may leave. (Each woken stream
 * sending at once overran the window, threw 'sent past the window' and killed the stream:
 * what two slice streams through one exit did.)
 */
describe('streams sharing a circuit window', () => {
  it('never send past the circuit window however many wake at once', async () => {
    const window = new Window(4, 2)
    const sent: number[] = []
    let failures = 0
    const carrier: StreamCarrier = {
      ready: async () => { while (!window.canSend) await window.ready() },
      canSend: () => window.canSend,
      canSendNow: () => window.canSend,
      sendData: (streamId) => {
        try { window.sent(); sent.push(streamId) } catch { failures++ }
      },
      sendEnd: () => {},
      sendSendme: () => {},
      forget: () => {}
    }
    const streams = [1, 2, 3].map(id => new CircuitStream(id, 'test', carrier))
    const errors: Error[] = []
    for (const s of streams) { s.on('error', (e) => errors.push(e)); s.write(Buffer.alloc(RELAY_DATA_MAX * 3)) }
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(sent.length).toBe(4)
    // Each SENDME frees two cells, and all three streams wait for them.
    for (let i = 0; i < 2; i++) {
      window.acknowledged()
      await new Promise(resolve => setTimeout(resolve, 10))
      expect(sent.length).toBe(6 + 2 * i)
    }
    window.acknowledged()
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(sent.length).toBe(9)
    expect(failures).toBe(0)
    expect(errors).toEqual([])
  })
})
