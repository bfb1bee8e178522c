import { afterEach, describe, expect, test } from 'vitest'
import type { MemoryNetwork } from '../../../src/node/transport/memory.js'
import { PacketType } from '../../../src/node/wire/link-packets.js'
import { makeNode, memoryTestnet, type Testnet } from '../../helpers/link-testnet.js'

let net: Testnet | undefined
afterEach(async () => { await net?.close(); net = undefined })

const echo = { onRequest: async (_p: unknown, x: Buffer) => x }

async function until (cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** Drops the first datagram of `type` on the network. */
function dropFirst (t: Testnet & { network: MemoryNetwork }, type: number): { dropped: () => number } {
  let n = 0
  t.network.tap = (d) => {
    if (d[1] === type && n === 0) { n++; return false }
    return undefined
  }
  return { dropped: () => n }
}

describe('handshake packet loss', () => {
  test.each([
    ['IK_INIT', PacketType.IK_INIT, 'contact'],
    ['IK_RESP', PacketType.IK_RESP, 'contact'],
    ['XX_INIT', PacketType.XX_INIT, 'endpointOnly'],
    ['XX_RESP', PacketType.XX_RESP, 'endpointOnly'],
    ['XX_FIN', PacketType.XX_FIN, 'endpointOnly']
  ] as const)('a lost %s is retransmitted and the request runs once', async (_n, type, addr) => {
    const t = net = memoryTestnet(2, { node: { limits: { handshakeRetryMs: 50 } } })
    const [a, b] = t.nodes
    let runs = 0
    b.link.registerService('count', { onRequest: async () => { runs++; return Buffer.from([runs]) } })
    const d = dropFirst(t, type)
    const r = await a.link.request(b[addr], 'count', Buffer.alloc(1), { timeoutMs: 3000, retries: 3 })
    expect(d.dropped()).toBe(1)
    expect(r[0]).toBe(1)
    expect(runs).toBe(1)
  })
})

describe('0-RTT answers that do not fit the handshake', () => {
  test('a slow handler: IK_RESP goes out without the answer, which follows once the initiator confirms', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('slow', { onRequest: async (_p, x) => { await new Promise(resolve => setTimeout(resolve, 80)); return x } })
    expect((await a.link.request(b.contact, 'slow', Buffer.from('late'))).toString()).toBe('late')
  })

  test('a large answer to a small 0-RTT request arrives after validation', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    b.link.registerService('big', { onRequest: async () => Buffer.alloc(5000, 3) })
    const types: number[] = []
    t.network.tap = (d, from) => { if (from.address === b.transport.local.address) types.push(d[1]) }
    expect(await a.link.request(b.contact, 'big', Buffer.from('q'))).toEqual(Buffer.alloc(5000, 3))
    expect(types[0]).toBe(PacketType.IK_RESP)
  })
})

describe('session lifecycle', () => {
  test('two nodes opening to each other at the same time both succeed', async () => {
    const t = net = memoryTestnet(2)
    const [a, b] = t.nodes
    a.link.registerService('echo', echo)
    b.link.registerService('echo', echo)
    const [x, y] = await Promise.all([a.link.request(b.contact, 'echo', Buffer.from('ab')), b.link.request(a.contact, 'echo', Buffer.from('ba'))])
    expect([x.toString(), y.toString()]).toEqual(['ab', 'ba'])
    expect(a.link.sessions().length).toBe(1)
  })

  test('an idle session is closed after the idle timeout; the next request reconnects', async () => {
    const t = net = memoryTestnet(2, { node: { limits: { idleTimeoutMs: 100, tickMs: 20 } } })
    const [a, b] = t.nodes
    b.link.registerService('echo', echo)
    const gone: string[] = []
    a.link.on('peer-disconnected', p => gone.push(p.idHex))
    await a.link.request(b.contact, 'echo', Buffer.from('1'))
    await until(() => gone.length === 1)
    expect(a.link.sessions()).toEqual([])
    expect((await a.link.request(b.contact, 'echo', Buffer.from('2'))).toString()).toBe('2')
  })

  test('a silent peer is declared dead; a peer that restarted (lost its keys) is reached again', async () => {
    const t = net = memoryTestnet(0, { node: { limits: { deadPeerMs: 150, keepaliveMs: 50, tickMs: 20 } } })
    const a = await t.add()
    const bTransport = t.network.createTransport()
    const b1 = makeNode(bTransport)
    b1.link.registerService('echo', echo)
    await a.link.request(b1.contact, 'echo', Buffer.from('1'))
    // b restarts: same identity, same endpoint, no session state.
    await b1.link.close()
    await bTransport.close()
    const b2 = makeNode(t.network.createTransport(bTransport.local), { identity: b1.identity })
    t.nodes.push(b2)
    b2.link.registerService('echo', echo)
    // The first request goes to the dead session and times out; that drops the session...
    await expect(a.link.request(b1.contact, 'echo', Buffer.from('2'), { timeoutMs: 200 })).rejects.toMatchObject({ code: 'LINK_TIMEOUT' })
    // ...and the next one handshakes afresh.
    expect((await a.link.request(b1.contact, 'echo', Buffer.from('3'))).toString()).toBe('3')
    // A peer that vanishes while we wait for it is declared dead (keepalives unanswered) before the request's own deadline.
    const c = await t.add()
    c.link.registerService('echo', echo)
    const gone = new Promise<Error | undefined>((resolve) => a.link.on('peer-disconnected', (p, err) => { if (p.idHex === c.identity.id.toString('hex')) resolve(err) }))
    await a.link.request(c.contact, 'echo', Buffer.from('4'))
    await c.transport.close()
    const pending = a.link.request(c.contact, 'echo', Buffer.from('5'), { timeoutMs: 20_000 })
    expect(await gone).toMatchObject({ code: 'LINK_TIMEOUT' })
    await expect(pending).rejects.toMatchObject({ code: 'LINK_TIMEOUT', message: expect.stringMatching(/no packet from the peer/) })
  })

  test('a handshaking session to an endpoint is not reused by a caller expecting another node there', async () => {
    const t = net = memoryTestnet(3)
    const [a, b, c] = t.nodes
    b.link.registerService('echo', echo)
    const anyone = a.link.request(b.endpointOnly, 'echo', Buffer.from('x'))
    const wrong = a.link.request({ endpoint: b.transport.local, id: c.identity.id }, 'echo', Buffer.from('y'))
    await expect(wrong).rejects.toMatchObject({ code: 'LINK_WRONG_PEER' })
    expect((await anyone).toString()).toBe('x')
  })
})
