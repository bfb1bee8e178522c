import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { ServiceNetwork } from '../service-network.js'
import { SearchError, SearchErrorCode } from './errors.js'
import { SEARCH_SERVICE, STORE_STATUS, decodeSearchResponse, encodeSearchRequest } from './messages.js'
import type { TagHolder } from './tag-holder.js'
import { locationsOf } from './tag-locations.js'
import {
  MAX_TAG_WORDS, type TagRecord, checkTagRecord, decodeTagRecord, encodeTagRecord, signTagRecord, tagSlot, targetLocation, wordLocation
} from './tag-record.js'
import { tagWord } from './tokeniser.js'

/**
 * Tags over the network: a tag is stored at the nodes closest to each of its
 * words' locations and to its target's root chunk id (where the target's
 * provider records live); reading asks the closest few replicas and this
 * node's own holder, keeps only records that decode and verify, and the
 * newest per (tagger, target).
 */
export interface TagClientOptions {
  network: ServiceNetwork
  holder: TagHolder
  identity: Pick<Identity, 'publicKey' | 'secretKey' | 'nonce'>
  now: () => number
  /** The tags this node made, re-sent by republish(); optional. */
  owned?: { put: (key: string, value: Buffer) => Promise<void>, values: () => Buffer[] }
  /** The nodes that serve a root chunk (its providers): a tag is stored with them too. */
  hosts?: (targetId: Buffer, signal?: AbortSignal) => Promise<Contact[]>
  /** Replicas a tag is sent to per location; default 8. */
  replicas?: number
  /** Replicas asked per read; default 4. */
  readReplicas?: number
  timeoutMs?: number
}

export interface TagPublishResult { record: TagRecord, stored: number, locations: number }

export class TagClient {
  private readonly replicas: number
  private readonly readReplicas: number
  private readonly timeoutMs: number

  constructor (private readonly o: TagClientOptions) {
    this.replicas = o.replicas ?? 8
    this.readReplicas = o.readReplicas ?? 4
    this.timeoutMs = o.timeoutMs ?? 5_000
  }

  /** Signs and publishes a tag; throws SEARCH_INVALID_ARGUMENT for words that are no terms, SEARCH_TAG_NOT_STORED when nobody took it. */
  async tag (target: { id: Buffer, key: Buffer }, words: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<TagPublishResult> {
    const clean: string[] = []
    for (const raw of words) {
      const w = tagWord(raw)
      if (w === undefined) throw new SearchError(SearchErrorCode.INVALID_ARGUMENT, `"${raw.slice(0, 40)}" is not a tag word: 2 to 32 bytes of letters and digits, not a stop word`)
      if (!clean.includes(w)) clean.push(w)
    }
    if (clean.length === 0 || clean.length > MAX_TAG_WORDS) throw new SearchError(SearchErrorCode.INVALID_ARGUMENT, `give 1 to ${MAX_TAG_WORDS} words`)
    if (target.id.length !== 32 || target.key.length !== 32 || target.id.every(b => b === 0)) throw new SearchError(SearchErrorCode.INVALID_ARGUMENT, 'a tag needs a target reference')
    const record = signTagRecord(this.o.identity, target, clean, this.o.now())
    const encoded = encodeTagRecord(record)
    await this.o.owned?.put(tagSlot(record), encoded)
    const stored = await this.send(record, encoded, opts.signal)
    if (stored === 0) throw new SearchError(SearchErrorCode.TAG_NOT_STORED, 'no node took the tag (is this node connected?)')
    return { record, stored, locations: locationsOf(record).length }
  }

  /** Re-sends this node's own tags to their current closest nodes. */
  async republish (signal?: AbortSignal): Promise<void> {
    for (const encoded of this.o.owned?.values() ?? []) {
      signal?.throwIfAborted()
      const record = tryDecode(decodeTagRecord, encoded)
      if (record !== undefined) await this.send(record, encoded, signal).catch(() => 0)
    }
  }

  /** Every store that took the tag, over all its locations (this node's own holder included). */
  private async send (record: TagRecord, encoded: Buffer, signal?: AbortSignal): Promise<number> {
    let stored = 0
    const target = targetLocation(record.targetId)
    await Promise.all(locationsOf(record).map(async (location) => {
      if (this.o.holder.offer(location, encoded) === STORE_STATUS.stored) stored++
      const peers = (await this.o.network.closest(location, { signal, count: this.replicas }).catch(() => [] as Contact[])).slice(0, this.replicas)
      // The target's location: the nodes hosting its root chunk keep the tag as well as the closest nodes.
      if (location.equals(target) && this.o.hosts !== undefined) {
        for (const h of (await this.o.hosts(record.targetId, signal).catch(() => [] as Contact[])).slice(0, this.replicas)) {
          if (!h.id.equals(this.o.network.self.id) && !peers.some(p => p.id.equals(h.id))) peers.push(h)
        }
      }
      const payload = encodeSearchRequest({ type: 'tag-store', location, record: encoded })
      await Promise.all(peers.map(async (peer) => {
        try {
          const reply = tryDecode(decodeSearchResponse, await this.o.network.request(peer, SEARCH_SERVICE, payload, { signal, timeoutMs: this.timeoutMs }))
          if (reply?.type === 'tag-stored' && reply.status === STORE_STATUS.stored) stored++
        } catch { /* an unreachable replica counts as not stored */ }
      }))
    }))
    return stored
  }

  async tagsOn (targetId: Buffer, opts: { signal?: AbortSignal } = {}): Promise<TagRecord[]> {
    return await this.findAt(targetLocation(targetId), opts.signal, r => r.targetId.equals(targetId))
  }

  async tagsWith (word: string, opts: { signal?: AbortSignal } = {}): Promise<TagRecord[]> {
    const w = tagWord(word)
    if (w === undefined) return []
    return await this.findAt(wordLocation(w), opts.signal, r => r.words.includes(w))
  }

  private async findAt (location: Buffer, signal: AbortSignal | undefined, belongs: (r: TagRecord) => boolean): Promise<TagRecord[]> {
    const found = new Map<string, TagRecord>()
    const now = this.o.now()
    const take = (r: TagRecord): void => {
      if (!belongs(r) || checkTagRecord(r, now) !== undefined) return
      const k = tagSlot(r)
      const prev = found.get(k)
      if (prev === undefined || prev.time < r.time) found.set(k, r)
    }
    for (const h of this.o.holder.find(location)) take(h.record)
    const peers = await this.o.network.closest(location, { signal, count: this.readReplicas }).catch(() => [] as Contact[])
    const payload = encodeSearchRequest({ type: 'tag-find', location })
    await Promise.all(peers.slice(0, this.readReplicas).map(async (peer) => {
      try {
        const reply = tryDecode(decodeSearchResponse, await this.o.network.request(peer, SEARCH_SERVICE, payload, { signal, timeoutMs: this.timeoutMs }))
        if (reply?.type !== 'tag-found') return
        for (const bytes of reply.records) {
          const r = tryDecode(decodeTagRecord, bytes)
          if (r !== undefined) take(r)
        }
      } catch { /* another replica may answer */ }
    }))
    return [...found.values()].sort((a, b) => b.time - a.time)
  }
}
