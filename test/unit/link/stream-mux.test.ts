import { Duplex } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { StreamMux } from '../../../src/node/link/stream-mux.js'
import type { LinkStream, LinkStreamInit } from '../../../src/node/link/types.js'
import { type ChannelFrame, decodeFrames, encodeFrame, FrameType } from '../../../src/node/wire/channel-frames.js'

/** A stream endpoint that only records what the mux hands it. */
class RecordingStream extends Duplex implements LinkStream {
  readonly frames: Buffer[] = []
  constructor (readonly init: LinkStreamInit) { super() }
  receiveFrame (frame: Buffer): void { this.frames.push(frame) }
  override _read (): void {}
}

function setup (): { mux: StreamMux, streams: RecordingStream[], sent: ChannelFrame[][], encoded: Buffer[][] } {
  const streams: RecordingStream[] = []
  const sent: ChannelFrame[][] = []
  const encoded: Buffer[][] = []
  const mux = new StreamMux({
    send: (frames) => { sent.push(frames) },
    sendEncoded: (pieces) => { encoded.push([...pieces]) },
    initiator: true,
    streamMtu: () => 16_000,
    factory: (init) => { const s = new RecordingStream(init); streams.push(s); return s },
    acceptor: () => () => {},
    now: () => 0
  }, { maxChannels: 8, openRetryMs: 100, openTimeoutMs: 1000, lingerMs: 1000 })
  // The peer (responder: odd channel ids) opens channel 1.
  mux.onFrame({ type: FrameType.STREAM_OPEN, channel: 1, service: 'svc' })
  return { mux, streams, sent, encoded }
}

describe('StreamMux', () => {
  test('a stream frame that is most of its datagram reaches the stream as a view, without a copy', () => {
    const { mux, streams } = setup()
    const datagram = Buffer.alloc(16_000, 5) // stands for a decrypted packet: nobody else holds it
    const data = datagram.subarray(7)
    mux.onFrame({ type: FrameType.STREAM_DATA, channel: 1, data })
    const got = streams[0].frames[0]
    expect(got.buffer).toBe(datagram.buffer)
    expect(got.byteOffset).toBe(data.byteOffset)
    expect(got.length).toBe(data.length)
  })

  test('a small frame in a large datagram is copied, so a stream never keeps far more memory than it counts', () => {
    const { mux, streams } = setup()
    const datagram = Buffer.alloc(16_000, 5) // e.g. one small frame and PADDING
    mux.onFrame({ type: FrameType.STREAM_DATA, channel: 1, data: datagram.subarray(7, 107) })
    const got = streams[0].frames[0]
    expect(got.buffer).not.toBe(datagram.buffer)
    expect(got.buffer.byteLength).toBe(100)
    expect(got.equals(datagram.subarray(7, 107))).toBe(true)
  })

  test('a DATA frame goes out as its channel header, the stream header and the payload as they are, with exactly the bytes of an encoded frame', () => {
    const { streams, encoded } = setup()
    const head = Buffer.from('fourteen bytes')
    const payload = Buffer.alloc(15_000, 9)
    streams[0].init.sendData?.(head, payload)
    expect(encoded).toHaveLength(1)
    const [first, second, third] = encoded[0]
    expect(second).toBe(head) // not copied
    expect(third).toBe(payload) // not copied
    const joined = Buffer.concat(encoded[0])
    expect(joined.equals(encodeFrame({ type: FrameType.STREAM_DATA, channel: 1, data: Buffer.concat([head, payload]) }))).toBe(true)
    expect(decodeFrames(joined)).toHaveLength(1)
    expect(first.length).toBe(7)
  })

  test('a closed stream that stopped lingering sends nothing', () => {
    const { mux, streams, sent, encoded } = setup()
    streams[0].init.onClose?.()
    mux.sweep(2000)
    streams[0].init.sendData?.(Buffer.from('h'), Buffer.from('p'))
    streams[0].init.send(Buffer.from('x'))
    expect(encoded).toHaveLength(0)
    expect(sent.flat().filter(f => f.type === FrameType.STREAM_DATA)).toHaveLength(0)
  })
})
