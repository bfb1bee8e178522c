import type { Contact } from '../../routing/contact.js'
import { type ChunkDescriptor, sliceBounds, verifySlice } from './chunk-format.js'
import { type SliceStream, SliceStreamError } from './slice-stream.js'

/**
 * One chunk, fetched slice by slice from up to `maxParallel` providers at
 * once, each over its own stream (kept from an earlier download when one is
 * idle, see `streams`) with up to `pipelineDepth` slices asked for, topped
 * up half a pipeline at a time with one request per run of consecutive
 * slices (fast peers take more slices: load balances itself). Every slice is
 * checked against the descriptor the moment it arrives, in the place it
 * takes in the chunk.
 *
 * A worker (one peer) ends when the queue is empty ('done': the peer may be
 * used again if slices come back), or on the first failure; its unanswered
 * slices go back to the queue and another peer takes them:
 *   bad        a slice that contradicts the descriptor, a slice out of order,
 *              a malformed stream
 *   slow       nothing for `sliceTimeoutMs` while slices were asked for
 *   closed     the stream ended or broke; unreachable: it never opened
 *   missing    SLICE_NOT_FOUND (the peer no longer has it); refused: busy
 *
 * Who is to blame for a bad slice depends on whose descriptor it is. A
 * descriptor from the caller is trusted: the sender lied, `onLiar` hears it
 * at once. A descriptor from a peer is not: if that same peer's slice
 * contradicts its own descriptor it lied either way (outcome
 * 'descriptor-lied'); any other peer only becomes a suspect, and the caller
 * settles it with the final id check.
 */
export interface SliceDownloadOptions {
  descriptor: ChunkDescriptor
  /** The peer the descriptor came from; undefined when the caller vouches for it. */
  descriptorFrom?: Contact
  /** Providers in preference order (banned ones already left out). */
  providers: Contact[]
  /** Opens (or hands over a kept) stream per peer, and takes it back when the worker ends. */
  streams: SliceStreamSource
  maxParallel: number
  pipelineDepth: number
  sliceTimeoutMs: number
  signal?: AbortSignal
  /** Still allowed at the moment a peer would be (re)used (bans made by other downloads count). */
  usable?: (peer: Contact) => boolean
  /** A peer sent data that contradicts a trusted descriptor. */
  onLiar?: (peer: Contact, why: string) => void
  onSlice?: (index: number, bytes: number, from: Contact) => void
  /** Where the chunk is assembled (a pooled buffer that can go to a worker as it is); default a new buffer. */
  allocate?: (length: number) => Buffer
}

/** Where workers get their streams (chunk-downloader.ts pools them across downloads). */
export interface SliceStreamSource {
  /** A stream to `peer`: an idle one kept from an earlier download (`reused`), or a new one. */
  acquire: (peer: Contact, signal: AbortSignal) => Promise<{ stream: SliceStream, reused: boolean }>
  /** Hands a stream back; `clean` when the worker ended with every slice it asked for received. */
  release: (peer: Contact, stream: SliceStream, clean: boolean) => void
}

export type WorkerEnd = 'done' | 'bad' | 'slow' | 'closed' | 'unreachable' | 'missing' | 'refused' | 'aborted'

export interface SliceDownloadCounts {
  /** How many workers ended which way. */
  ends: Record<WorkerEnd, number>
  /** Bytes of verified slices. */
  bytes: number
  /** Providers that refused because this node is past its credit line with them (SLICE_OWED). */
  owed: Array<{ peer: Contact, owedCredit: number, sats: number, uri: string }>
}

export type SliceDownloadOutcome =
  | { ok: true, bytes: Buffer, servedBy: Contact[], suspects: Contact[], counts: SliceDownloadCounts }
  | { ok: false, reason: 'exhausted' | 'descriptor-lied', suspects: Contact[], counts: SliceDownloadCounts }

/** `retry`: the failure was a kept stream's, not the peer's (it closed while idle): ask the peer again. */
interface Ended { peer: Contact, end: WorkerEnd, why: string, retry?: boolean }

export async function downloadSlices (o: SliceDownloadOptions): Promise<SliceDownloadOutcome> {
  return await new SliceDownload(o).run()
}

class SliceDownload {
  private readonly d: ChunkDescriptor
  private readonly out: Buffer
  private readonly servedBy: Array<Contact | undefined>
  private readonly queue: number[] = []
  private remaining: number
  private readonly candidates: Contact[]
  private readonly suspects = new Map<string, Contact>()
  private readonly inner = new AbortController()
  private readonly counts: SliceDownloadCounts = {
    ends: { done: 0, bad: 0, slow: 0, closed: 0, unreachable: 0, missing: 0, refused: 0, aborted: 0 },
    bytes: 0,
    owed: []
  }

  private sourceLied = false

  constructor (private readonly o: SliceDownloadOptions) {
    this.d = o.descriptor
    this.out = o.allocate?.(this.d.length) ?? Buffer.allocUnsafe(this.d.length)
    this.servedBy = new Array(this.d.slices.length).fill(undefined)
    for (let i = 0; i < this.d.slices.length; i++) this.queue.push(i)
    this.remaining = this.d.slices.length
    const seen = new Set<string>()
    this.candidates = o.providers.filter(p => {
      const hex = p.id.toString('hex')
      if (seen.has(hex)) return false
      seen.add(hex)
      return true
    })
  }

  async run (): Promise<SliceDownloadOutcome> {
    const outer = this.o.signal
    const onAbort = (): void => { this.inner.abort(outer?.reason) }
    outer?.addEventListener('abort', onAbort, { once: true })
    const active = new Map<Promise<Ended>, Contact>()
    // One abort promise for the whole run (one listener), never left unhandled.
    const stop = aborted(this.inner.signal)
    stop.catch(() => {})
    try {
      while (this.remaining > 0 && !this.sourceLied) {
        outer?.throwIfAborted()
        // Enough workers for the queue, but no more than one per `pipelineDepth` queued slices.
        const want = Math.min(this.o.maxParallel, active.size + Math.ceil(this.queue.length / this.o.pipelineDepth))
        while (active.size < want) {
          const peer = this.nextCandidate()
          if (peer === undefined) break
          active.set(this.work(peer), peer)
        }
        if (active.size === 0) break // nobody left to ask
        const ended = await Promise.race([...active.keys(), stop])
        for (const [p, peer] of active) if (peer === ended.peer) active.delete(p)
        this.settle(ended)
      }
      outer?.throwIfAborted()
    } finally {
      outer?.removeEventListener('abort', onAbort)
      this.inner.abort() // stops workers still waiting (they put their slices back; nothing reads them)
    }
    const suspects = [...this.suspects.values()]
    if (this.sourceLied) return { ok: false, reason: 'descriptor-lied', suspects, counts: this.counts }
    if (this.remaining > 0) return { ok: false, reason: 'exhausted', suspects, counts: this.counts }
    return { ok: true, bytes: this.out, servedBy: this.servedBy as Contact[], suspects, counts: this.counts }
  }

  private nextCandidate (): Contact | undefined {
    while (this.candidates.length > 0) {
      const p = this.candidates.shift() as Contact
      if (this.o.usable === undefined || this.o.usable(p)) return p
    }
    return undefined
  }

  private settle (e: Ended): void {
    this.counts.ends[e.end]++
    if (e.end === 'done' || e.retry === true) this.candidates.unshift(e.peer) // good peer: first in line if slices come back
  }

  private blame (peer: Contact, why: string): void {
    const from = this.o.descriptorFrom
    if (from === undefined) {
      this.o.onLiar?.(peer, why)
    } else if (from.id.equals(peer.id)) {
      this.sourceLied = true
    } else {
      this.suspects.set(peer.id.toString('hex'), peer)
    }
  }

  /** Tops `outstanding` up to the pipeline depth from the queue; returns the slices added. */
  private fill (outstanding: number[]): number[] {
    const added: number[] = []
    while (outstanding.length < this.o.pipelineDepth) {
      const i = this.queue.shift()
      if (i === undefined) break
      outstanding.push(i)
      added.push(i)
    }
    return added
  }

  private putBack (indexes: number[]): void {
    for (const i of indexes) if (this.servedBy[i] === undefined) this.queue.push(i)
    this.queue.sort((a, b) => a - b)
  }

  private async work (peer: Contact): Promise<Ended> {
    const signal = this.inner.signal
    const outstanding: number[] = []
    let s: SliceStream | undefined
    let reused = false
    let received = 0
    let ended: WorkerEnd | undefined
    const end = (kind: WorkerEnd, why: string): Ended => {
      ended = kind
      return { peer, end: kind, why, retry: kind === 'closed' && reused && received === 0 }
    }
    // Claim a first batch before the stream opens: the first peer to answer must not take
    // every slice before the others have even connected.
    this.fill(outstanding)
    try {
      try {
        ({ stream: s, reused } = await openWithin(this.o.streams.acquire(peer, signal), this.o.sliceTimeoutMs,
          (late) => { this.o.streams.release(peer, late.stream, false) }))
      } catch (err) {
        return end(err instanceof SliceStreamError ? 'slow' : signal.aborted ? 'aborted' : 'unreachable', String(err))
      }
      requestRuns(s, this.d.id, outstanding)
      for (;;) {
        // Top up once half the pipeline is answered, not after every slice: the slices of one
        // request go out back to back and share packets, where one slice per request ends
        // each in a short packet of its own (about one packet in five, at loopback MTU).
        if (outstanding.length <= this.o.pipelineDepth / 2) requestRuns(s, this.d.id, this.fill(outstanding))
        if (outstanding.length === 0) return end('done', 'queue empty')
        const f = await s.next(this.o.sliceTimeoutMs, signal)
        received++
        if (f.type === 'slice') {
          const want = outstanding[0]
          if (f.index !== want) {
            this.blame(peer, `slice ${f.index} sent when ${want} was due`)
            return end('bad', 'out of order')
          }
          // The slot is this worker's alone until the slice is accepted or put back, so the bytes
          // go straight to their place in the chunk and are checked there (one copy, no join).
          const { start, end: stop } = sliceBounds(this.d.length, want)
          if (f.length !== stop - start) {
            this.blame(peer, `slice ${want} has ${f.length} bytes, not ${stop - start}`)
            return end('bad', `slice ${want} length`)
          }
          let at = start
          for (const p of f.pieces) { p.copy(this.out, at); at += p.length }
          if (!verifySlice(this.d, want, this.out.subarray(start, stop))) {
            this.blame(peer, `slice ${want} does not match its hash`)
            return end('bad', `slice ${want} mismatch`)
          }
          outstanding.shift()
          this.servedBy[want] = peer
          this.remaining--
          this.counts.bytes += f.length
          this.o.onSlice?.(want, f.length, peer)
        } else if (f.type === 'sliceNotFound') {
          return end('missing', `not found (${f.count})`)
        } else if (f.type === 'sliceOwed') {
          if (this.counts.owed.length < 16) this.counts.owed.push({ peer, owedCredit: f.owedCredit, sats: f.sats, uri: f.uri })
          return end('refused', `past the credit line (${f.sats} sats)`)
        } else {
          return end('refused', `refused (${f.type === 'sliceRefused' ? f.reason : 0})`)
        }
      }
    } catch (err) {
      if (err instanceof SliceStreamError) {
        if (err.failure === 'malformed') {
          this.blame(peer, 'malformed stream')
          return end('bad', err.message)
        }
        return end(err.failure === 'aborted' ? 'aborted' : err.failure, err.message)
      }
      return end('closed', String(err))
    } finally {
      this.putBack(outstanding)
      if (s !== undefined) this.o.streams.release(peer, s, ended === 'done')
    }
  }
}

/** One request per run of consecutive slice indexes (`indexes` ascending). */
function requestRuns (s: SliceStream, id: Buffer, indexes: number[]): void {
  for (let i = 0; i < indexes.length;) {
    let n = 1
    while (i + n < indexes.length && indexes[i + n] === indexes[i] + n) n++
    s.request(id, indexes[i], n)
    i += n
  }
}

async function aborted (signal: AbortSignal): Promise<never> {
  return await new Promise<never>((_resolve, reject) => {
    if (signal.aborted) { reject(signal.reason); return }
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

/** The stream, or SliceStreamError('slow') after `ms`; a stream that opens later is disposed of at once. */
async function openWithin<T> (open: Promise<T>, ms: number, dispose: (late: T) => void): Promise<T> {
  let late = false
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { late = true; reject(new SliceStreamError('slow', `no stream within ${ms} ms`)) }, ms)
  })
  open.then((s) => { if (late) dispose(s) }, () => {})
  try {
    return await Promise.race([open, deadline])
  } finally {
    clearTimeout(timer)
  }
}
