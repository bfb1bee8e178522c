/**
 * Real Tornet nodes on the namespace test network: a public bootstrap node, a node behind an
 * endpoint-independent NAT and one behind a symmetric NAT, each `tornet start` in its own process
 * and namespace, driven with curl inside the namespaces as a user would; two more behind their own
 * NATs (one of each kind) as the far sides of fetches between NATted nodes, punched or relayed.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateIdentity, type Identity } from '../../src/node/identity/identity.js'
import { NetnsNetwork, type NetnsHost } from '../helpers/netns/netns-network.js'
import { describeNetns } from '../helpers/netns/netns-support.js'
import { makeNetnsDataDir, runTornet, TornetHost } from '../helpers/netns/tornet-host.js'

describeNetns('Tornet nodes behind NATs (namespace network)', { needsBuild: true }, () => {
  let net: NetnsNetwork
  let boot: TornetHost, boot2: TornetHost, eim: TornetHost, sym: TornetHost, eim2: TornetHost, sym2: TornetHost
  let eHost: NetnsHost
  const ids: Identity[] = []
  const work = mkdtempSync(join(tmpdir(), 'tornet-netns-work-'))

  beforeAll(async () => {
    net = await NetnsNetwork.create()
    const pub = await net.addPublicHost('boot')
    const r1 = await net.addRouter('reim', 'endpoint-independent')
    const r2 = await net.addRouter('rsym', 'symmetric')
    eHost = await net.addPrivateHost(r1, 'e')
    const sHost = await net.addPrivateHost(r2, 's')
    // A second home behind its own endpoint-independent NAT: the far side of the punched fetch.
    const r3 = await net.addRouter('reim2', 'endpoint-independent')
    const fHost = await net.addPrivateHost(r3, 'f')
    // A second home behind its own symmetric NAT: the far side of the relayed fetch.
    const r4 = await net.addRouter('rsym2', 'symmetric')
    const s2Host = await net.addPrivateHost(r4, 's2')
    // A second public node: the reach check needs two unrelated peers to report the address they
    // see, and a NATted node keeps introducers only once reach has answered.
    const pub2 = await net.addPublicHost('boot2')
    for (let i = 0; i < 6; i++) ids.push(generateIdentity())
    boot = await TornetHost.start(net, pub, { identity: ids[0], bootstrap: [] })
    boot2 = await TornetHost.start(net, pub2, { identity: ids[4], bootstrap: [boot.endpoint] })
    const both = [boot.endpoint, boot2.endpoint]
    ;[eim, sym, eim2, sym2] = await Promise.all([
      TornetHost.start(net, eHost, { identity: ids[1], bootstrap: both }),
      TornetHost.start(net, sHost, { identity: ids[2], bootstrap: both }),
      TornetHost.start(net, fHost, { identity: ids[3], bootstrap: both }),
      TornetHost.start(net, s2Host, { identity: ids[5], bootstrap: both })
    ])
  })

  afterAll(async () => {
    await Promise.all([boot, boot2, eim, sym, eim2, sym2].map(async n => await n?.stop()))
    await net?.close()
    rmSync(work, { recursive: true, force: true })
  })

  it('the nodes behind either NAT join through the public bootstrap node', () => {
    expect(boot.log).toContain('Running as the first node of a network')
    expect(eim.log).toMatch(/joined: 2 bootstrap peer\(s\) answered, [1-9]\d* contact\(s\) known/)
    expect(sym.log).toMatch(/joined: 2 bootstrap peer\(s\) answered, [1-9]\d* contact\(s\) known/)
  })

  it('nodes behind either NAT fetch what the public node published, byte for byte', async () => {
    const data = randomBytes(300_000)
    const ref = await boot.publish({ 'index.html': '<h1>public</h1>', 'data.bin': data })
    for (const node of [eim, sym]) {
      const got = await node.fetch(`http://${ref}.tor-net/data.bin`)
      expect(got.status, `${node.host.name}:\n${node.log}`).toBe(200)
      expect(got.body.equals(data)).toBe(true)
      const page = await node.fetch(`http://${ref}.tor-net/`)
      expect(page.body.toString()).toBe('<h1>public</h1>')
    }
  }, 300_000)

  it('`tornet publish` behind a NAT leaves copies on reachable nodes: the node behind the other NAT and the public node fetch them', async () => {
    // A one-shot command on the NATted host, as its user would run it (its own data directory: the
    // running node holds its store). It asks the nodes near each chunk to cache a copy, and only
    // the public node can take one (nobody can open a session to the other NATted node); caching
    // is granted to a requester of at least the holder's rank.
    let me: Identity
    do me = generateIdentity(); while (me.rank < Math.max(...ids.map(i => i.rank)))
    const dir = makeNetnsDataDir({ identity: me, bootstrap: [boot.endpoint] })
    const site = join(work, 'site')
    mkdirSync(site)
    const data = randomBytes(200_000)
    writeFileSync(join(site, 'from-behind-nat.bin'), data)
    try {
      const r = await runTornet(net, eHost, dir, ['publish', site, '--replicas', '1', '--wait', '30s'])
      expect(r.code, r.out + r.err).toBe(0)
      expect(r.err).toMatch(/replicated: all \d+ chunks are held by at least 1 other node/)
      const url = r.out.split('\n').find(l => /^http:\/\/\S+\.tor-net\/$/.test(l))
      expect(url, r.out).toBeDefined()
      for (const node of [sym, boot]) {
        const got = await node.fetch(`${url as string}from-behind-nat.bin`)
        expect(got.status, `${node.host.name}:\n${node.log}`).toBe(200)
        expect(got.body.equals(data)).toBe(true)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)

  it('the public node fetches what only a NATted node holds, over the session that node opened to it', async () => {
    // Published from the running nodes (the dashboard form does not ask others to cache). The
    // provider record names the private address each node sees on its own interface, which the
    // public node cannot reach; it gets the content anyway because the link reuses a peer's open
    // session by node id, and each NATted node keeps one to its bootstrap node (the mapping it
    // made answers that peer, whatever the kind of NAT).
    const fromE = await eim.publish({ 'e.txt': 'held behind the endpoint-independent NAT' })
    const fromS = await sym.publish({ 's.txt': 'held behind the symmetric NAT' })
    const e = await boot.fetch(`http://${fromE}.tor-net/e.txt`)
    expect(e.status, boot.log).toBe(200)
    expect(e.body.toString()).toBe('held behind the endpoint-independent NAT')
    const s = await boot.fetch(`http://${fromS}.tor-net/s.txt`)
    expect(s.status, boot.log).toBe(200)
    expect(s.body.toString()).toBe('held behind the symmetric NAT')
  }, 300_000)

  it('a node behind one endpoint-independent NAT fetches what only a node behind another one holds', async () => {
    // The holder's provider record names its introducers (the public node it keeps a session to);
    // a fetcher whose direct handshake to the record's private address fails punches through them
    // (LinkServiceNetwork; shown alone over memory NATs in test/unit/services/punch). Measured
    // here (two full runs of this file): it also passed with that fallback switched off — most
    // likely the two nodes' DHT upkeep opens a session between them first (each pinging the
    // other's public mapping learnt from the bootstrap nodes, by chance a simultaneous open; not
    // verified) — so this shows the end result only, not that the fallback was taken.
    // Introducers are kept once reach has an answer that is not "public"; records signed before
    // that carry none (they are re-signed when the introducers change, at the next announcement).
    await eim.waitForOutput(/reachability: (behind a NAT|unreachable)/, 120_000)
    const data = randomBytes(100_000)
    const ref = await eim.publish({ 'e2.bin': data })
    const got = await eim2.fetch(`http://${ref}.tor-net/e2.bin`)
    expect(got.status, `fetcher:\n${eim2.log}\nholder:\n${eim.log}`).toBe(200)
    expect(got.body.equals(data)).toBe(true)
  }, 300_000)

  it('a node behind a symmetric NAT fetches what only a node behind another symmetric NAT holds, relayed by a public node', async () => {
    // Punching cannot work here: each NAT maps every peer to another port, so the endpoint an
    // introducer sees is not the one the other side's packets would reach. The holder, once its
    // reach check says so, keeps a relay stream to each of its introducers (the public nodes: its
    // only open sessions) and names them in its provider records; the fetcher's LinkServiceNetwork
    // tries the record's endpoint, skips punching (its own NAT is symmetric too) or sees it fail,
    // and dials the holder through an introducer acting as relay. The chunk requests then run on
    // the relayed link, end to end encrypted (the relay's view is checked in netns-punch.test.ts).
    await Promise.all([sym2, sym].map(async n => await n.waitForOutput(/reachability: unreachable/, 120_000)))
    const before = await relayedBytes([boot, boot2])
    const data = randomBytes(300_000)
    const ref = await sym2.publish({ 'relayed.bin': data })
    const got = await sym.fetch(`http://${ref}.tor-net/relayed.bin`, 120)
    expect(got.status, `fetcher:\n${sym.log}\nholder:\n${sym2.log}`).toBe(200)
    expect(got.body.equals(data)).toBe(true)
    // The bytes went through a relay: the public nodes' traffic of kind "relay" (the relay
    // streams, on their dashboards) grew by more than the file.
    const after = await relayedBytes([boot, boot2])
    expect(after - before).toBeGreaterThan(data.length)
  }, 300_000)
})

/** The bytes of kind "relay" (in + out) the nodes' dashboards show, added up (to the dashboard's rounding). */
async function relayedBytes (nodes: TornetHost[]): Promise<number> {
  let sum = 0
  for (const n of nodes) sum += relayRow(await n.dashboard())
  return sum
}

const UNIT: Record<string, number> = { B: 1, KB: 1024, KiB: 1024, MB: 1024 ** 2, MiB: 1024 ** 2, GB: 1024 ** 3, GiB: 1024 ** 3 }

/** In + out of the traffic panel's "relay" row (0 without one). */
function relayRow (page: string): number {
  const m = /<td>relay<\/td><td class="num in">([\d.]+) (\w+)<\/td><td class="num out">([\d.]+) (\w+)<\/td>/.exec(page)
  if (m === null) return 0
  const bytes = (v: string, u: string): number => Number(v) * (UNIT[u] ?? NaN)
  return bytes(m[1], m[2]) + bytes(m[3], m[4])
}
