import { describe, expect, it } from 'vitest'
import { CircuitStream, type StreamCarrier } from '../../../../src/node/services/tunnels/circuit-stream.js'
import { STREAM_SENDME } from '../../../../src/node/services/tunnels/flow-control.js'
import { RELAY_DATA_MAX } from '../../../../src/node/services/tunnels/relay-message.js'
import { END_REASON } from '../../../../src/node/services/tunnels/tunnel-api.js'

const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

function carrier (): { c: StreamCarrier, sendmes: number[] } {
  const sendmes: number[] = []
  return {
    sendmes,
    c: {
      ready: async () => {},
      canSend: () => true,
      canSendNow: () => true,
      sendData: () => {},
      sendEnd: () => {},
      sendSendme: (id) => { sendmes.push(id) },
      forget: () => {}
    }
  }
}

describe('CircuitStream delivery', () => {
  it('hands the reader one chunk per turn, copied from the cells, in order, and acknowledges every cell', async () => {
    const { c, sendmes } = carrier()
    const s = new CircuitStream(7, 'test', c)
    const chunks: Buffer[] = []
    s.on('data', (b: Buffer) => { chunks.push(b) })
    // One reused buffer for every cell: the stream must have copied each before the next.
    const cell = Buffer.alloc(RELAY_DATA_MAX)
    const cells = 2 * STREAM_SENDME
    for (let i = 0; i < cells; i++) { cell.fill(i & 0xff); expect(s.onData(cell)).toBe(true) }
    expect(chunks).toEqual([])
    await turn()
    const all = Buffer.concat(chunks)
    expect(all.length).toBe(cells * RELAY_DATA_MAX)
    for (let i = 0; i < cells; i++) expect(all[i * RELAY_DATA_MAX]).toBe(i & 0xff)
    // A busy turn goes out in a few large chunks (the inbox), not a chunk per cell.
    expect(chunks.length).toBeLessThan(cells / 10)
    expect(sendmes).toEqual([7, 7])
  })

  it('a remote END after data in the same turn ends the stream after all of it', async () => {
    const { c } = carrier()
    const s = new CircuitStream(3, 'test', c)
    s.onData(Buffer.from('hello '))
    s.onData(Buffer.from('world'))
    s.onEnd(END_REASON.done)
    let got = ''
    for await (const chunk of s) got += (chunk as Buffer).toString()
    expect(got).toBe('hello world')
  })

  it('a reader that stops reading holds back the acknowledgements until it reads', async () => {
    const { c, sendmes } = carrier()
    const s = new CircuitStream(5, 'test', c)
    // Past the readable high-water mark (64 KiB) with nobody reading.
    const cells = 3 * STREAM_SENDME
    for (let i = 0; i < cells; i++) s.onData(Buffer.alloc(RELAY_DATA_MAX, 1))
    await turn()
    const early = sendmes.length
    expect(early).toBeLessThan(cells / STREAM_SENDME)
    let bytes = 0
    s.on('data', (b: Buffer) => { bytes += b.length })
    await turn()
    await turn()
    expect(bytes).toBe(cells * RELAY_DATA_MAX)
    expect(sendmes.length).toBe(cells / STREAM_SENDME)
  })
})
