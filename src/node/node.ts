import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { networkInterfaces } from 'node:os'
import { NodeMeter } from './node-meter.js'
import { type Accounting, createAccounting } from './accounting/accounting.js'
import type { BitcoinPayments } from './accounting/bitcoin/payments-api.js'
import { createBitcoinPayments } from './accounting/bitcoin/payments.js'
import { LEDGER_SERVICE } from './accounting/address-exchange/messages.js'
import { PROBE_TIMEOUT_MS } from './accounting/stranger-probe.js'
import { chunkBytePrice } from './accounting/price.js'
import { type LedgerReport, ledgerReport } from './accounting/ledger/ledger-report.js'
import { loadConfig, parseEndpoint, type TornetConfig } from './config.js'
import { TornetError } from './errors.js'
import { encodeRoutingMessage } from './wire/routing-messages.js'
import { LinkError, LinkErrorCode } from './link/errors.js'
import { TunnelErrorCode } from './services/tunnels/errors.js'
import { MAX_HOPS } from './services/tunnels/onion.js'
import type { Identity } from './identity/identity.js'
import { loadIdentity } from './identity/identity-file.js'
import { Link } from './link/link.js'
import type { LinkLog } from './link/types.js'
import { makeContact, type Contact } from './routing/contact.js'
import { ContactMemory } from './routing/contact-memory.js'
import { Dht, type BootstrapReport } from './routing/dht.js'
import { LinkServiceNetwork, addressOf, contactOfPeer } from './services/link-service-network.js'
import { openStore, type Store } from './store/index.js'
import { createChunkService, type ChunkService } from './services/chunks/chunk-service.js'
import { ChunkCryptoPool } from './services/chunks/crypto-pool.js'
import { ContentLibrary, StoreLocationIndex } from './services/content/content-library.js'
import type { PublishEntry } from './services/content/publish-entry.js'
import { createKvService, type KvService } from './services/kv/kv-service.js'
import { databasePersistence } from './services/records/database-persistence.js'
import { createNamesService, type NameRecord, type NamesService } from './services/names/names-service.js'
import { createRadioService, type RadioServiceOptions } from './services/radio/radio-service.js'
import { createMailNetwork, type MailNetwork } from './services/mail/mail-network.js'
import { VALUE_KIND } from './services/service-network.js'
import { createMailService, type MailService, type MailServiceOptions } from './services/mail/mail-service.js'
import { MAX_SEALED_BYTES } from './services/mail/seal.js'
import { formatReference } from './services/content/reference.js'
import type { RadioService } from './services/radio/radio-api.js'
import { createSearchService, type SearchService } from './services/search/search-service.js'
import { searchSeeds } from './services/search/name-seeds.js'
import { ChunkFetcher } from './services/content/chunk-fetcher.js'
import { encryptChunk } from './crypto/chunk-cipher.js'
import { sliceHashes } from './services/chunks/chunk-format.js'
import { tryDecode } from './wire/codec.js'
import { decodeProviderList } from './services/chunks/messages.js'
import { checkProviderRecord, contactOfRecord } from './services/chunks/provider-record.js'
import { createTunnelService, type TunnelServiceHandle } from './services/tunnels/tunnel-service.js'
import { AnonymousContent, AnonymousReaders } from './services/tunnels/anonymous-content.js'
import { createNetworkExit, type NetworkExit } from './services/tunnels/network-exit.js'
import { DelegatedNetwork, delegateCircuit, delegateContact } from './services/tunnels/delegated-network.js'
import { parseDelegate } from './services/tunnels/delegate-spec.js'
import { RemoteServiceNetwork } from './services/tunnels/remote-network.js'
import type { ServiceNetwork } from './services/service-network.js'
import { createHiddenServices, type HiddenServicesRuntime } from './services/tunnels/hidden/hidden-services.js'
import { createUdpTransport } from './transport/udp.js'
import { udpOtherPortSender } from './transport/other-port-sender.js'
import { createPunchService, type PunchService, withIntroducers } from './services/punch/index.js'
import { createRelayClient, registerRelayServer, type RelayClient } from './services/relay/index.js'
import { createReachService, type OtherPortSender, type ReachService } from './services/reach/index.js'
import type { Transport } from './transport/transport.js'
import type { Endpoint } from './types.js'
import { connectedPeers, routingBuckets, trafficTotals, type ConnectedPeer, type RoutingBucket, type TrafficTotals } from './node-status.js'
import { openLocalTable, type LocalTable } from './local-table.js'
import type { FindOptions } from './routing/dht.js'
import type { LookupResult } from './routing/lookup-types.js'
import type { Placement } from './store/chunk-meta-codec.js'
import type { PeerAccount, Usage } from './store/index.js'
import type { TrackedChunk } from './services/chunks/host-table.js'
import { DEFAULT_STORAGE_PRICE, storageCost } from './services/chunks/sell-policy.js'
import type { HostCheckReport } from './services/chunks/host-tracker.js'

/**
 * A Tornet node: identity + store + transport + link + DHT + services.
 * This file only wires components together and runs their lifecycles;
 * each component lives in its own module.
 */
export interface NodeInit {
  dataDir: string
  /** Defaults to loadConfig({ dataDir }). */
  config?: TornetConfig
  /** Defaults to the identity saved in dataDir (see `tornet id new`). */
  identity?: Identity
  /** Defaults to UDP on config.listen. */
  transport?: Transport
  /** Link tuning (tests: probeMtu on loopback, tiny rekey budgets). */
  link?: { probeMtu?: number, rekeyBytes?: number, rekeyMs?: number }
  /** Leading zero bits a name registration needs (default: the names service's). */
  nameDifficulty?: number
  /** Radio tuning (tests: a small upload budget makes deep relay trees). */
  radio?: Omit<Partial<RadioServiceOptions>, 'network'>
  /** Mail tuning (tests: how often the running node checks; the gateway's .bit resolver). */
  mail?: Pick<MailServiceOptions, 'checkIntervalMs' | 'resolveBit'>
  log?: NodeLog
  /** How dial-backs leave from another port (default: a fresh UDP socket on the listen host; tests on memory transports pass their own). */
  sendFromOtherPort?: OtherPortSender
  /**
   * Keep pre-built 2-hop circuits ready (Tor's preemptive circuits), extended by one hop to an
   * intro or rendezvous point when one is chosen: hidden-service connections and services then
   * skip two hops of each build. Default off (one-shot CLI commands and test networks build no
   * circuits at start); on for `tornet start`, the demo, `tornet hidden add` and the benchmarks.
   */
  preemptiveCircuits?: boolean
  /** Bitcoin addresses and payment detection for credit lines (accounting/bitcoin); absent: refusals carry no URI. */
  payments?: BitcoinPayments
  /** Periodic work run faster than its defaults (the soak compresses hours of timers into minutes). */
  timers?: NodeTimers
}

/**
 * The intervals of a node's periodic work; each absent one keeps its default. The soak
 * (bench/support/soak) sets them in seconds so an hour of wall time runs many rounds of each.
 */
export interface NodeTimers {
  /** How often the routing table checks for buckets to refresh (default 60 s). */
  routingRefreshMs?: number
  /** A bucket with no activity for this long is refreshed (a lookup of a random id in it; default 15 min). */
  bucketStaleMs?: number
  /** Owned kv records re-sent to their replicas (default 1 h). */
  kvRepublishMs?: number
  /** Held chunks re-announced (provider records renewed; default 1 h). */
  chunkRepublishMs?: number
  /** Owned names checked and renewed (default 1 h). */
  namesMaintenanceMs?: number
  /** After start(): one round of each of the three above, once the table has filled (default 30 s). */
  catchUpMs?: number
}

export type NodePublishProgress =
  | { phase: 'encode', files: number, bytes: number, chunks: number }
  | { phase: 'announce', done: number, total: number }

export type NodeLog = (level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void

export const NodeErrorCode = {
  noIdentity: 'NODE_NO_IDENTITY',
  notStarted: 'NODE_NOT_STARTED'
} as const

export class TornetNode extends EventEmitter {
  readonly startedAt = Date.now()
  readonly chunks: ChunkService
  readonly content: ContentLibrary
  readonly kv: KvService
  readonly names: NamesService
  readonly radio: RadioService
  /** Tags, the index builder and queries over trusted builders' indexes (issue 20). */
  readonly search: SearchService
  /** Mail's network half: this node as a mailbox host, and the pushes and collects of its own mailbox. */
  private readonly mailNet: MailNetwork
  /** This node's mailbox (keys and store in the data directory) and the mail it sends and receives. */
  readonly mail: MailService
  /** Onion circuits: built from here, relayed for others, and the handlers BEGIN/REQUEST reach here. */
  readonly tunnels: TunnelServiceHandle
  /** Hidden services this node hosts, connections to others', and its intro/rendezvous relay roles. */
  readonly hidden: HiddenServicesRuntime
  /** Reachability: answers peers' dial-back requests, and checks whether peers can reach this node. */
  readonly reach: ReachService
  /** Hole punching: introduces peers to each other, and keeps introducers while this node is not public. */
  readonly punch: PunchService
  /** Sessions relayed end to end through other nodes, when neither side can reach the other (issue 18 item 5). */
  readonly relay: RelayClient
  /** Where this node hashes and decrypts whole chunks (worker threads); closed by stop(). */
  private readonly chunkCrypto = new ChunkCryptoPool()
  /** Lookups, requests and streams circuits ending here ask this node to run (anonymous fetching, delegates). */
  private exit?: NetworkExit
  /** Content read through circuits, one reader per (hops, isolation). */
  private readonly anonymousReaders: AnonymousReaders
  /** Per-peer ledgers, credit lines and priority by standing (accounting/). */
  readonly accounting: Accounting
  private stopped = false
  private catchUp?: NodeJS.Timeout

  private constructor (
    readonly config: TornetConfig,
    readonly identity: Identity,
    private readonly store: Store,
    private readonly transport: Transport,
    private readonly link: Link,
    private readonly dht: Dht,
    private readonly network: LinkServiceNetwork,
    private readonly meter: NodeMeter,
    private readonly log: NodeLog,
    nameDifficulty?: number,
    radio?: NodeInit['radio'],
    mail?: NodeInit['mail'],
    dataDir = '',
    sendFromOtherPort?: OtherPortSender,
    preemptiveCircuits = false,
    payments?: BitcoinPayments,
    private readonly timers: NodeTimers = {}
  ) {
    super()
    this.accounting = createAccounting({
      selfId: identity.id,
      openDatabase: (name) => store.openDatabase(name),
      credit: config.credit,
      payments,
      bitcoinNetwork: config.bitcoin?.network,
      // The stranger probe (accounting/stranger-probe.ts): one FIND_NODE, its answer priced on the way back.
      probeAsk: async (peer) => {
        const find = encodeRoutingMessage({ type: 'find', request: { target: randomBytes(32), kind: 0, count: 8, wantKeys: true, known: [] } })
        await dht.port.send(peer, find, { timeoutMs: PROBE_TIMEOUT_MS })
      },
      log: (level, message) => { log(level, message) }
    })
    meter.ledger = this.accounting.meter
    network.onExchange = this.accounting.exchange
    // With routing.delegate, the services' lookups run at that peer (1-hop circuit); the rest stays here.
    const delegate = config.routing?.delegate === undefined ? undefined : parseDelegate(config.routing.delegate)
    const services: ServiceNetwork = delegate === undefined
      ? network
      : new DelegatedNetwork(network, delegateCircuit({ build: async (o) => await this.tunnels.build(o) }, () => delegateContact(delegate, () => dht.table.all())),
        (message) => { log('warn', message) })
    this.anonymousReaders = new AnonymousReaders((hops, isolation) => new AnonymousContent({
      self: dht.self,
      identity,
      store: store.chunks,
      crypto: this.chunkCrypto,
      circuit: async (signal) => await this.tunnels.circuitFor(hops, isolation, { signal }),
      minRank: config.minRank,
      allowPrivateEndpoints: config.allowPrivateEndpoints,
      // Lookups only: no persistence, no owned names, no renewal timer.
      names: (remote) => createNamesService({ network: remote, identity, difficulty: nameDifficulty, maintenanceIntervalMs: 0 })
    }))
    const reach = createReachService({
      link,
      sendFromOtherPort: sendFromOtherPort ?? udpOtherPortSender(transport.local.address),
      candidates: () => dht.table.closest(identity.id, 20).map(addressOf)
    })
    this.punch = createPunchService({ link })
    this.relay = createRelayClient({ link, minRank: config.minRank, log: (level, message, fields) => log(level, `relayed ${message}`, fields) })
    network.useNatTraversal({
      introducers: () => this.punch.introducers(),
      punch: async (t, i, o) => await this.punch.connect(t, i, o),
      relay: this.relay,
      punchHopeless: () => this.reach.last?.status === 'unreachable'
    })
    // Every node relays for others within the per-pair limits; a NATted node's clients cannot reach it anyway.
    registerRelayServer({ link })
    // A node that is not public keeps a relay stream to each introducer: peers that cannot punch come that way.
    this.reach = withIntroducers(reach, this.punch, () => dht.table.closest(identity.id, 20).map(addressOf), () => link.sessions(),
      (introducers) => this.relay.setRelays(introducers))
    this.chunks = createChunkService({
      network: services,
      store: store.chunks,
      identity,
      crypto: this.chunkCrypto,
      minRank: config.minRank,
      allowPrivateEndpoints: config.allowPrivateEndpoints,
      localClosest: (key, count) => dht.table.closest(key, count),
      peerHistory: (id) => dht.table.get(id),
      // Only content that checked out counts towards a peer's place in its bucket; raw
      // inbound bytes would let a peer buy that place with junk.
      onVerifiedContent: (peer, bytes, chunkId, elapsedMs) => {
        const hex = peer.id.toString('hex')
        meter.onContent?.(hex, bytes)
        this.accounting.received(hex, chunkId, bytes)
        // The bucket order's "bandwidth": the rate this peer delivered verified slices at,
        // smoothed (7/8 old, 1/8 new) so one slow chunk does not undo many fast ones.
        const contact = dht.table.get(peer.id)
        if (contact !== undefined && elapsedMs > 0 && bytes >= 65_536) {
          const rate = bytes / (elapsedMs / 1000)
          contact.bandwidth = contact.bandwidth > 0 ? contact.bandwidth * 0.875 + rate * 0.125 : rate
        }
      },
      serveGate: this.accounting.serveGate,
      republishIntervalMs: timers.chunkRepublishMs,
      sell: config.sell,
      publishing: { ...config.publish, table: openLocalTable(store, 'published-hosts') },
      // A paid place goes only to a publisher within its credit line here; both sides book it.
      canCharge: (from) => !this.accounting.credit.exhausted(from.id.toString('hex'), from.rank),
      onStorageSold: (from, _id, _bytes, credit) => { this.accounting.storage(from.id.toString('hex'), 'chunk', 'sent', credit) },
      onStorageBought: (host, _id, _bytes, credit) => { this.accounting.storage(host.id.toString('hex'), 'chunk', 'received', credit) },
      // The place's price pays for the host's pull of the chunk: neither side charges its slices.
      onPaidPull: (peer, id) => { this.accounting.paidPull(peer.id.toString('hex'), id) }
    })
    this.content = new ContentLibrary({
      source: this.chunks.source,
      crypto: this.chunkCrypto,
      sink: { put: async (id, cipher) => { await store.chunks.putLocal(id, cipher) } },
      index: new StoreLocationIndex(store.content)
    })
    const kvDb = store.openDatabase('kv-records')
    const storagePrice = config.sell?.storagePrice ?? DEFAULT_STORAGE_PRICE
    this.kv = createKvService({
      network: services,
      identity,
      // Records held for others, and the records this node owns (and republishes), survive a restart.
      persistence: databasePersistence(kvDb),
      ownedPersistence: databasePersistence(store.openDatabase('kv-owned')),
      republishIntervalMs: timers.kvRepublishMs,
      // Records are priced like storage (config sell.storagePrice per byte-week, for the time they have left).
      onStored: (from, bytes, ms) => { this.accounting.storage(from.id.toString('hex'), 'kv', 'sent', storageCost(bytes, ms, storagePrice)) },
      onStoredAt: (peer, bytes, ms) => { this.accounting.storage(peer.id.toString('hex'), 'kv', 'received', storageCost(bytes, ms, storagePrice)) }
    })
    this.names = createNamesService({
      network: services,
      identity,
      difficulty: nameDifficulty,
      // Chains held for others, and the names this node owns (and renews), survive a restart.
      persistence: databasePersistence(store.openDatabase('names-held')),
      ownedPersistence: databasePersistence(store.openDatabase('names-owned')),
      maintenanceIntervalMs: timers.namesMaintenanceMs
    })
    this.tunnels = createTunnelService({
      network,
      identity,
      directory: { candidates: () => dht.table.all() },
      minRank: config.minRank,
      allowPrivateEndpoints: config.allowPrivateEndpoints,
      // Two-hop circuits kept ready, extended to an intro or rendezvous point when one is chosen (opt-in).
      preemptive: preemptiveCircuits ? { circuits: 3, hops: 2 } : undefined,
      onRelayed: (prevHex, nextHex, bytes) => { this.accounting.relayed(prevHex, nextHex, bytes) },
      onCarried: (entryHex, bytes) => { this.accounting.carried(entryHex, bytes) },
      log: (level, message) => { log(level, message) }
    })
    this.hidden = createHiddenServices({
      dataDir,
      tunnels: this.tunnels,
      // Intro and rendezvous points: contacts whose keys and rank this node has checked.
      relays: { candidates: () => dht.table.all().filter(c => c.publicKey !== undefined && c.rank >= config.minRank) },
      kv: this.kv,
      names: this.names,
      selfId: identity.id,
      log: (level, message) => { log(level, message) }
    })
    this.radio = createRadioService({ log: (level, message) => log(level, message), ...radio, network: services })
    this.mailNet = createMailNetwork({
      network: services,
      difficulty: config.mail.difficulty,
      // Mailbox records held for others survive a restart (a host keeps taking mail for them).
      persistence: databasePersistence(store.openDatabase('mail-hosted')),
      // A push must reference chunks someone provides: one FIND_VALUE of their provider records.
      chunkExists: async (id, signal) => store.chunks.has(id) ||
        (await network.findValue(id, VALUE_KIND.chunkProviders, { signal }).catch(() => undefined)) !== undefined
    })
    this.mail = createMailService({
      ...mail,
      dataDir,
      net: this.mailNet,
      names: this.names,
      // A sealed message is published like any file: its chunks stay pinned here until the receipt.
      publish: async (bytes, signal) => {
        const published = await this.content.publish([{ path: 'message', kind: 'file', size: bytes.length, open: async function * () { yield bytes } }], { signal })
        await this.chunks.publish(published.chunkIds, { signal })
        return { rootId: published.reference.id, rootKey: published.reference.key, chunkIds: published.chunkIds }
      },
      fetch: async (rootId, rootKey, signal) => {
        const reference = formatReference({ id: rootId, key: rootKey })
        const stat = await this.content.stat(reference, 'message', signal)
        if (stat.kind !== 'file' || stat.size > MAX_SEALED_BYTES) throw new Error(`the pushed reference is not a message of at most ${MAX_SEALED_BYTES} bytes`)
        const parts: Buffer[] = []
        for await (const part of this.content.read(reference, 'message', undefined, signal)) parts.push(Buffer.from(part))
        return Buffer.concat(parts)
      },
      unpin: async (ids) => { for (const id of ids) await store.chunks.unpin(id) },
      tables: { outbox: openLocalTable(store, 'mail-outbox'), owed: openLocalTable(store, 'mail-owed'), meta: openLocalTable(store, 'mail-meta') },
      online: () => dht.table.size > 0,
      log: (level, message) => { log(level, message) }
    })
    const searchChunks = new ChunkFetcher(this.chunks.source, { crypto: this.chunkCrypto, cacheChunks: 16 })
    this.search = createSearchService({
      network: services,
      identity,
      kv: {
        put: async (key, value, o) => await this.kv.put(key, value, o),
        get: async (namespace, key, o) => await this.kv.get(namespace, key, o)
      },
      content: {
        stat: async (reference, path, signal) => await this.content.stat(reference, path, signal),
        list: (reference, path, signal) => this.content.list(reference, path, signal),
        read: (reference, path, range, signal) => this.content.read(reference, path, range, signal),
        resolveName: async (name, signal) => {
          const record = await this.names.lookup(name, { signal })
          return record.target.kind === 'content' ? formatReference({ id: record.target.value.subarray(0, 32), key: record.target.value.subarray(32, 64) }) : undefined
        }
      },
      // Shards are chunks like any content: stored here (never evicted) and announced.
      putChunks: async (plains, signal) => {
        const refs = []
        for (const plain of plains) {
          const { id, key, cipher } = encryptChunk(plain)
          await store.chunks.putLocal(id, cipher)
          refs.push({ id, key, length: cipher.length, slices: sliceHashes(cipher) })
        }
        await this.chunks.publish(refs.map(r => r.id), { signal })
        return refs
      },
      getChunk: async (ref, signal, group) => await searchChunks.plain(ref.id, ref.key, {
        signal,
        group,
        descriptor: 'slices' in ref ? { id: ref.id, length: ref.length, slices: ref.slices } : undefined
      }),
      seeds: () => searchSeeds(this.names),
      demand: (id) => dht.demand.count(id, Date.now()),
      trusted: () => config.search.trust.map(k => k === 'self' ? identity.publicKey : Buffer.from(k, 'hex')),
      owned: openLocalTable(store, 'search-tags-owned'),
      hosts: async (id, signal) => {
        const found = await services.findValue(id, VALUE_KIND.chunkProviders, { signal })
        const now = Date.now()
        return (found === undefined ? [] : tryDecode(decodeProviderList, found.value) ?? [])
          .filter(r => checkProviderRecord(r, now, id) === undefined).map(contactOfRecord)
      }
    })
  }

  static async create (init: NodeInit): Promise<TornetNode> {
    const config = init.config ?? loadConfig({ dataDir: init.dataDir })
    const identity = init.identity ?? loadIdentity(init.dataDir)
    if (identity === undefined) {
      throw new TornetError(NodeErrorCode.noIdentity, `no identity in ${init.dataDir}: create one with "tornet id new --data-dir ${init.dataDir}"`)
    }
    const log: NodeLog = init.log ?? (() => {})
    // The cache keeps what earns most: heat × the price this node charges for the chunk (the seed's revenue).
    // The storage sold (config sell.storage) bounds the cache when it is the smaller.
    const cacheBytes = Math.min(config.storage.cacheBytes, config.sell?.storage ?? Number.MAX_SAFE_INTEGER)
    const store = openStore(init.dataDir, { nodeId: identity.id, bytePrice: (id) => chunkBytePrice(identity.id, id), cacheBytes, onWarning: (w) => log('warn', w.message) })
    let transport: Transport
    try {
      transport = init.transport ?? await createUdpTransport({ host: config.listen.host, port: config.listen.port })
    } catch (err) {
      await store.close()
      throw err
    }
    const meter = new NodeMeter(store)
    const linkLog: LinkLog = (level, message, fields) => log(level, message, fields)
    const link = new Link({ identity, transport, minRank: config.minRank, meter, log: linkLog, ...init.link })
    const self = makeContact(identity.id, advertisedEndpoint(config, transport.local), { publicKey: identity.publicKey, nonce: identity.nonce, rank: identity.rank })
    const dht = new Dht({
      self,
      send: async (to, payload, opts) => {
        const reply = await link.request(addressOf(to), 'dht', payload, { timeoutMs: opts.timeoutMs, retries: 1, signal: opts.signal })
        // Lookup answers are priced service (accounting/service-pricers.ts).
        if (to.id.length === 32) network.onExchange?.(to.id.toString('hex'), 'dht', 'asked', payload, reply)
        return reply
      },
      now: () => Date.now(),
      // Where an authenticated session says the node is (the link reuses it whatever endpoint a contact names).
      endpointOf: (id) => link.sessions().find(p => p.id.equals(id))?.endpoint
    }, {
      wantKeys: true,
      allowPrivateEndpoints: config.allowPrivateEndpoints,
      memory: new ContactMemory(store.openDatabase('contacts')),
      ...(init.timers?.routingRefreshMs === undefined ? {} : { refreshCheckMs: init.timers.routingRefreshMs }),
      ...(init.timers?.bucketStaleMs === undefined ? {} : { table: { refreshAfterMs: init.timers.bucketStaleMs } })
    })
    const network = new LinkServiceNetwork(link, dht)
    const node = new TornetNode(config, identity, store, transport, link, dht, network, meter, log, init.nameDifficulty ?? config.names.difficulty, init.radio, init.mail, init.dataDir, init.sendFromOtherPort, init.preemptiveCircuits,
      // A configured xpub (config `bitcoin`) gives refusals a per-peer receive address and restores credit on payment.
      init.payments ?? (config.bitcoin?.xpub === undefined ? undefined : createBitcoinPayments(config.bitcoin, { log: (level, message) => { log(level, message) } })),
      init.timers)
    node.wire()
    return node
  }

  private wire (): void {
    this.exit = createNetworkExit({ tunnels: this.tunnels, network: this.network, localService: (s) => this.network.handlerOf(s), allowPrivateEndpoints: this.config.allowPrivateEndpoints })
    this.meter.onContent = (peerHex, bytes) => {
      const contact = this.dht.table.get(Buffer.from(peerHex, 'hex'))
      if (contact !== undefined) contact.contentProvided += bytes
    }
    // The bucket order's "payments made": the satoshis a peer ever paid this node, as the ledger
    // books them — on each payment, and whenever the peer connects (a contact first seen after
    // a restart, or evicted and met again, gets its record back).
    const paymentsFromLedger = (id: Buffer): void => {
      const contact = this.dht.table.get(id)
      if (contact === undefined) return
      const paid = this.accounting.ledger.get(id.toString('hex'))?.paidSats ?? 0
      if (paid > contact.paymentsMade) contact.paymentsMade = paid
    }
    this.accounting.credit.onCredited = (peerHex) => { paymentsFromLedger(Buffer.from(peerHex, 'hex')) }
    this.link.registerService('dht', {
      onRequest: async (peer, payload) => {
        const reply = await this.dht.handleRequest(contactOfPeer(peer), payload)
        this.accounting.exchange(peer.idHex, 'dht', 'answered', payload, reply)
        return reply
      }
    })
    // Send addresses (accounting/address-exchange): told to peers once credit moves, over their session.
    this.link.registerService(LEDGER_SERVICE, {
      onRequest: async (peer, payload) => await this.accounting.addresses.handle(peer.idHex, payload)
    })
    this.accounting.addresses.send = async (peerHex, payload) => {
      const peer = this.link.sessions().find(p => p.idHex === peerHex)
      if (peer === undefined) throw new LinkError(LinkErrorCode.CLOSED, 'no session with that peer')
      return await this.link.request({ endpoint: peer.endpoint, id: peer.id, publicKey: peer.publicKey }, LEDGER_SERVICE, payload, { timeoutMs: 5_000 })
    }
    this.link.on('peer-connected', (peer) => {
      this.store.peers.noteContact({ id: peer.id, publicKey: peer.publicKey, nonce: peer.nonce, rank: peer.rank, endpoint: peer.endpoint, rttMs: peer.rttMs })
      this.dht.onContactSeen(contactOfPeer(peer), peer.rttMs)
      paymentsFromLedger(peer.id)
      this.emit('peer-connected', peer)
    })
    this.link.on('peer-error', (e) => {
      if (e.peer !== undefined) this.store.peers.noteError(e.peer.id)
      this.log('debug', `peer error ${e.endpoint.address}:${e.endpoint.port}: ${e.error.message}`)
    })
  }

  get contact (): Contact { return this.dht.self }

  /**
   * Changes the endpoint this node tells others (PONGs, provider records), e.g. the address a
   * router's port mapping gives it. A configured `announce` wins: the user said where to be reached.
   */
  advertise (endpoint: Endpoint): boolean {
    if (this.config.announce !== undefined) return false
    this.dht.self.endpoint = { address: endpoint.address, port: endpoint.port }
    return true
  }
  get endpoint (): Endpoint { return this.transport.local }

  // What the CLI and the dashboard read and do, as plain data: the store, the routing table
  // and the link stay inside the node.

  /** Peers with an open session, with their traffic accounts. */
  peers (): ConnectedPeer[] { this.meter.flush(); return connectedPeers(this.link, this.store.peers) }
  /** Every peer account kept across runs, most recently contacted first. */
  peerAccounts (): PeerAccount[] { this.meter.flush(); return this.store.peers.list({ orderBy: 'lastContact' }) }
  /** The routing table's buckets (empty ones included), contacts best first. */
  routingBuckets (): RoutingBucket[] { return routingBuckets(this.dht.table, Date.now()) }
  /** Contacts in the routing table: the other nodes this node knows. */
  routingTableSize (): number { return this.dht.table.size }
  /** An iterative lookup of the nodes closest to `target`, with its progress events. */
  async findNode (target: Buffer, opts: FindOptions = {}): Promise<LookupResult> { return await this.dht.findNode(target, opts) }
  /** Refreshes stale buckets (and rejoins when the table has emptied); the timer does this too once started. */
  async refreshRouting (signal?: AbortSignal): Promise<void> { await this.dht.refresh(signal) }
  trafficTotals (): TrafficTotals { this.meter.flush(); return trafficTotals(this.meter.totals) }
  /** Balances with every peer, top debtors and creditors, history by cause (`tornet ledger`, the dashboard). */
  ledger (opts: { top?: number, sinceMs?: number } = {}): LedgerReport {
    this.meter.flush()
    return ledgerReport(this.accounting, this.store.peers.list(), opts)
  }

  /** What this node published, per chunk: the hosts known, the last check, reads an hour (`tornet published`, the dashboard). */
  publishedChunks (): TrackedChunk[] { return this.chunks.hosts.list() }
  /** Checks the hosts of every published chunk now, re-publishing where too few hold it (the timer does this hourly). */
  async checkPublished (opts: { signal?: AbortSignal } = {}): Promise<HostCheckReport> { return await this.chunks.hosts.check(opts) }
  /** Hosts learnt outside the checks (a replication round's cache requests) for a published chunk. */
  async addPublishedHosts (id: Buffer, hosts: Contact[]): Promise<void> { await this.chunks.hosts.addHosts(id, hosts) }

  /** Chunks held here: pinned (local, never evicted), cached (evictable), and the cache limit. */
  storeUsage (): Usage { return this.store.chunks.usage() }
  hasChunk (id: Uint8Array): boolean { return this.store.chunks.has(id) }
  /** Ids of the chunks held here, in one placement or both. */
  chunkIds (placement?: Placement): Buffer[] { return this.store.chunks.ids(placement) }
  /** Keeps a chunk for good: moves it out of the cache, or stores `bytes` as local when it is not held. */
  async pinChunk (id: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (!(await this.store.chunks.pin(id))) await this.store.chunks.putLocal(id, bytes)
  }
  /** Moves a pinned chunk to the cache, where eviction may drop it. False if it is not held. */
  async unpinChunk (id: Uint8Array): Promise<boolean> { return await this.store.chunks.unpin(id) }
  /** A table of the caller's own in this node's store (see LocalTable). */
  localTable (name: string): LocalTable { return openLocalTable(this.store, name) }

  /**
   * Content read through a circuit of `hops` hops (the gateway's `tunnelHops`, a SOCKS user
   * name `tornet-hops-N`): provider lookups, descriptor requests and slice streams run at the
   * circuit's exit, one circuit per `isolation` tag. The same calls as `content` for reading.
   */
  anonymousContent (hops: number, isolation = ''): AnonymousContent {
    if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) throw new TornetError(TunnelErrorCode.INVALID_ARGUMENT, `a circuit has 1 to ${MAX_HOPS} hops (asked for ${hops}); read node.content for 0`)
    return this.anonymousReaders.get(hops, isolation)
  }

  /** A .tor-net name looked up through the circuit of anonymousContent(hops, isolation). */
  async lookupNameAnonymously (name: string, hops: number, isolation = '', opts: { signal?: AbortSignal } = {}): Promise<NameRecord> {
    const names = this.anonymousContent(hops, isolation).names
    if (names === undefined) throw new TornetError(TunnelErrorCode.NOT_RUNNING, 'this node reads names directly only')
    return await names.lookup(name, opts)
  }

  /** What this node's exit has run for circuits ending here. */
  exitStats (): ReturnType<NetworkExit['stats']> | undefined { return this.exit?.stats() }

  /**
   * The nodes closest to `target`, looked up by the peer `via` ("KEYHEX@host:port", or
   * "host:port" of a known peer) through a 1-hop delegate circuit (`tornet lookup --via`).
   */
  async lookupVia (target: Buffer, via: string, opts: { signal?: AbortSignal, count?: number } = {}): Promise<Contact[]> {
    const spec = parseDelegate(via)
    if (spec === undefined) throw new TornetError(TunnelErrorCode.INVALID_ARGUMENT, `'${via}' is not a peer: write KEYHEX@host:port or host:port`)
    const circuit = await this.tunnels.build({ hops: 1, purpose: 'delegate', lastHop: delegateContact(spec, () => this.dht.table.all()), signal: opts.signal })
    try {
      return await new RemoteServiceNetwork({ self: this.dht.self, circuit: async () => circuit }).closest(target, { signal: opts.signal, count: opts.count })
    } finally { circuit.close() }
  }

  /**
   * For tests and benchmarks only: the components this node wires. The CLI, the gateway and
   * the resolvers use the methods above; only src/node, test/ and bench/ read these.
   */
  get internals (): { store: Store, dht: Dht, meter: NodeMeter, chunkCrypto: ChunkCryptoPool, mailNet: MailNetwork, link: Link } {
    return { store: this.store, dht: this.dht, meter: this.meter, chunkCrypto: this.chunkCrypto, mailNet: this.mailNet, link: this.link }
  }

  /** Joins the network: configured bootstrap peers, extra endpoints, and the peers remembered from the last run. */
  async bootstrap (extra: Array<Endpoint | Contact> = [], opts: { signal?: AbortSignal } = {}): Promise<BootstrapReport> {
    const seeds: Array<Endpoint | Contact> = [...extra]
    for (const s of this.config.bootstrap) {
      const e = parseEndpoint(s)
      if (e !== undefined) seeds.push(e)
    }
    return await this.dht.bootstrap(seeds, opts)
  }

  start (): void {
    this.dht.start()
    this.chunks.start()
    this.kv.start()
    this.names.start()
    this.radio.start()
    this.tunnels.start()
    this.hidden.start()
    this.mailNet.start()
    this.mail.start()
    this.search.start()
    this.accounting.start()
    // After a restart, renew owned names, re-send owned records and re-announce held chunks once
    // the table has filled, rather than an hour later at the first timer tick.
    this.catchUp = setTimeout(() => {
      this.names.maintain().catch((err: Error) => this.log('warn', `renewing names failed: ${err.message}`))
      this.kv.republish().catch((err: Error) => this.log('warn', `republishing records failed: ${err.message}`))
      this.chunks.republish().catch((err: Error) => this.log('warn', `announcing chunks failed: ${err.message}`))
      // And see who still hosts what this node published (the hourly check, run once now).
      this.chunks.hosts.check().catch((err: Error) => this.log('warn', `checking published chunks failed: ${err.message}`))
    }, this.timers.catchUpMs ?? 30_000)
    this.catchUp.unref()
  }

  /**
   * Publishes a file or directory: chunks go into the local store (never
   * evicted), then provider records are announced to the nodes nearest each chunk.
   */
  async publish (source: string | Iterable<PublishEntry> | AsyncIterable<PublishEntry>, opts: { signal?: AbortSignal, onProgress?: (p: NodePublishProgress) => void } = {}): Promise<{ host: string, url: string, chunks: number }> {
    const published = await this.content.publish(source, {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ phase: 'encode', files: p.files, bytes: p.bytesRead, chunks: p.chunksPut })
    })
    const ids = await this.allLocalChunks(published.chunkIds)
    // The item's chunks are watched from now on: hosts known, checked hourly, access rates.
    await this.chunks.hosts.track(published.chunkIds, published.host)
    await this.chunks.publish(ids, {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ phase: 'announce', done: p.done, total: p.total })
    })
    return { host: published.host, url: published.url, chunks: ids.length }
  }

  /** Ids written this run plus reused ones already in the local store (so they are announced too). */
  private async allLocalChunks (written: Buffer[]): Promise<Buffer[]> {
    const seen = new Set(written.map(b => b.toString('hex')))
    const out = [...written]
    for (const id of this.store.chunks.ids('local')) if (!seen.has(id.toString('hex'))) { seen.add(id.toString('hex')); out.push(id) }
    return out
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.catchUp)
    await this.mail.stop().catch((err: Error) => { this.log('warn', `closing the mail store failed: ${err.message}`) })
    await this.anonymousReaders.stop()
    await this.hidden.stop().catch((err: Error) => { this.log('warn', `stopping hidden services failed: ${err.message}`) })
    await Promise.allSettled([this.tunnels.stop(), this.mailNet.stop(), this.radio.stop(), this.names.stop(), this.kv.stop(), this.chunks.stop(), this.search.stop()])
    await this.chunkCrypto.close()
    this.punch.stop()
    await this.relay.stop()
    await this.dht.stop()
    await this.link.close()
    // The link's last datagrams into the peer accounts and the ledger before they close.
    this.meter.flush()
    await this.transport.close()
    await this.accounting.stop().catch((err: Error) => { this.log('warn', `closing the ledger failed: ${err.message}`) })
    await this.store.close()
  }
}

/**
 * The endpoint this node tells others (in PONGs and provider records): the
 * configured `announce` address, else the bound address, else — when bound to
 * the unspecified address — the first external interface of the same family
 * with the bound port.
 */
export function advertisedEndpoint (config: TornetConfig, bound: Endpoint): Endpoint {
  if (config.announce !== undefined) {
    const e = parseEndpoint(config.announce)
    if (e !== undefined) return { address: e.address, port: e.port === 0 ? bound.port : e.port }
  }
  if (bound.address !== '0.0.0.0' && bound.address !== '::') return bound
  const v6 = bound.address === '::'
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal) continue
      if (i.family === 'IPv4' || (v6 && i.family === 'IPv6' && !i.address.startsWith('fe80'))) return { address: i.address, port: bound.port }
    }
  }
  return { address: v6 ? '::1' : '127.0.0.1', port: bound.port }
}

export async function createNode (init: NodeInit): Promise<TornetNode> {
  return await TornetNode.create(init)
}
