import type { ChildProcess } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NAT_TABLE } from './nat-rules.js'
import { stopChild, type NatRouter, type NetnsHost, type NetnsNetwork } from './netns-network.js'
import { runCommand } from './run-command.js'

/**
 * A real miniupnpd (the Debian package, nftables build) on a namespace router, speaking UPnP-IGD
 * and NAT-PMP/PCP on the router's LAN.
 *
 * Its nftables backend does not create its tables: it adds rules to an `inet` table whose chains
 * must exist (Debian ships nft_init.sh for that). We make them here: a forward chain that lets in
 * only what miniupnpd's chain accepts (besides replies and LAN→WAN), and nat chains jumping to
 * miniupnpd's prerouting/postrouting chains. The router's own NAT table (nat-rules.ts) drops
 * everything unsolicited in its forward chain, so it gets one more rule: a packet miniupnpd's
 * prerouting rule DNAT-ed (`ct status dnat`) passes there, and miniupnpd's table decides.
 *
 * miniupnpd refuses to map when its WAN address is reserved (198.18.0.0/15 is, RFC 2544), unless
 * a STUN check shows the WAN is reachable unfiltered: its four requests ask for answers from the
 * same address, another port, another IP and both (RFC 5780), and it enables port forwarding only
 * if all four arrive. So the test network gets a STUN server on a public host with two addresses
 * (stun-server-child.mjs), and the router's input chain lets that server's answers in (on a home
 * router with a public WAN address nothing upstream filters them).
 */
export interface StunServer {
  host: NetnsHost
  addresses: [string, string]
  port: number
}

const STUN_PORTS = [3478, 3479] as const

export async function startStunServer (net: NetnsNetwork, host: NetnsHost): Promise<StunServer> {
  const second = await net.addPublicAddress(host)
  const child = net.spawn(host, process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'stun-server-child.mjs'), host.address, second, String(STUN_PORTS[0]), String(STUN_PORTS[1])])
  await waitFor(child, () => '', /"ready":true/, 10_000, 'the STUN server')
  return { host, addresses: [host.address, second], port: STUN_PORTS[0] }
}

export const MINIUPNPD_TABLE = 'miniupnpd'

export class Miniupnpd {
  private output = ''

  private constructor (readonly router: NatRouter, private readonly child: ChildProcess, private readonly dir: string) {
    const keep = (d: Buffer): void => { this.output += d.toString() }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
  }

  /** Whether this machine has the nftables build of miniupnpd (the reason when not). */
  static missing (): string | undefined {
    const r = spawnSync('miniupnpd', ['--version'], { encoding: 'utf8', timeout: 10_000 })
    if (r.error !== undefined || r.status === null) return 'miniupnpd is not installed (apt-get install miniupnpd)'
    const text = `${r.stdout}${r.stderr}`
    if (!/nftables/.test(text)) return `miniupnpd is not the nftables build (apt-get install miniupnpd-nftables): ${text.trim()}`
    return undefined
  }

  static async start (net: NetnsNetwork, router: NatRouter, stun: StunServer): Promise<Miniupnpd> {
    const lan = `${router.lanPrefix}.0/24`
    await runCommand('ip', ['netns', 'exec', router.ns, 'nft', '-f', '-'], {
      input: `table inet ${MINIUPNPD_TABLE} {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    jump postrouting_miniupnpd
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
insert rule ip ${NAT_TABLE} forward ct status dnat accept
insert rule ip ${NAT_TABLE} input iifname "wan0" ip saddr { ${stun.addresses.join(', ')} } udp sport { ${STUN_PORTS.join(', ')} } accept
`
    })
    const dir = mkdtempSync(join(tmpdir(), 'tornet-miniupnpd-'))
    const conf = join(dir, 'miniupnpd.conf')
    writeFileSync(conf, [
      'ext_ifname=wan0',
      'listening_ip=lan0',
      'http_port=0',
      'enable_natpmp=yes',
      'enable_upnp=yes',
      'secure_mode=yes',
      'system_uptime=no',
      'notify_interval=30',
      `lease_file=${join(dir, 'leases')}`,
      'uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b',
      'ext_perform_stun=yes',
      `ext_stun_host=${stun.addresses[0]}`,
      `ext_stun_port=${stun.port}`,
      `upnp_table_name=${MINIUPNPD_TABLE}`,
      `upnp_nat_table_name=${MINIUPNPD_TABLE}`,
      'upnp_forward_chain=miniupnpd',
      'upnp_nat_chain=prerouting_miniupnpd',
      'upnp_nat_postrouting_chain=postrouting_miniupnpd',
      // LAN hosts may map their own unprivileged ports; nothing else.
      `allow 1024-65535 ${lan} 1024-65535`,
      'deny 0-65535 0.0.0.0/0 0-65535',
      ''
    ].join('\n'))
    const child = net.spawn({ name: router.name, ns: router.ns, address: `${router.lanPrefix}.1` }, 'miniupnpd', ['-d', '-f', conf, '-P', join(dir, 'pid')])
    const daemon = new Miniupnpd(router, child, dir)
    try {
      await waitFor(child, () => daemon.output, /Port forwarding is now enabled/, 20_000, 'miniupnpd')
    } catch (err) {
      await daemon.stop()
      throw err
    }
    return daemon
  }

  get log (): string {
    return this.output
  }

  /** The rules miniupnpd added for mappings (its DNAT chain), as nft prints them. */
  async mappingRules (): Promise<string> {
    return await runCommand('ip', ['netns', 'exec', this.router.ns, 'nft', 'list', 'chain', 'inet', MINIUPNPD_TABLE, 'prerouting_miniupnpd'])
  }

  async stop (): Promise<void> {
    await stopChild(this.child)
    rmSync(this.dir, { recursive: true, force: true })
  }
}

async function waitFor (child: ChildProcess, text: () => string, pattern: RegExp, ms: number, what: string): Promise<void> {
  let seen = ''
  const keep = (d: Buffer): void => { seen += d.toString() }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const deadline = Date.now() + ms
  try {
    for (;;) {
      if (pattern.test(seen) || pattern.test(text())) return
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${seen}`)
      if (Date.now() > deadline) throw new Error(`${what} did not print ${pattern} within ${ms} ms:\n${seen}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    child.stdout?.off('data', keep)
    child.stderr?.off('data', keep)
  }
}
