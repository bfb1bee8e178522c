/**
 * Port mapping on the namespace test network (issue 18 item 3): a real miniupnpd (the Debian
 * package, nftables backend) runs on a NAT router; `tornet start` behind it, with nat.portMapping
 * on, finds it (UPnP-IGD by SSDP, else NAT-PMP), maps its UDP port, and advertises the router's
 * address. Then a node on a public host it never talked to joins through that address —
 * unsolicited inbound traffic, which the same NAT drops without the mapping (netns-nat and
 * netns-reachability show that) — and the reachability check calls the node public. Stopping the
 * node removes the mapping from the router.
 */
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packageRoot } from '../../src/cli/serve/package-root.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { Miniupnpd, startStunServer } from '../helpers/netns/miniupnpd.js'
import { NetnsNetwork, type NatRouter, type NetnsHost } from '../helpers/netns/netns-network.js'
import { describeNetns } from '../helpers/netns/netns-support.js'
import { makeNetnsDataDir, NODE_PORT, runTornet, TornetHost } from '../helpers/netns/tornet-host.js'

const WITHIN_MS = 60_000

describeNetns('port mapping with a real miniupnpd (namespace network)', { needsBuild: true, needs: [Miniupnpd.missing()] }, () => {
  let net: NetnsNetwork
  let router: NatRouter
  let upnpd: Miniupnpd
  let cold: NetnsHost
  let pmpHost: NetnsHost
  const nodes: TornetHost[] = []
  let boot: TornetHost, pub2: TornetHost, home: TornetHost

  beforeAll(async () => {
    net = await NetnsNetwork.create()
    const h1 = await net.addPublicHost('boot')
    const h2 = await net.addPublicHost('pub2')
    const stunHost = await net.addPublicHost('stun')
    cold = await net.addPublicHost('cold')
    router = await net.addRouter('rupnp', 'endpoint-independent')
    const h = await net.addPrivateHost(router, 'home')
    pmpHost = await net.addPrivateHost(router, 'pmp')
    upnpd = await Miniupnpd.start(net, router, await startStunServer(net, stunHost))
    boot = await TornetHost.start(net, h1, { identity: generateIdentity(), bootstrap: [] })
    nodes.push(boot)
    pub2 = await TornetHost.start(net, h2, { identity: generateIdentity(), bootstrap: [boot.endpoint] })
    nodes.push(pub2)
    home = await TornetHost.start(net, h, { identity: generateIdentity(), bootstrap: [boot.endpoint, pub2.endpoint], portMapping: true })
    nodes.push(home)
  })

  afterAll(async () => {
    if (process.env.NETNS_SHOW === '1') {
      console.log("MINIUPNPD LOG\n" + upnpd?.log)
      for (const n of nodes) console.log(n.host.name, n.log)
    }
    await Promise.all(nodes.map(async n => await n.stop()))
    await upnpd?.stop()
    await net?.close()
  })

  it('the node behind the router maps its UDP port through miniupnpd and advertises the router\'s address', async () => {
    // miniupnpd offers both; UPnP-IGD is asked first.
    const m = await home.waitForOutput(/port mapping: UDP (\S+):(\d+) → (\S+):(\d+) via (UPnP-IGD|NAT-PMP) at (\S+)/, WITHIN_MS)
    expect(m[5]).toBe('UPnP-IGD')
    expect(m[1]).toBe(router.publicAddress)
    expect(Number(m[2])).toBe(NODE_PORT)
    expect(m[3]).toBe(home.host.address)
    expect(m[6]).toBe(`${router.lanPrefix}.1`)
    await home.waitForOutput(new RegExp(`port mapping: peers are told ${router.publicAddress.replace(/\./g, '\\.')}:${NODE_PORT}`), 5000)
    // The router really forwards: miniupnpd's DNAT rule sends the port to the node.
    expect(await upnpd.mappingRules()).toMatch(new RegExp(`th dport ${NODE_PORT} dnat ip to ${home.host.address.replace(/\./g, '\\.')}:${NODE_PORT}`))
  })

  it('a node on a public host the home node never talked to joins through the mapped address', async () => {
    await home.waitForOutput(/port mapping: UDP /, WITHIN_MS)
    const dir = makeNetnsDataDir({ identity: generateIdentity(), bootstrap: [`${router.publicAddress}:${NODE_PORT}`] })
    try {
      const r = await runTornet(net, cold, dir, ['peers', '--limit', '0'])
      expect(r.code, r.err).toBe(0)
      const homeId = /node ([0-9a-f]{16})…/.exec(home.log)?.[1]
      expect(homeId).toBeDefined()
      // The home node answered the join (it is in the table, at the router's address, with a round trip).
      expect(r.out).toMatch(new RegExp(`${homeId}\\s+${router.publicAddress.replace(/\./g, '\\.')}:${NODE_PORT}\\s+\\d+\\s+[\\d.]+ ms`))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the reachability check calls the home node public: peers reached it from ports it never sent to', async () => {
    const m = await home.waitForOutput(/reachability: public at (\S+):(\d+)/, WITHIN_MS)
    expect(m[1]).toBe(router.publicAddress)
    // A check that started before the mapping may have said "behind a NAT"; the mapping triggers a
    // new one, and from then on the answer is public.
    const lines = home.log.split('\n')
    const mappedAt = lines.findIndex(l => l.startsWith('port mapping: UDP '))
    const reach = lines.map((l, i) => ({ l, i })).filter(x => x.l.startsWith('reachability: '))
    expect(reach.at(-1)?.l).toMatch(/^reachability: public at /)
    expect(reach.at(-1)?.i).toBeGreaterThan(mappedAt)
    expect(home.log).not.toMatch(/reachability: unreachable/)
  })

  it('stopping the node removes the mapping from the router', async () => {
    await home.stop()
    expect(home.log).toMatch(new RegExp(`port mapping: removed UDP ${router.publicAddress.replace(/\./g, '\\.')}:${NODE_PORT}`))
    expect(await upnpd.mappingRules()).not.toMatch(/dnat/)
  })

  it('NAT-PMP on its own (the mapper with only that finder, on another LAN host): maps, and removes on stop', async () => {
    const PORT = 9200
    const child = net.spawn(pmpHost, process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '../helpers/netns/port-mapper-child.mjs'),
      join(packageRoot(), 'dist', 'src', 'node', 'services', 'reach'), String(PORT), 'NAT-PMP'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
    const until = async (pattern: RegExp): Promise<void> => {
      for (let waited = 0; !pattern.test(output); waited += 50) {
        if (waited > 20_000) throw new Error(`the NAT-PMP mapper did not print ${pattern}:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await until(/"mapped"/)
    expect(output).toContain(`{"mapped":"${router.publicAddress}:${PORT}","via":"NAT-PMP"}`)
    expect(await upnpd.mappingRules()).toContain(`th dport ${PORT} dnat ip to ${pmpHost.address}:${PORT}`)
    child.stdin?.write('stop\n')
    await until(/"stopped"/)
    expect(output).toContain(`port mapping: removed UDP ${router.publicAddress}:${PORT} from the NAT-PMP gateway at ${router.lanPrefix}.1`)
    expect(await upnpd.mappingRules()).not.toContain(`dport ${PORT}`)
  })
})
