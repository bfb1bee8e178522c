import { describe, expect, it } from 'vitest'
import { duplexPair } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { makeContact } from '../../../../src/node/routing/contact.js'
import { CELL_BYTES, encodeLinkCell, LinkCommand, type LinkCell } from '../../../../src/node/services/tunnels/cell.js'
import { Channel, CREATES_PER_SECOND, type ChannelEvents } from '../../../../src/node/services/tunnels/channel.js'
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
