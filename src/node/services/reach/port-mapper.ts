import type { Endpoint } from '../../types.js'
import { findPmpGateway, findUpnpGateway, type GatewayFinder, type MappedPort, type MappingGateway, type MappingProtocol } from './mapping-gateways.js'

/**
 * Port mapping (issue 18 item 3): asks the home router to forward the node's UDP port, so a node
 * behind a NAT becomes reachable like a public one. It looks for a gateway (UPnP-IGD by SSDP, then
 * NAT-PMP at the default gateway), maps the port for `leaseS`, renews at half the lease (as
 * RFC 6886 §3.3 recommends for NAT-PMP; the same suits UPnP leases), and removes the mapping on
 * stop. It never throws and never crashes the node: every failure is one "port mapping: …" log
 * line saying what to do, and retries are bounded (`attempts` discovery rounds, `attempts` failed
 * renewals before the mapping counts as lost and discovery starts once more).
 */
export interface PortMapperOptions {
  /** The node's UDP port (mapped to the same external port where the router allows). */
  port: number
  log: (line: string) => void
  /** A mapping was made, or its external address changed. */
  onMapped?: (external: Endpoint, via: MappingProtocol) => void
  /** A mapping could not be renewed and is gone. */
  onLost?: () => void
  /** Tried in order each round; default UPnP-IGD then NAT-PMP. */
  finders?: GatewayFinder[]
  /** Requested lease (default 3600 s; UPnP routers may not accept shorter ones). */
  leaseS?: number
  /** How long one finder listens for a gateway (default 5 s). */
  discoverMs?: number
  /** Discovery rounds, and failed renewals in a row, before giving up (default 3). */
  attempts?: number
  /** Pause between rounds and between failed renewals (default 30 s). */
  retryMs?: number
  /** Timeout of one map/unmap request (default 10 s). */
  requestMs?: number
}

export interface PortMapping extends MappedPort {
  via: MappingProtocol
  gateway: string
  /** When the router drops it unless renewed (ms since epoch). */
  expiresAt: number
}

export class PortMapper {
  private readonly finders: GatewayFinder[]
  private readonly leaseS: number
  private readonly discoverMs: number
  private readonly attempts: number
  private readonly retryMs: number
  private readonly requestMs: number
  private readonly stopping = new AbortController()
  private gateway?: MappingGateway
  private current?: PortMapping
  private timer?: NodeJS.Timeout
  private busy?: Promise<void>
  private renewFailures = 0
  private stopped = false

  constructor (private readonly o: PortMapperOptions) {
    this.finders = o.finders ?? [findUpnpGateway, findPmpGateway]
    this.leaseS = o.leaseS ?? 3600
    this.discoverMs = o.discoverMs ?? 5000
    this.attempts = o.attempts ?? 3
    this.retryMs = o.retryMs ?? 30_000
    this.requestMs = o.requestMs ?? 10_000
  }

  /** The mapping in force, if any. */
  get mapping (): PortMapping | undefined {
    return this.current
  }

  /** Starts discovery in the background; the result arrives through the log and onMapped. */
  start (): void {
    if (this.stopped || this.busy !== undefined) return
    this.run(async () => await this.discover(1))
  }

  /** Resolves when nothing is in progress (for tests and orderly shutdown). */
  async settled (): Promise<void> {
    while (this.busy !== undefined) await this.busy
  }

  /** Cancels what is in progress, removes the mapping from the router, releases the gateway. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    this.stopping.abort()
    await this.settled()
    const { current, gateway } = this
    this.current = undefined
    this.gateway = undefined
    if (gateway === undefined) return
    if (current !== undefined) {
      try {
        await gateway.unmap(this.o.port, AbortSignal.timeout(this.requestMs))
        this.o.log(`port mapping: removed UDP ${current.externalHost}:${current.externalPort} from the ${current.via} gateway at ${current.gateway}`)
      } catch (err) {
        this.o.log(`port mapping: could not remove UDP ${current.externalHost}:${current.externalPort} from the ${current.via} gateway at ${current.gateway} (${message(err)}); the router drops it when its lease ends`)
      }
    }
    await gateway.close().catch(() => undefined)
  }

  private run (step: () => Promise<void>): void {
    const p = step().catch((err) => {
      // Every step handles its own failures; this is the last guard that keeps the node up.
      this.o.log(`port mapping: unexpected failure (${message(err)}); port mapping is off for this run`)
    }).finally(() => { if (this.busy === p) this.busy = undefined })
    this.busy = p
  }

  private later (ms: number, step: () => Promise<void>): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.run(step), ms)
    this.timer.unref()
  }

  private async discover (round: number): Promise<void> {
    const tried: string[] = []
    for (const find of this.finders) {
      if (this.stopped) return
      let gateway: MappingGateway | undefined
      try {
        gateway = await find(AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.discoverMs)]))
      } catch (err) {
        tried.push(message(err))
        this.o.log(`port mapping: looking for a gateway failed (${message(err)})`)
        continue
      }
      if (gateway === undefined) continue
      if (this.stopped) { await gateway.close().catch(() => undefined); return }
      try {
        await this.mapOn(gateway)
        this.gateway = gateway
        this.renewFailures = 0
        this.o.log(`port mapping: UDP ${this.current?.externalHost}:${this.current?.externalPort} → ${this.current?.internalHost}:${this.o.port} via ${gateway.protocol} at ${gateway.host} (lease ${this.leaseS} s, renewed every ${Math.round(this.leaseS / 2)} s)`)
        this.later(this.leaseS * 500, async () => await this.renew())
        return
      } catch (err) {
        const why = `the ${gateway.protocol} gateway at ${gateway.host} refused the mapping: ${message(err)}`
        tried.push(why)
        this.o.log(`port mapping: ${why}`)
        await gateway.close().catch(() => undefined)
      }
    }
    if (this.stopped) return
    const why = tried.length === 0 ? 'no UPnP-IGD or NAT-PMP gateway answered' : tried.join('; ')
    if (round < this.attempts) {
      this.o.log(`port mapping: attempt ${round} of ${this.attempts} failed (${why}); trying again in ${Math.round(this.retryMs / 1000)} s`)
      this.later(this.retryMs, async () => await this.discover(round + 1))
    } else {
      this.o.log(`port mapping: given up after ${this.attempts} attempts (${why}). The node still joins and fetches; to be reachable, ` +
        `enable UPnP or NAT-PMP on the router, or forward UDP port ${this.o.port} to this machine by hand and set "announce" in config.json`)
    }
  }

  private async renew (): Promise<void> {
    const gateway = this.gateway
    if (gateway === undefined || this.stopped) return
    const before = this.current
    try {
      await this.mapOn(gateway)
      this.renewFailures = 0
      if (before !== undefined && (before.externalHost !== this.current?.externalHost || before.externalPort !== this.current?.externalPort)) {
        this.o.log(`port mapping: renewed; the external address is now ${this.current?.externalHost}:${this.current?.externalPort}`)
      }
      this.later(this.leaseS * 500, async () => await this.renew())
    } catch (err) {
      if (this.stopped) return
      this.renewFailures++
      if (this.renewFailures < this.attempts) {
        this.o.log(`port mapping: renewal ${this.renewFailures} of ${this.attempts} failed at the ${gateway.protocol} gateway ${gateway.host} (${message(err)}); retrying in ${Math.round(this.retryMs / 1000)} s`)
        this.later(this.retryMs, async () => await this.renew())
        return
      }
      this.o.log(`port mapping: lost (${this.attempts} renewals failed, last: ${message(err)}); looking for a gateway again`)
      this.current = undefined
      this.gateway = undefined
      await gateway.close().catch(() => undefined)
      this.o.onLost?.()
      this.later(this.retryMs, async () => await this.discover(this.attempts))
    }
  }

  /** One map request; updates `current` and tells onMapped when the external address is new. */
  private async mapOn (gateway: MappingGateway): Promise<void> {
    const m = await gateway.map(this.o.port, this.leaseS, AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.requestMs)]))
    if (!Number.isInteger(m.externalPort) || m.externalPort < 1 || m.externalPort > 65535 || m.externalHost === '') {
      throw new Error(`the gateway answered an unusable external address "${m.externalHost}:${m.externalPort}"`)
    }
    const before = this.current
    this.current = { ...m, via: gateway.protocol, gateway: gateway.host, expiresAt: Date.now() + this.leaseS * 1000 }
    if (before?.externalHost !== m.externalHost || before?.externalPort !== m.externalPort) {
      this.o.onMapped?.({ address: m.externalHost, port: m.externalPort }, gateway.protocol)
    }
  }
}

/** The error's message, with its cause's (fetch's "fetch failed" says nothing without it). */
function message (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return err.message + cause
}
