import { Duplex } from 'node:stream'
import { FrameParser } from '../../../../src/node/services/chunks/frame-parser.js'
import { MAX_FRAME_BODY, type StreamFrame, decodeStreamFrame, encodeStreamFrame } from '../../../../src/node/services/chunks/messages.js'
import { type SliceServerOptions, type SliceServerStore, serveSliceStream } from '../../../../src/node/services/chunks/slice-server.js'

/** A served stream: requests go in with `ask`, everything the server wrote comes out of `frames`. */
export interface ServedStream {
  ask: (f: StreamFrame) => void
  frames: () => StreamFrame[]
  writes: Buffer[]
  slices: number[]
  raw: Duplex
  malformed: () => number
  /** Whether the server ended its side of the stream. */
  ended: () => boolean
}

/** serveSliceStream over an in-memory duplex (queue 8, idle 10 s), `opts` on top. */
export function serve (store: SliceServerStore, opts: Partial<SliceServerOptions> = {}): ServedStream {
  const writes: Buffer[] = []
  const slices: number[] = []
  let malformed = 0
  let ended = false
  const raw = new Duplex({ read () {}, write (chunk: Buffer, _e, cb) { writes.push(chunk); cb() } })
  raw.on('finish', () => { ended = true })
  serveSliceStream(raw, { store, maxQueued: 8, idleMs: 10_000, onSlice: (n) => slices.push(n), onMalformed: () => { malformed++ }, ...opts })
  return {
    ask: (f) => { raw.push(encodeStreamFrame(f)) },
    frames: () => new FrameParser(MAX_FRAME_BODY).push(Buffer.concat(writes)).map(decodeStreamFrame),
    writes,
    slices,
    raw,
    malformed: () => malformed,
    ended: () => ended
  }
}

/** A slice store holding `chunks`; noteMissing says 3 providers were asked. */
export function memoryStore (chunks: Array<{ id: Buffer, bytes: Buffer }>): SliceServerStore {
  const map = new Map(chunks.map(c => [c.id.toString('hex'), c.bytes]))
  return {
    has: (id) => map.has(Buffer.from(id).toString('hex')),
    withRange: (id, offset, length, use) => {
      const b = map.get(Buffer.from(id).toString('hex'))
      if (b === undefined) return undefined
      const view = b.subarray(Math.min(offset, b.length), Math.min(b.length, offset + length))
      use(view)
      return view.length
    },
    noteMissing: () => 3
  }
}
