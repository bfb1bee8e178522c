import { afterEach, describe, expect, it } from 'vitest'
import { MemoryNetwork } from '../../../src/node/transport/memory.js'
import { makeNode, type TestNode } from '../../helpers/link-testnet.js'

let nodes: TestNode[] = []
afterEach(async () => {
  for (const n of nodes) { await n.link.close(); await n.transport.close() }
  nodes = []
})

describe('a stream the peer resets as it accepts it', () => {
  it('reaches the opener destroyed, without an unheard error ending the process', async () => {
    // The reset rides in the accept's datagram, so the stream is destroyed before the opener's
    // code (after its await) can listen for 'error'. Found with the relay server, which refuses a
    // client over its limits this way; any peer could do it to any node opening a stream.
    const network = new MemoryNetwork()
    const a = makeNode(network.createTransport())
    const b = makeNode(network.createTransport())
    nodes = [a, b]
    b.link.registerService('refuse', { onStream: (_peer, stream) => { stream.destroy() } })
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown): void => { uncaught.push(err) }
    process.on('uncaughtException', onUncaught)
    try {
      const stream = await a.link.openStream(b.contact, 'refuse')
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(stream.destroyed).toBe(true)
      expect(stream.writable).toBe(false)
    } finally {
      process.off('uncaughtException', onUncaught)
    }
    expect(uncaught).toEqual([])
  })
})
