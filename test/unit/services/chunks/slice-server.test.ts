import { describe, expect, it } from 'vitest'
import { SLICE_BYTES } from '../../../../src/node/services/chunks/chunk-format.js'
import { RefuseReason, encodeStreamFrame } from '../../../../src/node/services/chunks/messages.js'
import type { SliceServerStore } from '../../../../src/node/services/chunks/slice-server.js'
import { fakeChunk } from './chunk-testnet.js'
import { memoryStore, serve } from './slice-server-kit.js'

const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

describe('slice server', () => {
  const c = fakeChunk(1, 150_000)

  it('answers a run of slices in order, framed in one write', async () => {
    const s = serve(memoryStore([c]))
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 3 })
    await tick()
    expect(s.writes.length).toBe(1)
    const got = s.frames()
    expect(got.map(f => f.type === 'slice' ? f.index : -1)).toEqual([0, 1, 2])
    expect(Buffer.concat(got.map(f => f.type === 'slice' ? f.bytes : Buffer.alloc(0))).equals(c.bytes)).toBe(true)
    expect(s.slices).toEqual([SLICE_BYTES, SLICE_BYTES, 150_000 - 2 * SLICE_BYTES])
  })

  it('sends what exists of a run that goes past the chunk, then refuses the rest', async () => {
    const s = serve(memoryStore([c]))
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 2, count: 2 })
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 5, count: 1 })
    await tick()
    expect(s.frames()).toEqual([
      { type: 'slice', index: 2, bytes: c.bytes.subarray(2 * SLICE_BYTES) },
      { type: 'sliceRefused', reason: RefuseReason.badRange },
      { type: 'sliceRefused', reason: RefuseReason.badRange }
    ])
  })

  it('answers requests that continue each other with one store read, refusing each that reaches past the end', async () => {
    const store = memoryStore([c])
    let reads = 0
    const counting: SliceServerStore = { ...store, withRange: (id, offset, length, use) => { reads++; return store.withRange(id, offset, length, use) } }
    const s = serve(counting)
    // Queued together (one 'data' event): 0, 1 and then 2..4, of which only 2 exists.
    s.raw.push(Buffer.concat([
      encodeStreamFrame({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 1 }),
      encodeStreamFrame({ type: 'sliceRequest', chunkId: c.id, first: 1, count: 1 }),
      encodeStreamFrame({ type: 'sliceRequest', chunkId: c.id, first: 2, count: 2 }),
      encodeStreamFrame({ type: 'sliceRequest', chunkId: c.id, first: 4, count: 1 })
    ]))
    await tick()
    expect(reads).toBe(1)
    expect(s.frames()).toEqual([
      { type: 'slice', index: 0, bytes: c.bytes.subarray(0, SLICE_BYTES) },
      { type: 'slice', index: 1, bytes: c.bytes.subarray(SLICE_BYTES, 2 * SLICE_BYTES) },
      { type: 'slice', index: 2, bytes: c.bytes.subarray(2 * SLICE_BYTES) },
      { type: 'sliceRefused', reason: RefuseReason.badRange },
      { type: 'sliceRefused', reason: RefuseReason.badRange }
    ])
    // A request that does not continue the run is a read of its own.
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 2 })
    await tick()
    expect(reads).toBe(2)
  })

  it('answers a chunk it lacks with SLICE_NOT_FOUND, and drops a stream that sends garbage', async () => {
    const s = serve(memoryStore([]))
    s.ask({ type: 'sliceRequest', chunkId: c.id, first: 0, count: 1 })
    await tick()
    expect(s.frames()).toEqual([{ type: 'sliceNotFound', count: 3 }])
    s.raw.push(encodeStreamFrame({ type: 'sliceNotFound', count: 1 })) // not a request
    await tick()
    expect(s.malformed()).toBe(1)
    expect(s.raw.destroyed).toBe(true)
  })
})
