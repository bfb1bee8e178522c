import type { MiningProgress } from '../../identity/miner.js'
import { sha256 } from '../../crypto/hash.js'
import type { Contact } from '../../routing/contact.js'
import { compareDistance } from '../../routing/distance.js'
import { tryDecode } from '../../wire/codec.js'
import { type FanOutResult, selfIsReplica, storeOnClosest } from '../records/fan-out-store.js'
import { readWinner } from '../records/parallel-find.js'
import type { RecordPersistence } from '../records/persistence.js'
import { createRecordService } from '../records/record-service.js'
import { DEFAULT_REPLICA_SPAN } from '../records/replica-span.js'
import type { ServiceHandler, ServiceNetwork, ServiceRequestContext } from '../service-network.js'
import { MailError, MailErrorCode, type MailErrorCodeValue } from './errors.js'
import { mailRequestHandler } from './handlers/index.js'
import { type MailboxHostOptions, MailboxHost } from './host/mailbox-host.js'
import { type MailboxRecord, encodeMailboxRecord, mailboxLocation, signMailboxRecord } from './host/mailbox-record.js'
import { MAIL_SERVICE, MailboxRecordStore, acceptableMailboxRecord, mailboxRecordKind } from './host/mailbox-records.js'
import {
  type CollectedItem, MAX_COLLECT_ITEMS, type MailRequest, collectReplyCodec, mailRequestCodec, pushReplyCodec, signCollect, tokenReplyCodec
} from './messages.js'
import { DEFAULT_STAMP_DIFFICULTY, MAX_STAMP_TOKENS, mineStamp } from './stamp.js'

/**
 * The network half of mail on one node, both roles:
 * - host: holds mailbox records (records core, "mail" service) and, for
 *   those, takes stamped pushes and serves the owner's collects (MailboxHost);
 *   tells a mailbox's last collector when something arrives;
 * - client: announces this node's mailbox on the k nodes nearest its id (and
 *   re-announces every interval as nodes churn), reads a recipient's record,
 *   pushes (tokens from the nearest hosts holding the record, one stamp over
 *   them all, the push to each), and collects from the nearest hosts.
 * This node may itself be one of the hosts: requests to itself are answered
 * by its own handler, without the network.
 */
export interface MailboxKeysLike {
  id: Buffer
  signingKey: Buffer
  signingSecret: Buffer
  encryptionKey: Buffer
}

export interface MailNetworkOptions {
  network: ServiceNetwork
  /** Whether anyone provides chunk `rootId` (the node: a FIND_VALUE of its provider records). */
  chunkExists: MailboxHostOptions['chunkExists']
  /** Leading zero bits of a stamp: what this host demands and what this sender mines. Default 21. */
  difficulty?: number
  now?: () => number
  /** Persists the mailbox records held for others. */
  persistence?: RecordPersistence
  maxRecords?: number
  replicaSpan?: number
  requestTimeoutMs?: number
  /** Hosts a push goes to (the nearest that hand out a token); default 5. */
  pushHosts?: number
  /** Hosts that must accept a push (or all there are); default 3. */
  minHosts?: number
  /** Nearest hosts a collect asks; default 8 (more than pushHosts: the nearest set drifts as nodes churn). */
  collectHosts?: number
  /** How often this node re-announces its mailbox; default 10 min; 0 turns the timer off. */
  announceIntervalMs?: number
  /** A host told this node something arrived for `mailboxId`. */
  onNotify?: (mailboxId: Buffer) => void
  host?: Partial<Omit<MailboxHostOptions, 'records' | 'chunkExists' | 'selfId'>>
}

export interface PushResult {
  accepted: number
  refused: Array<{ peer: Contact, code: MailErrorCodeValue }>
  unreachable: number
}

export interface CollectedFrom extends CollectedItem { host: Contact }

export interface MailNetwork {
  readonly host: MailboxHost
  readonly records: MailboxRecordStore
  /** Signs and stores this mailbox's record on its hosts; it is then re-announced every interval. */
  announce: (keys: MailboxKeysLike, signal?: AbortSignal) => Promise<FanOutResult<MailErrorCodeValue>>
  /** The newest valid record of a mailbox, or undefined. */
  findMailbox: (mailboxId: Buffer, signal?: AbortSignal) => Promise<MailboxRecord | undefined>
  /** Pushes an item (a message reference, a receipt) to a mailbox's hosts. Throws MAIL_NOT_DELIVERED when none took it. */
  push: (mailboxId: Buffer, item: Buffer, opts?: { signal?: AbortSignal, onStamp?: (p: MiningProgress) => void, onPushed?: (accepted: number) => void }) => Promise<PushResult>
  /**
   * Collects what the mailbox's hosts hold: `handle` gets each new item (the same item from
   * several hosts once) and answers whether it is dealt with; those are then acknowledged.
   */
  collect: (keys: MailboxKeysLike, handle: (items: CollectedFrom[]) => Promise<Set<string>>, signal?: AbortSignal) => Promise<number>
  /** Told when a host says something arrived for a mailbox this node owns (set by the mail service). */
  onNotify: ((mailboxId: Buffer) => void) | undefined
  /** The nearest nodes to a mailbox (its hosts, if they hold its record), this node among them when near enough. */
  hostsOf: (mailboxId: Buffer, signal?: AbortSignal) => Promise<Contact[]>
  /** One raw request on the mail service (this node's own handler when `peer` is this node): for tools and tests. */
  request: (peer: Contact, payload: Buffer, signal?: AbortSignal) => Promise<Buffer>
  start: () => void
  stop: () => Promise<void>
}

const DEFAULTS = { pushHosts: 5, minHosts: 3, collectHosts: 8, requestTimeoutMs: 5_000, announceIntervalMs: 10 * 60_000 }
/** Mailboxes whose last collector a host remembers (to notify it). */
const MAX_COLLECTORS = 10_000

export function createMailNetwork (o: MailNetworkOptions): MailNetwork {
  const { network } = o
  const now = o.now ?? Date.now
  const difficulty = o.difficulty ?? DEFAULT_STAMP_DIFFICULTY
  const timeoutMs = o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs
  const pushHosts = Math.min(o.pushHosts ?? DEFAULTS.pushHosts, MAX_STAMP_TOKENS)
  const minHosts = o.minHosts ?? DEFAULTS.minHosts
  const collectHosts = o.collectHosts ?? DEFAULTS.collectHosts
  const records = new MailboxRecordStore({ now, persistence: o.persistence, maxRecords: o.maxRecords })
  const host = new MailboxHost({ ...o.host, records, chunkExists: o.chunkExists, selfId: network.self.id, difficulty, now })
  const kind = mailboxRecordKind(now)
  const core = { kind, holder: records, network, replicaSpan: o.replicaSpan ?? DEFAULT_REPLICA_SPAN, timeoutMs }
  const owned = new Map<string, MailboxKeysLike>()
  const collectors = new Map<string, Contact>()
  let recordsHandler: ServiceHandler['onRequest']
  let registered = false
  let notifyListener = o.onNotify

  // The records core registers its handler on "mail"; it is kept and called from the mail dispatcher.
  const capturing: ServiceNetwork = {
    get self () { return network.self },
    closest: async (key, opts) => await network.closest(key, opts),
    findValue: async (key, k, opts) => await network.findValue(key, k, opts),
    nearest: network.nearest === undefined ? undefined : (key, count) => network.nearest?.(key, count) ?? [],
    request: async (to, service, payload, opts) => await network.request(to, service, payload, opts),
    openStream: async (to, service, opts) => await network.openStream(to, service, opts),
    registerService: (service, handler) => {
      if (service === MAIL_SERVICE) recordsHandler = handler.onRequest
      else network.registerService(service, handler)
    },
    registerValueProvider: (k, provider) => { network.registerValueProvider(k, provider) }
  }
  const lifecycle = createRecordService({
    ...core,
    network: capturing,
    intervalMs: o.announceIntervalMs ?? DEFAULTS.announceIntervalMs,
    periodic: async (signal) => { for (const keys of owned.values()) await announce(keys, signal).catch(() => undefined) },
    stopWaitsForPeriodic: false
  })

  const handle = mailRequestHandler({
    host,
    records: async (payload, ctx) => recordsHandler === undefined ? Buffer.of(1) : await recordsHandler(payload, ctx),
    onAccepted: (mailboxId) => { notifyCollector(mailboxId) },
    onCollected: (mailboxId, from) => {
      const key = mailboxId.toString('hex')
      collectors.delete(key)
      collectors.set(key, from)
      if (collectors.size > MAX_COLLECTORS) collectors.delete(collectors.keys().next().value as string)
    },
    onNotify: (mailboxId) => { if (owned.has(mailboxId.toString('hex'))) notifyListener?.(mailboxId) }
  })

  function notifyCollector (mailboxId: Buffer): void {
    const to = collectors.get(mailboxId.toString('hex'))
    if (to === undefined) return
    call(to, mailRequestCodec.encode({ type: 'notify', mailboxId })).catch(() => undefined)
  }

  /** A request to a host, this node included (answered by its own handler). */
  async function call (peer: Contact, payload: Buffer, signal?: AbortSignal): Promise<Buffer> {
    if (peer.id.equals(network.self.id)) {
      const ctx: ServiceRequestContext = { from: network.self, signal: signal ?? new AbortController().signal }
      return Buffer.from(await handle(payload, ctx))
    }
    return await network.request(peer, MAIL_SERVICE, payload, { signal, timeoutMs })
  }

  /** The nearest nodes to a mailbox, this node among them when it is near enough. */
  async function hostsOf (mailboxId: Buffer, signal?: AbortSignal): Promise<Contact[]> {
    const contacts = await network.closest(mailboxId, { signal })
    if (!selfIsReplica(network.self.id, mailboxId, contacts)) return contacts
    return [...contacts, network.self].sort((a, b) => compareDistance(mailboxId, a.id, b.id))
  }

  async function announce (keys: MailboxKeysLike, signal?: AbortSignal): Promise<FanOutResult<MailErrorCodeValue>> {
    const t = now()
    const record = signMailboxRecord(keys.signingSecret, { signingKey: keys.signingKey, encryptionKey: keys.encryptionKey, issuedAt: t, seq: t })
    owned.set(keys.id.toString('hex'), keys)
    return await storeOnClosest(core, mailboxLocation(keys.signingKey), record, encodeMailboxRecord(record), signal)
  }

  async function findMailbox (mailboxId: Buffer, signal?: AbortSignal): Promise<MailboxRecord | undefined> {
    const { winner } = await readWinner({
      ...core, location: mailboxId, key: mailboxId, readCount: 3, signal,
      local: () => records.get(mailboxId),
      verify: encoded => acceptableMailboxRecord(encoded, mailboxId, now())
    })
    return winner
  }

  async function push (mailboxId: Buffer, item: Buffer, opts: { signal?: AbortSignal, onStamp?: (p: MiningProgress) => void, onPushed?: (n: number) => void } = {}): Promise<PushResult> {
    const { signal } = opts
    const candidates = (await hostsOf(mailboxId, signal)).slice(0, pushHosts + 3)
    const tokenPayload = mailRequestCodec.encode({ type: 'token', mailboxId })
    const answers = await Promise.all(candidates.map(async peer => {
      try {
        const reply = tryDecode(tokenReplyCodec.decode, await call(peer, tokenPayload, signal))
        return reply?.ok === true ? { peer, token: reply.token } : undefined
      } catch { return undefined }
    }))
    const hosts = answers.filter((a): a is { peer: Contact, token: Buffer } => a !== undefined).slice(0, pushHosts)
    if (hosts.length === 0) throw new MailError(MailErrorCode.NOT_DELIVERED, 'no mailbox host handed out a token: the mailbox is unknown to its nodes (its owner has not announced it, or not for a week)')
    const tokens = hosts.map(h => h.token)
    const nonce = await mineStamp({ digest: sha256(item), mailboxId, tokens }, difficulty, { signal, onProgress: opts.onStamp })
    const payload = mailRequestCodec.encode({ type: 'push', mailboxId, nonce, tokens, item })
    const result: PushResult = { accepted: 0, refused: [], unreachable: 0 }
    await Promise.all(hosts.map(async ({ peer }) => {
      try {
        const reply = pushReplyCodec.decode(await call(peer, payload, signal))
        if (reply.accepted) { result.accepted++; opts.onPushed?.(result.accepted) } else result.refused.push({ peer, code: reply.code })
      } catch { result.unreachable++ }
    }))
    if (result.accepted === 0) {
      const codes = new Set(result.refused.map(r => r.code))
      throw new MailError(codes.size === 1 ? [...codes][0] : MailErrorCode.NOT_DELIVERED,
        `no mailbox host took the push (${result.refused.map(r => r.code).join(', ') || 'none answered'}); try again later`)
    }
    if (result.accepted < Math.min(minHosts, hosts.length)) {
      throw new MailError(MailErrorCode.NOT_DELIVERED, `only ${result.accepted} of ${hosts.length} mailbox hosts took the push; at least ${minHosts} must: try again later`)
    }
    return result
  }

  async function collect (keys: MailboxKeysLike, deal: (items: CollectedFrom[]) => Promise<Set<string>>, signal?: AbortSignal): Promise<number> {
    const hosts = (await hostsOf(keys.id, signal)).slice(0, collectHosts)
    const seen = new Set<string>()
    const done = new Set<string>()
    await Promise.all(hosts.map(async peer => {
      let acks: Buffer[] = []
      for (let round = 0; round < 64; round++) {
        const request: MailRequest = signCollect(keys.signingSecret, peer.id, { mailboxId: keys.id, time: now(), acks })
        let reply
        try {
          reply = tryDecode(collectReplyCodec.decode, await call(peer, mailRequestCodec.encode(request), signal))
        } catch { return }
        if (reply === undefined || !reply.ok) return
        // The same item comes from several hosts: dealt with once, acknowledged at each host
        // once dealt with (a copy still being dealt with elsewhere stays for the next check).
        const fresh = reply.items.filter(i => {
          const key = i.item.toString('hex')
          if (seen.has(key)) return false // another host's copy, or a second push of it to this one
          seen.add(key)
          return true
        })
        if (fresh.length > 0) for (const key of await deal(fresh.map(i => ({ ...i, host: peer })))) done.add(key)
        acks = reply.items.filter(i => done.has(i.item.toString('hex'))).map(i => i.id)
        if (acks.length === 0) return
      }
    }))
    const total = done.size
    return total
  }

  return {
    host,
    records,
    announce,
    findMailbox,
    push,
    collect,
    hostsOf,
    request: call,
    get onNotify () { return notifyListener },
    set onNotify (f) { notifyListener = f },
    start: () => {
      lifecycle.start()
      if (!registered) network.registerService(MAIL_SERVICE, { onRequest: handle })
      registered = true
    },
    stop: lifecycle.stop
  }
}
