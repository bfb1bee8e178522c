/**
 * Small files of sites, kept whole in memory once served, with the headers
 * of their 200 answer built in advance. A reference names bytes that can
 * never change, so an entry never goes stale: a name that moves to new
 * content resolves to another reference, and so to other entries. Bounded
 * by total bytes, by entry count and by the size of one file (larger files
 * always stream from the content layer).
 *
 * Entries are found by reference, then by the URL pathname (with the base
 * path of a name record in front, if any): the pathname as the URL has it
 * (percent-encoded, dot segments removed), so a hit needs no path decoding
 * and no directory lookup; a directory URL ending in '/' maps to its
 * index.html. Two maps rather than one joined key because the strings come
 * from the resolver's and the URL parser's caches, the same objects every
 * time, and V8 keeps a string's hash on it: a hit hashes nothing.
 *
 * Eviction is "second chance" (clock): a hit only sets a flag; when space
 * is needed, the oldest entry goes unless it was used since it was last
 * passed over, in which case it moves to the back. Nearly LRU, without
 * reordering anything on a hit.
 */
import { flatFullHeaders } from './file-response.js'

export interface CachedFile {
  readonly body: Buffer
  readonly etag: string // quoted
  readonly contentType: string
  /** writeHead's flat headers of a full 200 answer, for a content address and for a name. */
  readonly immutableHeaders: string[]
  readonly nameHeaders: string[]
}

export interface FileCacheLimits {
  /** Sum of the bodies held; 0 turns the cache off. */
  maxBytes: number
  /** Larger files are not kept. */
  maxFileBytes: number
  maxEntries: number
}

export const DEFAULT_FILE_CACHE_LIMITS: FileCacheLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxFileBytes: 256 * 1024,
  maxEntries: 16_384
}

// What an entry costs besides its body (keys, headers, bookkeeping), so that many tiny files count too.
const ENTRY_OVERHEAD = 512

interface Slot {
  readonly file: CachedFile
  readonly bytes: number
  readonly reference: string
  readonly path: string
  used: boolean
}

export class FileCache {
  private readonly sites = new Map<string, Map<string, Slot>>()
  private readonly order = new Set<Slot>() // oldest first
  private readonly maxFileBytes: number
  private readonly maxBytes: number
  private readonly maxEntries: number
  private total = 0

  constructor (limits: FileCacheLimits, private readonly cacheControl: { immutable: string, name: string }) {
    this.maxBytes = limits.maxBytes
    this.maxEntries = limits.maxEntries
    this.maxFileBytes = Math.min(limits.maxFileBytes, limits.maxBytes - ENTRY_OVERHEAD)
  }

  get size (): number { return this.order.size }
  /** Bytes accounted to the entries held (bodies and a fixed overhead each). */
  get bytes (): number { return this.total }

  /** Whether a file of `size` bytes would be kept. */
  admits (size: number): boolean {
    return size <= this.maxFileBytes && this.maxEntries > 0
  }

  /** `base` is the path a name record points at (ResolveTarget.path), if any; `pathname` the URL's. */
  get (reference: string, base: string | undefined, pathname: string): CachedFile | undefined {
    const slot = this.sites.get(reference)?.get(pathKey(base, pathname))
    if (slot === undefined) return undefined
    slot.used = true
    return slot.file
  }

  /** Keeps the file whose bytes are `parts`, copied into one buffer that pins nothing else. */
  store (reference: string, base: string | undefined, pathname: string, parts: readonly Uint8Array[],
    etag: string, contentType: string): CachedFile | undefined {
    let size = 0
    for (const part of parts) size += part.length
    if (!this.admits(size)) return undefined
    const body = Buffer.allocUnsafeSlow(size)
    let offset = 0
    for (const part of parts) {
      body.set(part, offset)
      offset += part.length
    }
    const file: CachedFile = {
      body,
      etag,
      contentType,
      immutableHeaders: flatFullHeaders(etag, this.cacheControl.immutable, contentType, size),
      nameHeaders: flatFullHeaders(etag, this.cacheControl.name, contentType, size)
    }
    const path = pathKey(base, pathname)
    const old = this.sites.get(reference)?.get(path)
    if (old !== undefined) this.remove(old) // first: it may drop the reference's map
    let site = this.sites.get(reference)
    if (site === undefined) {
      site = new Map()
      this.sites.set(reference, site)
    }
    // Starts flagged, so a full pass of the clock clears every flag before anything new is evicted.
    const slot: Slot = { file, bytes: size + ENTRY_OVERHEAD, reference, path, used: true }
    site.set(path, slot)
    this.order.add(slot)
    this.total += slot.bytes
    this.evict()
    return file
  }

  clear (): void {
    this.sites.clear()
    this.order.clear()
    this.total = 0
  }

  private evict (): void {
    while (this.order.size > this.maxEntries || this.total > this.maxBytes) {
      const oldest = this.order.values().next().value as Slot
      if (oldest.used) {
        oldest.used = false
        this.order.delete(oldest)
        this.order.add(oldest)
      } else {
        this.remove(oldest)
      }
    }
  }

  private remove (slot: Slot): void {
    const site = this.sites.get(slot.reference)
    if (site?.get(slot.path) === slot) {
      site.delete(slot.path)
      if (site.size === 0) this.sites.delete(slot.reference)
    }
    if (this.order.delete(slot)) this.total -= slot.bytes
  }
}

// A pathname has no newline (the URL parser drops them) and starts with '/'; a base may hold anything
// but comes first, and the last newline splits the two: no two (base, pathname) pairs share a key.
function pathKey (base: string | undefined, pathname: string): string {
  return base === undefined ? pathname : `${base}\n${pathname}`
}
