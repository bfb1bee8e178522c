/**
 * Hidden services (issue 17), Tor onion-services-v3 shaped. The protocol:
 *
 *  Service key   an ed25519 key pair per service, <dataDir>/hidden/<name>.json (0600, see hs-key-file.ts).
 *  Intro points  the service builds 3 circuits (3 hops; the last hop an intro point picked by rank,
 *                all distinct) and on each sends hs-establish-intro {a fresh per-intro auth key, its
 *                signature over the intro point's id and a timestamp}; the intro point keeps
 *                auth key → that circuit (bounded; a newer establish replaces an older one).
 *  Descriptor    {service key, intro points (id, key, endpoint, auth key), expiry, powBits}, encrypted
 *                with a key only holders of the service key derive (t-crypto's encodeDescriptor), stored
 *                in kv under the service key blinded for the UTC day and signed by the blinded key
 *                (kv putSigned); re-published every 30 min and whenever the intro points or the
 *                proof-of-work requirement change; tomorrow's copy too in the last 2 h before midnight.
 *                NAME.tor-net → hidden-service:<key hex> in the name registry.
 *  Connect       the client fetches and decrypts the descriptor; builds a circuit to a rendezvous point
 *                R of its own choosing and sends hs-establish-rendezvous {20-byte cookie}; builds a
 *                circuit to an intro point and sends hs-introduce {auth key, blob sealed to the service:
 *                R's contact, the cookie, an ntor start against the service key, a PoW nonce}; the intro
 *                point passes it on the service's intro circuit (notify hs-introduce2) and answers the
 *                client; the service checks PoW, its rate limit and replays, answers the ntor handshake,
 *                builds a circuit to R and sends hs-rendezvous1 {cookie, ntor reply}; R joins the two
 *                circuits and notifies the client hs-rendezvous2 {reply}; the client finishes the ntor
 *                handshake, adds the virtual hop, and BEGINs 'hs': the service pipes that stream to its
 *                127.0.0.1:PORT target.
 *  Floods        intro points rate-limit per auth key; the service rate-limits all introductions and,
 *                over the limit, publishes powBits > 0 and drops introductions without the proof;
 *                replayed cookies / ephemeral keys are refused; every malformed request gets a status
 *                byte, never an exception.
 *
 * Every node also plays the relay roles (intro point, rendezvous point) for others.
 */
import type { Duplex } from 'node:stream'
import type { Contact } from '../../../routing/contact.js'
import type { NameTarget } from '../../names/registration.js'
import { TunnelError, TunnelErrorCode } from '../errors.js'
import type { HiddenServiceInfo, HiddenServices } from '../hidden-api.js'
import type { RelayCircuitContext, RelayDirectory, TunnelService } from '../tunnel-api.js'
import type { DescriptorKv } from './descriptor-store.js'
import { type ConnectOptions, HiddenClient } from './hidden-client.js'
import { HiddenHost, type HostLimits } from './hidden-host.js'
import { deleteHiddenKey, loadOrCreateHiddenKey } from './hs-key-file.js'
import { HS_NOTIFY, HS_REQUEST, HS_STREAM } from './hs-messages.js'
import { type IntroPointOptions, createIntroPoint } from './intro-point.js'
import { type RendezvousPointOptions, createRendezvousPoint } from './rendezvous-point.js'

export interface HiddenServicesOptions {
  dataDir: string
  tunnels: TunnelService
  /** Relays to use as intro and rendezvous points (this node excluded here). */
  relays: RelayDirectory
  kv: DescriptorKv
  /** Registers NAME.tor-net; absent → add() never registers. */
  names?: { register: (name: string, target: NameTarget, opts?: { signal?: AbortSignal }) => Promise<unknown> }
  /** This node's id (never its own intro or rendezvous point). */
  selfId: Buffer
  now?: () => number
  log?: (level: 'debug' | 'info' | 'warn', message: string) => void
  host?: HostLimits & { introCount?: number, descriptorTtlMs?: number, republishMs?: number }
  introPoint?: Omit<IntroPointOptions, 'selfId' | 'now'>
  rendezvousPoint?: Omit<RendezvousPointOptions, 'now'>
  rendezvousTimeoutMs?: number
}

export interface HiddenServicesRuntime extends HiddenServices {
  /** This node's intro/rendezvous relay roles, for tests and the dashboard. */
  relayRoles: () => { intros: number, introsPassed: number, introsRefused: number, rendezvousWaiting: number, rendezvousJoined: number }
}

export function createHiddenServices (o: HiddenServicesOptions): HiddenServicesRuntime {
  const now = o.now ?? Date.now
  const log = o.log ?? (() => {})
  const self = o.selfId.toString('hex')
  const candidates = (): Contact[] => o.relays.candidates().filter(c => c.id.toString('hex') !== self && c.publicKey !== undefined)
  const hosts = new Map<string, HiddenHost>()
  const introPoint = createIntroPoint({ ...o.introPoint, selfId: o.selfId, now })
  const rendezvousPoint = createRendezvousPoint({ ...o.rendezvousPoint, now })
  const client = new HiddenClient({ tunnels: o.tunnels, candidates, kv: o.kv, selfId: o.selfId, now, rendezvousTimeoutMs: o.rendezvousTimeoutMs })
  let running = false
  let wired = false

  function checkRunning (): void {
    if (!running) throw new TunnelError(TunnelErrorCode.NOT_RUNNING, 'hidden services are not started (start the node first)')
  }

  function wire (): void {
    if (wired) return
    wired = true
    o.tunnels.handleRequest(HS_REQUEST.establishIntro, introPoint.establish)
    o.tunnels.handleRequest(HS_REQUEST.introduce, introPoint.introduce)
    o.tunnels.handleRequest(HS_REQUEST.establishRendezvous, rendezvousPoint.establish)
    o.tunnels.handleRequest(HS_REQUEST.rendezvous1, rendezvousPoint.rendezvous1)
    o.tunnels.onNotify((circuit, name, payload) => {
      if (!running) return
      if (name === HS_NOTIFY.rendezvous2) { client.onRendezvous2(circuit, payload); return }
      if (name !== HS_NOTIFY.introduce2) return
      for (const h of hosts.values()) if (h.hasIntroCircuit(circuit.info.id)) { h.onIntroduce2(circuit, payload); return }
    })
    o.tunnels.handleStream(HS_STREAM, (stream: Duplex, ctx: RelayCircuitContext) => {
      // Only a stream that came past the virtual hop of one of our own rendezvous circuits is
      // served: the same BEGIN 'hs' from an ordinary circuit ending at this relay must not find
      // out which services this node hosts.
      for (const h of hosts.values()) if (h.hasRendezvous(ctx.id)) { h.serve(stream); return }
      stream.destroy()
    })
  }

  async function add (name: string, target: { host: string, port: number }, opts: { register?: boolean, signal?: AbortSignal } = {}): Promise<HiddenServiceInfo> {
    checkRunning()
    const key = loadOrCreateHiddenKey(o.dataDir, name, target)
    const held = hosts.get(name)
    if (held !== undefined) {
      if (held.key.publicKey.equals(key.publicKey) && held.key.target.port === key.target.port && held.key.target.host === key.target.host) return held.info()
      hosts.delete(name)
      await held.stop()
    }
    const host = new HiddenHost(key, {
      tunnels: o.tunnels, candidates, kv: o.kv, now, log, limits: o.host, introCount: o.host?.introCount,
      descriptorTtlMs: o.host?.descriptorTtlMs, republishMs: o.host?.republishMs
    })
    hosts.set(name, host)
    try {
      await host.start(opts.signal)
      if (opts.register !== false && o.names !== undefined) {
        await o.names.register(name, { kind: 'hidden-service', value: key.publicKey }, { signal: opts.signal })
      }
    } catch (err) {
      if (hosts.get(name) === host) hosts.delete(name)
      await host.stop()
      if (err instanceof Error && !(err instanceof TunnelError) && err.name !== 'AbortError' && (err as { code?: string }).code === undefined) {
        throw new TunnelError(TunnelErrorCode.HS_UNREACHABLE, err.message, { cause: err })
      }
      throw err
    }
    return host.info()
  }

  async function remove (name: string): Promise<boolean> {
    const host = hosts.get(name)
    hosts.delete(name)
    await host?.stop()
    const deleted = deleteHiddenKey(o.dataDir, name)
    return deleted || host !== undefined
  }

  async function connect (publicKey: Buffer, opts: ConnectOptions = {}): Promise<Duplex> {
    checkRunning()
    return await client.connect(publicKey, opts)
  }

  return {
    add,
    remove,
    list: () => [...hosts.values()].map(h => h.info()).sort((a, b) => a.name.localeCompare(b.name)),
    connect,
    start: () => { wire(); running = true },
    stop: async () => {
      running = false
      const all = [...hosts.values()]
      hosts.clear()
      await Promise.all(all.map(async h => { await h.stop() }))
    },
    relayRoles: () => ({
      intros: introPoint.size(),
      introsPassed: introPoint.stats().passed,
      introsRefused: introPoint.stats().refused,
      rendezvousWaiting: rendezvousPoint.size(),
      rendezvousJoined: rendezvousPoint.joined()
    })
  }
}
