import type { Duplex } from 'node:stream'
import type { ServiceRequestContext } from '../service-network.js'
import type { ServeGate } from './serve-gate.js'
import { type SliceServerStore, refuseSliceStream, serveSliceStream } from './slice-server.js'

/** What serving slice streams counts. */
export interface ServeCounters {
  slicesServed: number
  bytesServed: number
  streamsServed: number
  streamsRefused: number
  malformedStreams: number
}

export interface ServedStreamsOptions {
  store: SliceServerStore
  /** False while the service is stopped: streams are refused then. */
  running: () => boolean
  /** Slice streams served at once. Default 64. */
  maxStreams?: number
  /** Slice requests that may wait per stream. Default 32. */
  maxQueued?: number
  /** A served stream with no traffic for this long is dropped. Default 30 s. */
  idleMs?: number
  counters: ServeCounters
  /** Credit lines, priority and charges (the accounting layer); absent: free and first come. */
  gate?: ServeGate
  /** The bandwidth sold (slice-server.ts `pace`); absent: no limit. */
  pace?: (bytes: number) => number
  /** Slice bytes of a chunk served (the publisher's access counts, served-counts.ts). */
  onServed?: (chunkId: Buffer, bytes: number) => void
}

/** The slice streams peers opened to this node: bounded in number, all dropped on stop. */
export class ServedStreams {
  private readonly open = new Set<Duplex>()

  constructor (private readonly o: ServedStreamsOptions) {}

  /** Serves a stream a peer opened (slice-server.ts), or refuses it when busy or stopped. */
  readonly accept = (stream: Duplex, ctx?: ServiceRequestContext): void => {
    const { counters } = this.o
    if (!this.o.running() || this.open.size >= (this.o.maxStreams ?? 64)) {
      counters.streamsRefused++
      refuseSliceStream(stream)
      return
    }
    this.open.add(stream)
    counters.streamsServed++
    serveSliceStream(stream, {
      store: this.o.store,
      maxQueued: this.o.maxQueued ?? 32,
      idleMs: this.o.idleMs ?? 30_000,
      onSlice: (n, chunkId) => { counters.slicesServed++; counters.bytesServed += n; this.o.onServed?.(chunkId, n) },
      pace: this.o.pace,
      onMalformed: () => { counters.malformedStreams++ },
      onClose: () => { this.open.delete(stream) },
      gate: ctx === undefined ? undefined : this.o.gate?.forPeer(ctx.from, stream)
    })
  }

  destroyAll (): void {
    for (const s of this.open) s.destroy()
    this.open.clear()
  }
}
