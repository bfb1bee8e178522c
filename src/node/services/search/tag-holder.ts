import { MAX_FOUND_TAGS, STORE_STATUS, type StoreStatus } from './messages.js'
import { SearchErrorCode } from './errors.js'
import { checkTagRecord, decodeTagRecord, tagSlot, type TagRecord } from './tag-record.js'
import { tryDecode } from '../../wire/codec.js'
import { locationsOf } from './tag-locations.js'

export interface HeldTag { record: TagRecord, encoded: Buffer }

export interface TagHolderOptions {
  now: () => number
  /** Locations held at once; the least recently stored is dropped past it. Default 20 000. */
  maxLocations?: number
  /** Tags kept per location (one per tagger and target). Default MAX_FOUND_TAGS. */
  maxPerLocation?: number
  /**
   * Tags one tagger key may have held here, over all locations (a tag sits at one location per
   * word and one per target). Default 1 000: a key tagging without end fills its own share, never
   * the table, and so cannot push out others' tags.
   */
  maxPerTagger?: number
}

/**
 * The tags this node keeps for others (and its own), by location (a word's
 * or a target's). One tag per (tagger, target) per location: a newer one
 * replaces it. Bounded both ways; every offer is decoded and its signature
 * checked before it is kept, so what a FIND answers is always valid.
 */
export class TagHolder {
  private readonly byLocation = new Map<string, Map<string, HeldTag>>()
  private readonly maxLocations: number
  private readonly maxPerLocation: number
  private readonly maxPerTagger: number
  /** Tags held per tagger key (hex), over all locations. */
  private readonly perTagger = new Map<string, number>()

  constructor (private readonly opts: TagHolderOptions) {
    this.maxLocations = opts.maxLocations ?? 20_000
    this.maxPerLocation = Math.min(opts.maxPerLocation ?? MAX_FOUND_TAGS, MAX_FOUND_TAGS)
    this.maxPerTagger = opts.maxPerTagger ?? 1_000
  }

  /** How many tags of this tagger (32-byte key) are held. */
  heldFrom (tagger: Buffer): number { return this.perTagger.get(tagger.toString('hex')) ?? 0 }

  private count (tagger: Buffer, by: number): void {
    const hex = tagger.toString('hex')
    const n = (this.perTagger.get(hex) ?? 0) + by
    if (n <= 0) this.perTagger.delete(hex)
    else this.perTagger.set(hex, n)
  }

  get locations (): number { return this.byLocation.size }

  offer (location: Buffer, encoded: Buffer): StoreStatus {
    const record = tryDecode(decodeTagRecord, encoded)
    if (record === undefined) return STORE_STATUS.malformed
    const why = checkTagRecord(record, this.opts.now())
    if (why === SearchErrorCode.TAG_BAD_SIGNATURE) return STORE_STATUS.badSignature
    if (why !== undefined) return STORE_STATUS.fromFuture
    if (!locationsOf(record).some(l => l.equals(location))) return STORE_STATUS.malformed
    const key = location.toString('hex')
    let slots = this.byLocation.get(key)
    const slot = tagSlot(record)
    const old = slots?.get(slot)
    if (old !== undefined && old.record.time >= record.time) return STORE_STATUS.stored
    if (old === undefined && this.heldFrom(record.tagger) >= this.maxPerTagger) return STORE_STATUS.full
    if (slots === undefined) {
      if (this.byLocation.size >= this.maxLocations) {
        const oldest = this.byLocation.keys().next().value
        if (oldest !== undefined) {
          for (const h of this.byLocation.get(oldest)?.values() ?? []) this.count(h.record.tagger, -1)
          this.byLocation.delete(oldest)
        }
      }
      slots = new Map()
    } else this.byLocation.delete(key)
    this.byLocation.set(key, slots)
    if (old === undefined && slots.size >= this.maxPerLocation) return STORE_STATUS.full
    slots.set(slot, { record, encoded: Buffer.from(encoded) })
    if (old === undefined) this.count(record.tagger, 1)
    return STORE_STATUS.stored
  }

  find (location: Buffer): HeldTag[] {
    return [...(this.byLocation.get(location.toString('hex'))?.values() ?? [])]
  }

  /** Every tag held, each once (a tag sits at several locations). */
  all (): HeldTag[] {
    const seen = new Map<string, HeldTag>()
    for (const slots of this.byLocation.values()) {
      for (const h of slots.values()) {
        const k = tagSlot(h.record)
        const prev = seen.get(k)
        if (prev === undefined || prev.record.time < h.record.time) seen.set(k, h)
      }
    }
    return [...seen.values()]
  }
}
