import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { natRuleset, type NatKind } from './nat-rules.js'
import { namespacePrefix, sweepStaleNamespaces } from './netns-names.js'
import { runCommand } from './run-command.js'

/**
 * A multi-host test network in Linux network namespaces:
 *
 *   internet   one namespace holding a bridge (br0): the public network 198.18.0.0/24
 *   public     a host on it: eth0 198.18.0.N/24, no default route
 *   router     wan0 198.18.0.N/24 on the internet, a LAN bridge lan0 198.19.L.1/24, forwarding,
 *              and the NAT ruleset of its kind (nat-rules.ts)
 *   private    a host on a router's LAN: eth0 198.19.L.H/24, default route via the router
 *
 * Addresses come only from the benchmarking range 198.18.0.0/15 (RFC 2544), and no namespace has
 * a route out of it, so nothing is ever sent beyond the namespaces made here. Every veth pair is
 * created with both ends already inside namespaces (`ip -n A link add … peer … netns B`), so the
 * host's own namespace never sees an interface, and deleting the namespaces removes everything.
 * close() does that (and stops the processes started in them); a process exit does it too, and the
 * next network sweeps leftovers of runs whose process died (netns-names.ts).
 */
export interface NetnsHost {
  name: string
  /** The namespace the host's processes run in. */
  ns: string
  /** Its own address (private for a host behind a router). */
  address: string
  /** The router it sits behind; undefined for a public host. */
  router?: NatRouter
}

export interface NatRouter {
  name: string
  ns: string
  kind: NatKind
  /** The public address its LAN hosts are seen from. */
  publicAddress: string
  /** Its LAN, as "198.19.L". */
  lanPrefix: string
  hosts: number
}

const NAME = /^[a-z][a-z0-9]{0,7}$/
const PUBLIC_PREFIX = '198.18.0'

export class NetnsNetwork {
  private readonly prefix = namespacePrefix()
  private readonly namespaces: string[] = []
  private readonly children = new Set<ChildProcess>()
  private readonly internet: string
  private nextPublic = 2
  private nextLan = 1
  private closed = false
  private readonly onExit = (): void => { this.removeNow() }

  private constructor () {
    this.internet = `${this.prefix}internet`
  }

  /** The internet namespace with its bridge, after sweeping what crashed runs left behind. */
  static async create (): Promise<NetnsNetwork> {
    await sweepStaleNamespaces()
    const net = new NetnsNetwork()
    process.once('exit', net.onExit)
    try {
      await net.addNamespace(net.internet)
      await net.ip(net.internet, 'link', 'add', 'br0', 'type', 'bridge')
      await net.ip(net.internet, 'link', 'set', 'br0', 'up')
    } catch (err) {
      await net.close()
      throw err
    }
    return net
  }

  /** Names of the namespaces this network made (all start with `tn<pid>-`). */
  get namespaceNames (): string[] {
    return [...this.namespaces]
  }

  async addPublicHost (name: string): Promise<NetnsHost> {
    const ns = await this.namespaceFor(name)
    const address = this.publicAddress()
    await this.plugIntoInternet(ns, 'eth0', name, address)
    return { name, ns, address }
  }

  async addRouter (name: string, kind: NatKind): Promise<NatRouter> {
    const ns = await this.namespaceFor(name)
    const publicAddress = this.publicAddress()
    if (this.nextLan > 254) throw new Error('no LAN left in 198.19.0.0/16')
    const lanPrefix = `198.19.${this.nextLan++}`
    await this.plugIntoInternet(ns, 'wan0', name, publicAddress)
    await this.ip(ns, 'link', 'add', 'lan0', 'type', 'bridge')
    await this.ip(ns, 'addr', 'add', `${lanPrefix}.1/24`, 'dev', 'lan0')
    await this.ip(ns, 'link', 'set', 'lan0', 'up')
    await runCommand('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])
    // Where br_netfilter is loaded, frames switched between two LAN hosts would pass the router's
    // forward chain (and be dropped); a home router's LAN switch does not filter. Without the
    // module the setting does not exist, and there is nothing to turn off.
    await runCommand('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0']).catch(() => undefined)
    await runCommand('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: natRuleset(kind, 'wan0', 'lan0') })
    return { name, ns, kind, publicAddress, lanPrefix, hosts: 0 }
  }

  async addPrivateHost (router: NatRouter, name: string): Promise<NetnsHost> {
    if (router.hosts >= 250) throw new Error(`no address left on ${router.name}'s LAN`)
    const ns = await this.namespaceFor(name)
    const address = `${router.lanPrefix}.${2 + router.hosts++}`
    const port = `h-${name}`
    await this.ip(ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', router.ns)
    await this.ip(router.ns, 'link', 'set', port, 'master', 'lan0', 'up')
    await this.ip(ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0')
    await this.ip(ns, 'link', 'set', 'eth0', 'up')
    await this.ip(ns, 'route', 'add', 'default', 'via', `${router.lanPrefix}.1`)
    return { name, ns, address, router }
  }

  /** Runs a command in the host's namespace to completion; its stdout. */
  async exec (host: NetnsHost, command: string, args: string[], opts: { timeoutMs?: number, input?: string } = {}): Promise<string> {
    return await runCommand('ip', ['netns', 'exec', host.ns, command, ...args], opts)
  }

  /**
   * Starts a long-running process in the host's namespace (`ip netns exec` execs it, so the child
   * is that process); close() stops it if the test did not.
   */
  spawn (host: NetnsHost, command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    if (this.closed) throw new Error('the namespace network is closed')
    const child = spawn('ip', ['netns', 'exec', host.ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    return child
  }

  /** Stops the processes started here, then deletes every namespace (with its veths and nft tables). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.all([...this.children].map(async (c) => await stopChild(c)))
    for (const ns of this.namespaces.splice(0).reverse()) {
      await runCommand('ip', ['netns', 'del', ns]).catch(() => undefined)
    }
    process.removeListener('exit', this.onExit)
  }

  /** The synchronous last resort when the test process exits without close(). */
  private removeNow (): void {
    for (const c of this.children) c.kill('SIGKILL')
    for (const ns of this.namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
  }

  private async namespaceFor (name: string): Promise<string> {
    if (!NAME.test(name)) throw new Error(`host name "${name}" must be 1-8 lowercase letters or digits, starting with a letter`)
    const ns = `${this.prefix}${name}`
    if (this.namespaces.includes(ns)) throw new Error(`there is already a host named "${name}"`)
    await this.addNamespace(ns)
    return ns
  }

  private async addNamespace (ns: string): Promise<void> {
    if (this.closed) throw new Error('the namespace network is closed')
    await runCommand('ip', ['netns', 'add', ns])
    this.namespaces.push(ns)
    await this.ip(ns, 'link', 'set', 'lo', 'up')
  }

  private publicAddress (): string {
    if (this.nextPublic > 254) throw new Error(`no address left in ${PUBLIC_PREFIX}.0/24`)
    return `${PUBLIC_PREFIX}.${this.nextPublic++}`
  }

  /** A veth pair from `ns` (as `dev`) to a port of the internet bridge, with the public address. */
  private async plugIntoInternet (ns: string, dev: string, name: string, address: string): Promise<void> {
    const port = `p-${name}`
    await this.ip(ns, 'link', 'add', dev, 'type', 'veth', 'peer', 'name', port, 'netns', this.internet)
    await this.ip(this.internet, 'link', 'set', port, 'master', 'br0', 'up')
    await this.ip(ns, 'addr', 'add', `${address}/24`, 'dev', dev)
    await this.ip(ns, 'link', 'set', dev, 'up')
  }

  private async ip (ns: string, ...args: string[]): Promise<void> {
    await runCommand('ip', ['-n', ns, ...args])
  }
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
