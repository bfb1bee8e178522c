import type { Identity } from '../../identity/identity.js'
import { type Contact, makeContact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { ServiceNetwork } from '../service-network.js'
import { forEachLimit } from './announcer.js'
import { type HostTable, MAX_HOSTS_PER_CHUNK, MAX_ITEMS_PER_CHUNK, type TrackedChunk, type TrackedHost } from './host-table.js'
import { CHUNK_SERVICE, type ProviderRecord, PublishStatus, decodeChunkMessage, encodeChunkMessage } from './messages.js'

/**
 * The publisher's watch over what it published (the seed: "for each chunk maintain a list of N
 * nodes known to host it; check each chunk once per hour and re-publish if necessary; when
 * checking the status of a chunk, the publisher also gathers access rate stats").
 *
 * Every `intervalMs` (an hour by default) each tracked chunk is checked:
 *  1. every known host is asked HAS_CHUNK; it answers whether it holds the chunk and the slice
 *     bytes of it it served (since it began counting). A host that lacks it, or does not answer,
 *     twice in a row, is dropped.
 *  2. the bytes served since the last check, by the hosts and by this node, divided by the
 *     chunk's size, are the reads gathered; over the time since the last check, reads an hour:
 *     the chunk's popularity.
 *  3. with fewer live hosts than `replicas`: the providers a lookup finds become known hosts;
 *     still short, this node re-announces itself and asks the closest nodes of lower rank to pull
 *     it (CACHE_REQUEST); still short and `maxPrice` > 0, it offers nodes of lower rank a week's
 *     paid place (PUBLISH_OFFER, at most `maxPrice` credit each), books what each host charged.
 */
export interface HostTrackerDeps {
  table: HostTable
  network: Pick<ServiceNetwork, 'self' | 'request' | 'closest'>
  identity: Pick<Identity, 'rank'>
  now: () => number
  /** Providers of a chunk a (thorough) lookup finds. */
  find: (id: Buffer, want: number, signal?: AbortSignal) => Promise<ProviderRecord[]>
  /** This node's provider record to the closest nodes again. */
  announce: (id: Buffer, signal?: AbortSignal) => Promise<number>
  /** Asks closest nodes of lower rank to pull the chunk until `wanted` agree; those that did. */
  push: (id: Buffer, wanted: number, known: Set<string>, signal?: AbortSignal) => Promise<Contact[]>
  /** Slice bytes of the chunk this node served itself, and when its count began. */
  servedHere: (id: Buffer) => { bytes: number, since: number }
  /** The chunk's size when this node holds it. */
  sizeOf: (id: Buffer) => number | undefined
  /** A paid place was bought: `credit` for `bytes` of storage at `host`. */
  onPaid?: (host: Contact, chunkId: Buffer, bytes: number, credit: number) => void
  /** Told before an offer goes to `host`: the host's pull of the chunk from here is paid for by the place. */
  offering?: (host: Contact, chunkId: Buffer) => void
  /** Hosts wanted per chunk besides this node. Default 3. */
  replicas?: number
  /** Most credit paid for one chunk's week at one host; 0 (default): never pays. */
  maxPrice?: number
  /** Default 1 hour. */
  intervalMs?: number
  requestTimeoutMs?: number
  /** A PUBLISH_OFFER's reply comes after the host pulled the chunk. Default 30 s. */
  offerTimeoutMs?: number
  signal: () => AbortSignal
  log?: (message: string) => void
}

export interface HostCheckReport {
  chunks: number
  /** Host answers that they hold the chunk. */
  hostsAlive: number
  hostsDropped: number
  /** Hosts learnt: from lookups, cache requests accepted and paid places. */
  hostsAdded: number
  /** Chunks below `replicas` for which this node re-announced and asked for copies. */
  republished: number
  paidPlaces: number
  creditPaid: number
}

const DROP_AFTER = 2
const HOUR_MS = 3_600_000

export class HostTracker {
  private timer: NodeJS.Timeout | undefined
  private round: Promise<HostCheckReport> | undefined
  runs = 0

  constructor (private readonly d: HostTrackerDeps) {}

  get replicas (): number { return this.d.replicas ?? 3 }

  /** Starts tracking chunks (of a published item, when given); known ones gain the item. */
  async track (ids: Buffer[], item?: string): Promise<void> {
    const now = this.d.now()
    for (const id of ids) {
      const hex = id.toString('hex')
      const had = this.d.table.get(hex)
      const size = this.d.sizeOf(id) ?? had?.size ?? 0
      const own = this.d.servedHere(id)
      const c: TrackedChunk = had ?? { id: hex, items: [], size, hosts: [], trackedAt: now, lastCheck: 0, reads: 0, rate: 0, ownServed: own.bytes, ownSince: own.since, paid: 0 }
      if (item !== undefined && !c.items.includes(item)) c.items = [...c.items, item].slice(-MAX_ITEMS_PER_CHUNK)
      c.size = size
      await this.d.table.put(c)
    }
  }

  /** Hosts this node learnt of by other means (a replication round's cache requests). */
  async addHosts (id: Buffer, hosts: Contact[]): Promise<void> {
    const c = this.d.table.get(id.toString('hex'))
    if (c === undefined) return
    for (const h of hosts) addHost(c, h, this.d.now(), this.d.network.self.id)
    await this.d.table.put(c)
  }

  list (): TrackedChunk[] { return this.d.table.all() }

  /** One check of every tracked chunk now (the timer runs these); asking while one runs joins it. */
  async check (opts: { signal?: AbortSignal, concurrency?: number } = {}): Promise<HostCheckReport> {
    if (this.round !== undefined) return await this.round
    this.round = this.runCheck(opts.signal ?? this.d.signal(), opts.concurrency ?? 4).finally(() => { this.round = undefined })
    return await this.round
  }

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => {
      this.check().catch((err: Error) => { this.d.log?.(`checking published chunks failed: ${err.message}`) })
    }, this.d.intervalMs ?? HOUR_MS)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  async settled (): Promise<void> { await this.round?.catch(() => {}) }

  private async runCheck (signal: AbortSignal, concurrency: number): Promise<HostCheckReport> {
    this.runs++
    const report: HostCheckReport = { chunks: 0, hostsAlive: 0, hostsDropped: 0, hostsAdded: 0, republished: 0, paidPlaces: 0, creditPaid: 0 }
    const ids = this.d.table.ids()
    await forEachLimit(ids, concurrency, signal, async (hex) => {
      const c = this.d.table.get(hex)
      if (c === undefined) return
      await this.checkChunk(c, report, signal)
      report.chunks++
      await this.d.table.put(c)
    })
    return report
  }

  private async checkChunk (c: TrackedChunk, report: HostCheckReport, signal: AbortSignal): Promise<void> {
    const id = Buffer.from(c.id, 'hex')
    const now = this.d.now()
    const timeoutMs = this.d.requestTimeoutMs ?? 5000
    const probe = encodeChunkMessage({ type: 'hasChunk', chunkId: id })
    let servedBytes = 0
    let alive = 0
    let pending = 0
    await Promise.all(c.hosts.map(async (h) => {
      let m
      try {
        m = tryDecode(decodeChunkMessage, await this.d.network.request(contactOf(h), CHUNK_SERVICE, probe, { signal, timeoutMs }))
      } catch {
        signal.throwIfAborted()
      }
      if (m?.type !== 'hosting' || !m.held) {
        // A node asked to pull it within the last interval, never yet seen holding it, may
        // still be pulling: it counts as a host on its way, not as a failure, once.
        if (h.lastSeen === 0 && h.failures === 0 && now - h.added < (this.d.intervalMs ?? HOUR_MS)) { pending++; h.failures = 0.5; return }
        h.failures = Math.floor(h.failures) + 1
        return
      }
      h.failures = 0
      h.lastSeen = now
      // A count that went back, or began anew, is a host that restarted: all it reports is new.
      servedBytes += m.since === h.since && m.servedBytes >= h.served ? m.servedBytes - h.served : m.servedBytes
      h.served = m.servedBytes
      h.since = m.since
      alive++
    }))
    const before = c.hosts.length
    c.hosts = c.hosts.filter(h => h.failures < DROP_AFTER)
    report.hostsDropped += before - c.hosts.length
    report.hostsAlive += alive
    const own = this.d.servedHere(id)
    servedBytes += own.since === c.ownSince && own.bytes >= c.ownServed ? own.bytes - c.ownServed : own.bytes
    c.ownServed = own.bytes
    c.ownSince = own.since
    const size = c.size > 0 ? c.size : (this.d.sizeOf(id) ?? 0)
    if (size > 0) {
      const reads = servedBytes / size
      const hours = Math.max(1 / 60, (now - (c.lastCheck > 0 ? c.lastCheck : c.trackedAt)) / HOUR_MS)
      c.reads += reads
      c.rate = reads / hours
    }
    c.lastCheck = now
    if (alive + pending >= this.replicas) return

    // Short of hosts: first those a lookup finds, then copies asked for, then places paid for.
    const self = this.d.network.self.id
    const addedBefore = c.hosts.length
    try {
      for (const r of await this.d.find(id, this.replicas + 1, signal)) {
        addHost(c, makeContact(r.provider.id, r.provider.endpoint, { publicKey: r.provider.publicKey, nonce: r.provider.nonce }), now, self, now)
      }
    } catch { signal.throwIfAborted() }
    let have = alive + pending + (c.hosts.length - addedBefore)
    if (have < this.replicas) {
      report.republished++
      try { await this.d.announce(id, signal) } catch { signal.throwIfAborted() }
      const known = new Set(c.hosts.map(h => h.id))
      const pushed = await this.d.push(id, this.replicas - have, known, signal)
      for (const p of pushed) addHost(c, p, now, self)
      have += pushed.length
    }
    if (have < this.replicas && (this.d.maxPrice ?? 0) > 0 && size > 0) {
      const placed = await this.offerPlaces(id, size, this.replicas - have, new Set(c.hosts.map(h => h.id)), signal)
      for (const p of placed) {
        const h = addHost(c, p.host, now, self)
        if (h !== undefined) h.paidUntil = p.paidUntil
        c.paid += p.price
        report.paidPlaces++
        report.creditPaid += p.price
        this.d.onPaid?.(p.host, id, size, p.price)
      }
    }
    report.hostsAdded += c.hosts.length - addedBefore
  }

  /** PUBLISH_OFFERs to the closest nodes of lower rank that do not host the chunk, until `wanted` took one. */
  private async offerPlaces (id: Buffer, size: number, wanted: number, known: Set<string>, signal: AbortSignal): Promise<Array<{ host: Contact, price: number, paidUntil: number }>> {
    const out: Array<{ host: Contact, price: number, paidUntil: number }> = []
    let closest: Contact[]
    try { closest = await this.d.network.closest(id, { signal }) } catch { signal.throwIfAborted(); return out }
    const offer = encodeChunkMessage({ type: 'publishOffer', chunkId: id, size, maxCredit: this.d.maxPrice ?? 0 })
    const self = this.d.network.self.id
    for (const c of closest) {
      if (out.length >= wanted) break
      if (c.id.equals(self) || known.has(c.id.toString('hex')) || c.rank >= this.d.identity.rank) continue
      this.d.offering?.(c, id)
      try {
        const m = tryDecode(decodeChunkMessage, await this.d.network.request(c, CHUNK_SERVICE, offer, { signal, timeoutMs: this.d.offerTimeoutMs ?? 30_000 }))
        if (m?.type === 'publishReply' && m.status === PublishStatus.stored) out.push({ host: c, price: m.price, paidUntil: m.paidUntil })
      } catch {
        signal.throwIfAborted()
      }
    }
    return out
  }
}

function contactOf (h: TrackedHost): Contact {
  return makeContact(Buffer.from(h.id, 'hex'), { address: h.address, port: h.port })
}

/** Adds (or refreshes the address of) a host; undefined when it is this node or the list is full. */
function addHost (c: TrackedChunk, host: Contact, now: number, self: Buffer, lastSeen = 0): TrackedHost | undefined {
  if (host.id.equals(self)) return undefined
  const hex = host.id.toString('hex')
  const had = c.hosts.find(h => h.id === hex)
  if (had !== undefined) {
    had.address = host.endpoint.address
    had.port = host.endpoint.port
    return had
  }
  if (c.hosts.length >= MAX_HOSTS_PER_CHUNK || host.endpoint.port < 1) return undefined
  const h: TrackedHost = { id: hex, address: host.endpoint.address, port: host.endpoint.port, served: 0, since: 0, lastSeen, failures: 0, added: now, paidUntil: 0 }
  c.hosts.push(h)
  return h
}
