/**
 * The namespace test network itself (test/helpers/netns): hosts behind each kind of NAT send real
 * UDP to public hosts, which see the router's address and the mapping it made; replies come back,
 * unsolicited traffic does not, a LAN neighbour cannot loop through the router's public address,
 * and nothing of the network is left once it is closed. Runs as root with iproute2 and nftables.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NetnsNetwork, type NatRouter, type NetnsHost } from '../helpers/netns/netns-network.js'
import { listNamespaces } from '../helpers/netns/netns-names.js'
import { describeNetns } from '../helpers/netns/netns-support.js'
import { UdpAgent } from '../helpers/netns/udp-agent.js'
import { runCommand } from '../helpers/netns/run-command.js'

const LISTEN = 4000
const INSIDE = 5555
/** How long a datagram that must not arrive is waited for (on veths, one arrives in well under 1 ms). */
const QUIET_MS = 300

describeNetns('namespace test network: NAT kinds', {}, () => {
  let net: NetnsNetwork
  let pa: NetnsHost, pb: NetnsHost, pc: NetnsHost
  let eim: NatRouter, sym: NatRouter
  let e1: NetnsHost, e2: NetnsHost, s1: NetnsHost
  const agents: UdpAgent[] = []
  let a: UdpAgent, b: UdpAgent, c: UdpAgent

  async function agent (host: NetnsHost, port: number): Promise<UdpAgent> {
    const x = await UdpAgent.start(net, host, port)
    agents.push(x)
    return x
  }

  beforeAll(async () => {
    net = await NetnsNetwork.create()
    pa = await net.addPublicHost('pa')
    pb = await net.addPublicHost('pb')
    pc = await net.addPublicHost('pc')
    eim = await net.addRouter('reim', 'endpoint-independent')
    sym = await net.addRouter('rsym', 'symmetric')
    e1 = await net.addPrivateHost(eim, 'e1')
    e2 = await net.addPrivateHost(eim, 'e2')
    s1 = await net.addPrivateHost(sym, 's1')
    a = await agent(pa, LISTEN)
    b = await agent(pb, LISTEN)
    c = await agent(pc, LISTEN)
  })

  afterAll(async () => {
    await Promise.all(agents.map(async x => await x.close()))
    await net?.close()
  })

  it('gives only 198.18.0.0/15 addresses and no route out of it', async () => {
    for (const h of [pa, pb, pc, e1, e2, s1]) expect(h.address).toMatch(/^198\.1[89]\./)
    for (const r of [eim, sym]) expect(r.publicAddress).toMatch(/^198\.18\.0\./)
    const routes = await net.exec(e1, 'ip', ['-4', 'route', 'get', '203.0.113.1']).catch((err: Error) => err.message)
    // e1's default route leads to its router, and the router has none at all.
    expect(routes).toContain(`via ${eim.lanPrefix}.1`)
    const fromRouter = await runCommand('ip', ['-n', eim.ns, '-4', 'route', 'get', '203.0.113.1']).catch((err: Error) => err.message)
    expect(fromRouter).toMatch(/unreachable/i)
  })

  it('endpoint-independent NAT: the router\'s address, one mapping toward two destinations, the inside port kept', async () => {
    const inside = await agent(e1, INSIDE)
    expect(await inside.send(pa.address, LISTEN, 'eim-to-a')).toBeUndefined()
    expect(await inside.send(pb.address, LISTEN, 'eim-to-b')).toBeUndefined()
    const atA = await a.waitFor('eim-to-a', 5000)
    const atB = await b.waitFor('eim-to-b', 5000)
    expect(atA).toEqual({ from: eim.publicAddress, port: INSIDE, text: 'eim-to-a' })
    expect(atB).toEqual({ from: eim.publicAddress, port: INSIDE, text: 'eim-to-b' })
  })

  it('symmetric NAT: the router\'s address, a different port toward each destination', async () => {
    const inside = await agent(s1, INSIDE)
    await inside.send(pa.address, LISTEN, 'sym-to-a')
    await inside.send(pb.address, LISTEN, 'sym-to-b')
    const atA = await a.waitFor('sym-to-a', 5000)
    const atB = await b.waitFor('sym-to-b', 5000)
    expect(atA?.from).toBe(sym.publicAddress)
    expect(atB?.from).toBe(sym.publicAddress)
    expect(atA?.port).not.toBe(atB?.port)

    // The mapping made toward A answers A, and nobody else.
    await b.send(sym.publicAddress, atA?.port as number, 'b-on-a-mapping')
    await a.send(sym.publicAddress, atA?.port as number, 'a-replies')
    expect(await inside.waitFor('a-replies', 5000)).toMatchObject({ from: pa.address, port: LISTEN })
    expect(await inside.waitFor('b-on-a-mapping', QUIET_MS)).toBeUndefined()
  })

  it('replies come in; unsolicited datagrams and datagrams to private addresses do not', async () => {
    const inside = agents.find(x => x.host === e1) as UdpAgent
    // C never heard from e1: its datagram to e1's mapping is dropped (the filtering is
    // address-and-port dependent, like conntrack's), and so is one to a port never mapped.
    const idle = await agent(e1, INSIDE + 1)
    await c.send(eim.publicAddress, INSIDE, 'c-unsolicited')
    await c.send(eim.publicAddress, INSIDE + 1, 'c-unmapped')
    // The public side has no route to a LAN at all.
    expect(await c.send(e1.address, INSIDE, 'c-direct')).toMatch(/^E[A-Z]+/)
    await a.send(eim.publicAddress, INSIDE, 'a-reply')
    expect(await inside.waitFor('a-reply', 5000)).toMatchObject({ from: pa.address, port: LISTEN })
    expect(await inside.waitFor('c-unsolicited', QUIET_MS)).toBeUndefined()
    expect(await idle.waitFor('c-unmapped', QUIET_MS)).toBeUndefined()
    expect(inside.received.map(d => d.text)).not.toContain('c-direct')
  })

  it('no hairpinning: a LAN neighbour reaches e1 directly, not through the router\'s public address', async () => {
    const inside = agents.find(x => x.host === e1) as UdpAgent
    const neighbour = await agent(e2, INSIDE)
    await neighbour.send(eim.publicAddress, INSIDE, 'hairpin')
    await neighbour.send(e1.address, INSIDE, 'on-the-lan')
    expect(await inside.waitFor('on-the-lan', 5000)).toMatchObject({ from: e2.address, port: INSIDE })
    expect(await inside.waitFor('hairpin', QUIET_MS)).toBeUndefined()
  })
})

describeNetns('namespace test network: cleanup', {}, () => {
  it('close() removes every namespace it made, and a new network sweeps those of a dead test process', async () => {
    // A pid that no longer runs: a finished child's.
    const deadPid = spawnSync('true').pid as number
    const stale = `tn${deadPid}-stale`
    await runCommand('ip', ['netns', 'add', stale])
    await runCommand('ip', ['-n', stale, 'link', 'add', 'br0', 'type', 'bridge'])

    const net = await NetnsNetwork.create()
    let made: string[] = []
    try {
      expect(await listNamespaces()).not.toContain(stale)
      const r = await net.addRouter('r', 'symmetric')
      await net.addPrivateHost(r, 'h')
      await net.addPublicHost('p')
      made = net.namespaceNames
      expect(made).toHaveLength(4)
      const now = await listNamespaces()
      for (const ns of made) expect(now).toContain(ns)
    } finally {
      await net.close()
    }
    const after = await listNamespaces()
    for (const ns of made) expect(after).not.toContain(ns)
    expect(after.filter(ns => ns.startsWith(`tn${process.pid}-`))).toEqual([])
  })
})
