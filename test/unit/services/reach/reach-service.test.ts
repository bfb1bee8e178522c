import { afterEach, describe, expect, it } from 'vitest'
import { endpointKey, type Endpoint } from '../../../../src/node/types.js'
import type { MemoryNetwork } from '../../../../src/node/transport/memory.js'
import { createReachService, type OtherPortSender, type ReachService } from '../../../../src/node/services/reach/index.js'
import { registerDialBackServer } from '../../../../src/node/services/reach/dial-back-server.js'
import { encodeLinkPacket, PacketType } from '../../../../src/node/wire/link-packets.js'
import { decodeReachMessage, DialBackResult, encodeReachMessage, REACH_SERVICE } from '../../../../src/node/wire/reach-messages.js'
import { memoryTestnet, type TestNode, type Testnet } from '../../../helpers/link-testnet.js'

let net: (Testnet & { network: MemoryNetwork }) | undefined
afterEach(async () => { await net?.close(); net = undefined })

/** A dial-back leaves from a fresh port on the sender's own host, as udpOtherPortSender does. */
function otherPort (network: MemoryNetwork, host: string): OtherPortSender {
  let next = 40_000
  return async (datagram, to) => {
    const t = network.createTransport({ address: host, port: next++ })
    t.send(datagram, to)
    await t.close()
  }
}

function reachOn (network: MemoryNetwork, node: TestNode, peers: TestNode[]): ReachService {
  return createReachService({ link: node.link, sendFromOtherPort: otherPort(network, node.transport.local.address), candidates: () => peers.map(p => p.contact) })
}

describe('reachability over the memory network', () => {
  it('each responder tells its initiator the endpoint it sees, in IK_RESP and after XX_FIN alike', async () => {
    const t = net = memoryTestnet(3)
    const [a, b, c] = t.nodes
    for (const n of [b, c]) n.link.registerService('echo', { onRequest: async () => Buffer.from('ok') })
    await a.link.request(b.contact, 'echo', Buffer.alloc(1)) // IK
    await a.link.request(c.endpointOnly, 'echo', Buffer.alloc(1)) // XX
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.link.observed.list()).toEqual([{ endpoint: a.transport.local, hosts: 2, lastSeen: expect.any(Number) }])
    // Responders learn nothing: only the side that opened a session is told.
    expect(b.link.observed.list()).toEqual([])
  })

  it('dial-backs from two hosts arrive: public', async () => {
    const t = net = memoryTestnet(3)
    const [a, b, c] = t.nodes
    const reach = reachOn(t.network, a, [b, c])
    reachOn(t.network, b, [])
    reachOn(t.network, c, [])
    const r = await reach.check({ waitMs: 50 })
    expect(r).toMatchObject({ status: 'public', dialedBack: 2, asked: 2, address: a.transport.local })
  })

  it('behind a filter that only lets in endpoints it sent to: not public, but the one mapping two hosts see', async () => {
    const t = net = memoryTestnet(3)
    const [a, b, c] = t.nodes
    const sentTo = new Set<string>()
    const aKey = endpointKey(a.transport.local)
    t.network.tap = (_d, from: Endpoint, to: Endpoint) => {
      if (endpointKey(from) === aKey) { sentTo.add(endpointKey(to)); return true }
      return endpointKey(to) !== aKey || sentTo.has(endpointKey(from))
    }
    const reach = reachOn(t.network, a, [b, c])
    reachOn(t.network, b, [])
    reachOn(t.network, c, [])
    const r = await reach.check({ waitMs: 50 })
    expect(r).toMatchObject({ status: 'nat-keeps-mapping', dialedBack: 0, asked: 2, reportingHosts: 2 })
    expect(a.link.stats.dropped['unexpected-dial-back']).toBeUndefined()
  })

  it('the dial-back server answers one request per host per interval, and only to the session\'s own endpoint', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    const sent: Endpoint[] = []
    let clock = 1000
    registerDialBackServer({ link: b.link, sendFromOtherPort: async (_d, to) => { sent.push(to) }, now: () => clock, intervalMs: 5000 })
    const ask = async (): Promise<unknown> => decodeReachMessage(await a.link.request(b.contact, REACH_SERVICE, encodeReachMessage({ type: 'dial-back-request', nonce: Buffer.alloc(16, 1) })))
    expect(await ask()).toEqual({ type: 'dial-back-answer', result: DialBackResult.SENT })
    clock += 4999
    expect(await ask()).toEqual({ type: 'dial-back-answer', result: DialBackResult.TOO_SOON })
    clock += 1
    expect(await ask()).toEqual({ type: 'dial-back-answer', result: DialBackResult.SENT })
    expect(sent).toEqual([a.transport.local, a.transport.local])
    await expect(a.link.request(b.contact, REACH_SERVICE, Buffer.from([0x01, 0x02]))).rejects.toMatchObject({ code: expect.stringMatching(/MALFORMED/) })
    expect(sent).toHaveLength(2)
  })

  it('a DIAL_BACK nobody asked for is dropped and counted, and changes nothing', async () => {
    const t = net = memoryTestnet(2)
    const [a] = t.nodes
    reachOn(t.network, a, []) // waiting for no nonce
    const stranger = t.network.createTransport({ address: '10.9.9.9', port: 1 })
    stranger.send(encodeLinkPacket({ type: PacketType.DIAL_BACK, nonce: Buffer.alloc(16, 9) }), a.transport.local)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.link.stats.dropped['unexpected-dial-back']).toBe(1)
    await stranger.close()
  })
})
