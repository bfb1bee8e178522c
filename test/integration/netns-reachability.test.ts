/**
 * Reachability on the namespace test network (issue 18 item 2): every session's responder tells the
 * initiator the address it sees, and `tornet start` asks two peers on other hosts to dial it back
 * from another port. Two public nodes learn they are public; the node behind the endpoint-
 * independent NAT learns it is behind a NAT that keeps one mapping (and which); the node behind
 * the symmetric NAT learns it is unreachable.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { NetnsNetwork, type NatRouter } from '../helpers/netns/netns-network.js'
import { describeNetns } from '../helpers/netns/netns-support.js'
import { NODE_PORT, TornetHost } from '../helpers/netns/tornet-host.js'

const WITHIN_MS = 90_000

describeNetns('reachability of real nodes behind NATs (namespace network)', { needsBuild: true }, () => {
  let net: NetnsNetwork
  let r1: NatRouter, r2: NatRouter
  const nodes: TornetHost[] = []
  let boot: TornetHost, pub2: TornetHost, eim: TornetHost, sym: TornetHost

  beforeAll(async () => {
    net = await NetnsNetwork.create()
    const h1 = await net.addPublicHost('boot')
    const h2 = await net.addPublicHost('pub2')
    r1 = await net.addRouter('reim', 'endpoint-independent')
    r2 = await net.addRouter('rsym', 'symmetric')
    const e = await net.addPrivateHost(r1, 'e')
    const s = await net.addPrivateHost(r2, 's')
    boot = await TornetHost.start(net, h1, { identity: generateIdentity(), bootstrap: [] })
    nodes.push(boot)
    pub2 = await TornetHost.start(net, h2, { identity: generateIdentity(), bootstrap: [boot.endpoint] })
    nodes.push(pub2)
    ;[eim, sym] = await Promise.all([
      TornetHost.start(net, e, { identity: generateIdentity(), bootstrap: [boot.endpoint, pub2.endpoint] }),
      TornetHost.start(net, s, { identity: generateIdentity(), bootstrap: [boot.endpoint, pub2.endpoint] })
    ])
    nodes.push(eim, sym)
  })

  afterAll(async () => {
    if (process.env.NETNS_SHOW === '1') for (const n of nodes) console.log(n.host.name, n.log.split('\n').filter(l => l.includes('reachability')).join('\n'))
    await Promise.all(nodes.map(async n => await n.stop()))
    await net?.close()
  })

  it('public nodes learn they are public: peers on two other hosts reached them from ports they never sent to', async () => {
    for (const n of [boot, pub2]) {
      const m = await n.waitForOutput(/reachability: public at (\S+):(\d+)|reachability: public \(/, WITHIN_MS)
      expect(m[0]).toContain('public')
      expect(n.log).not.toMatch(/reachability: (unreachable|behind)/)
    }
  })

  it('the node behind the endpoint-independent NAT learns the one mapping two peers see, and that nobody reaches it unasked', async () => {
    const m = await eim.waitForOutput(/reachability: behind a NAT that keeps one mapping at (\S+):(\d+)/, WITHIN_MS)
    expect(m[1]).toBe(r1.publicAddress)
    expect(Number(m[2])).toBe(NODE_PORT) // Linux's masquerade keeps the inside port when it is free
    expect(eim.log).not.toMatch(/reachability: public/)
    // The dashboard says so too.
    expect(await eim.dashboard()).toContain(`<dt>Reachable</dt><dd>behind a NAT that keeps one mapping at ${r1.publicAddress}:${NODE_PORT}`)
  })

  it('the node behind the symmetric NAT learns it is unreachable (each peer sees another port)', async () => {
    await sym.waitForOutput(/reachability: unreachable: behind a NAT that maps each peer to another port/, WITHIN_MS)
    expect(sym.log).not.toMatch(/reachability: (public|behind)/)
  })
})
