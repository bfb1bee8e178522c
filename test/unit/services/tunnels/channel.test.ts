import { describe, expect, it } from 'vitest'
import { duplexPair } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { CELL_BYTES, decodeLinkCell, encodeLinkCell, LinkCommand, type LinkCell } from '../../../../src/node/services/tunnels/cell.js'
import { BATCH_CELLS, Channel, CREATES_PER_SECOND, type ChannelEvents } from '../../../../src/node/services/tunnels/channel.js'
import { TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'

const peer = makeContact(randomBytes(32), { address: '127.0.0.1', port: 1 })
const tick = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve)) }

function harness (opener: boolean, maxCircuits = 4): { channel: Channel, wire: ReturnType<typeof duplexPair>[1], drops: string[], creates: LinkCell[], received: Buffer[] } {
  const [mine, wire] = duplexPair()
  const drops: string[] = []
  const creates: LinkCell[] = []
  const received: Buffer[] = []
  wire.on('data', (b: Buffer) => { received.push(b) })
  const events: ChannelEvents = {
    onCreate: (_ch, cell) => { creates.push(cell) },
    onDrop: (r) => { drops.push(r) },
    onClosed: () => {}
  }
  return { channel: new Channel(mine, peer, opener, events, maxCircuits), wire, drops, creates, received }
}

describe('Channel', () => {
  it('frames cells split and joined across chunks', async () => {
    const h = harness(true)
    const got: LinkCell[] = []
    const id = h.channel.allocate({ onCell: (c) => { got.push(c) }, onChannelClosed: () => {} })
    const cells = [0, 1, 2].map(i => encodeLinkCell({ circuitId: id, command: LinkCommand.relay, body: Buffer.alloc(10, i) }))
    const all = Buffer.concat(cells)
    h.wire.write(all.subarray(0, 700))
    h.wire.write(all.subarray(700, 2100))
    h.wire.write(all.subarray(2100))
    await tick()
    expect(got.map(c => c.body[0])).toEqual([0, 1, 2])
    expect(h.drops).toEqual([])
  })

  it('sends cells in order across batch buffers, as one write per event-loop turn', async () => {
    const h = harness(true)
    const id = h.channel.allocate({ onCell: () => {}, onChannelClosed: () => {} })
    // Past two whole batches, mixing copied bodies and bodies filled in place.
    const n = 2 * BATCH_CELLS + 5
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) h.channel.send({ circuitId: id, command: LinkCommand.relay, body: Buffer.alloc(8, i & 0xff) })
      else h.channel.sendWith(id, LinkCommand.relay, (body) => { body.fill(i & 0xff) })
    }
    expect(h.channel.backlog).toBe(n * CELL_BYTES)
    await tick()
    const wire = Buffer.concat(h.received)
    expect(wire.length).toBe(n * CELL_BYTES)
    for (let i = 0; i < n; i++) {
      const c = decodeLinkCell(wire.subarray(i * CELL_BYTES, (i + 1) * CELL_BYTES))
      expect(c.circuitId).toBe(id)
      expect(c.body[0]).toBe(i & 0xff)
      if (i % 2 === 1) expect(c.body.every(b => b === (i & 0xff))).toBe(true)
    }
    // A few cells later (a partial batch handed over as a view, the rest of the batch filled
    // after it): still in order, nothing stale, and what left first is not written over.
    h.received.length = 0
    for (let i = 0; i < 3; i++) h.channel.sendWith(id, LinkCommand.relay, (body) => { body.fill(0xa0 + i) })
    await tick()
    const first = Buffer.from(Buffer.concat(h.received))
    const firstViews = [...h.received]
    for (let i = 0; i < 3; i++) h.channel.sendWith(id, LinkCommand.relay, (body) => { body.fill(0xb0 + i) })
    await tick()
    const later = Buffer.concat(h.received)
    expect(later.length).toBe(6 * CELL_BYTES)
    expect([0, 1, 2, 3, 4, 5].map(i => later[i * CELL_BYTES + 5])).toEqual([0xa0, 0xa1, 0xa2, 0xb0, 0xb1, 0xb2])
    expect(Buffer.concat(firstViews).equals(first)).toBe(true)
    expect(h.channel.backlog).toBe(0)
  })

  it('takes back a cell whose body filler throws: no half-written cell leaves', async () => {
    const h = harness(true)
    const id = h.channel.allocate({ onCell: () => {}, onChannelClosed: () => {} })
    h.channel.sendWith(id, LinkCommand.relay, (body) => { body.fill(1) })
    expect(() => h.channel.sendWith(id, LinkCommand.relay, (body) => { body.fill(0xee, 0, 100); throw new Error('sealing failed') })).toThrow('sealing failed')
    expect(() => h.channel.send({ circuitId: id, command: LinkCommand.relay, body: Buffer.alloc(CELL_BYTES) })).toThrow(expect.objectContaining({ code: TunnelErrorCode.INVALID_ARGUMENT }))
    h.channel.sendWith(id, LinkCommand.relay, (body) => { body.fill(2) })
    expect(h.channel.cellsOut).toBe(2)
    await tick()
    const wire = Buffer.concat(h.received)
    expect(wire.length).toBe(2 * CELL_BYTES)
    expect(wire.includes(0xee)).toBe(false)
    expect([wire[5], wire[CELL_BYTES + 5]]).toEqual([1, 2])
  })

  it('frames a cell split one byte at a time, and cells handed over while a tail is pending', async () => {
    const h = harness(true)
    const got: Buffer[] = []
    const id = h.channel.allocate({ onCell: (c) => { got.push(c.body) }, onChannelClosed: () => {} })
    const cells = [0, 1, 2, 3].map(i => encodeLinkCell({ circuitId: id, command: LinkCommand.relay, body: randomBytes(CELL_BYTES - 5) }))
    const all = Buffer.concat(cells)
    for (let i = 0; i < CELL_BYTES + 3; i++) h.wire.write(all.subarray(i, i + 1))
    h.wire.write(all.subarray(CELL_BYTES + 3))
    await tick()
    expect(got.length).toBe(4)
    // Bodies handed to circuits stay intact after later chunks arrive (no shared buffer is reused under them).
    for (let i = 0; i < 4; i++) expect(got[i].equals(cells[i].subarray(5))).toBe(true)
  })

  it('drops and counts malformed, unknown-circuit and wrong-side cells without throwing', async () => {
    const h = harness(true)
    const bad = randomBytes(CELL_BYTES)
    bad[4] = 200 // unknown command
    h.wire.write(bad)
    h.wire.write(encodeLinkCell({ circuitId: 77, command: LinkCommand.relay, body: Buffer.alloc(0) }))
    // The opener allocates ids: a CREATE from the other side is refused.
    h.wire.write(encodeLinkCell({ circuitId: 5, command: LinkCommand.create, body: Buffer.alloc(0) }))
    h.wire.write(encodeLinkCell({ circuitId: 0, command: LinkCommand.padding, body: Buffer.alloc(0) }))
    await tick()
    expect(h.drops).toEqual(['malformed', 'unknown-circuit', 'create-wrong-side'])
    expect(h.creates).toHaveLength(0)
    expect(h.channel.closed).toBe(false)
  })

  it('bounds circuits per channel on both sides', async () => {
    const opener = harness(true, 2)
    opener.channel.allocate({ onCell: () => {}, onChannelClosed: () => {} })
    opener.channel.allocate({ onCell: () => {}, onChannelClosed: () => {} })
    expect(() => opener.channel.allocate({ onCell: () => {}, onChannelClosed: () => {} })).toThrow(expect.objectContaining({ code: TunnelErrorCode.LIMIT }))

    const answerer = harness(false, 1)
    answerer.wire.write(encodeLinkCell({ circuitId: 1, command: LinkCommand.create, body: Buffer.alloc(0) }))
    await tick()
    expect(answerer.creates).toHaveLength(1)
    answerer.channel.attach(1, { onCell: () => {}, onChannelClosed: () => {} })
    answerer.wire.write(encodeLinkCell({ circuitId: 2, command: LinkCommand.create, body: Buffer.alloc(0) }))
    await tick()
    expect(answerer.creates).toHaveLength(1)
    expect(answerer.drops).toEqual(['circuit-limit'])
    // The refused CREATE is answered with DESTROY (reason limit) so the other side stops waiting.
    const out = Buffer.concat(answerer.received)
    expect(out.length).toBe(CELL_BYTES)
    expect(out.readUInt32LE(0)).toBe(2)
    expect(out[4]).toBe(LinkCommand.destroy)
  })

  it('tells every circuit when the stream closes', async () => {
    const h = harness(true)
    let closed = 0
    h.channel.allocate({ onCell: () => {}, onChannelClosed: () => { closed++ } })
    h.channel.allocate({ onCell: () => {}, onChannelClosed: () => { closed++ } })
    h.wire.end()
    await tick()
    expect(closed).toBe(2)
    expect(h.channel.closed).toBe(true)
  })

  it('refuses CREATEs past the per-neighbour rate', async () => {
    const h = harness(false, 10_000)
    const creates = Array.from({ length: 3 * CREATES_PER_SECOND }, (_, i) => encodeLinkCell({ circuitId: i + 1, command: LinkCommand.create, body: Buffer.alloc(0) }))
    h.wire.write(Buffer.concat(creates))
    await tick()
    expect(h.creates.length).toBeGreaterThanOrEqual(2 * CREATES_PER_SECOND)
    expect(h.creates.length).toBeLessThan(2 * CREATES_PER_SECOND + 5)
    expect(h.drops.filter(d => d === 'create-rate').length).toBe(3 * CREATES_PER_SECOND - h.creates.length)
  })
})
