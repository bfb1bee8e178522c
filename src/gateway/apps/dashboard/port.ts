/**
 * What the dashboard needs from the node, and nothing more. The lead wires
 * the real node to a DashboardPort; tests use a fake. Every read may answer
 * synchronously or with a promise. Times are milliseconds since the epoch,
 * sizes are bytes, ids are lowercase hex.
 */

export type Awaitable<T> = T | Promise<T>

export interface NodeStatus {
  id: string // node id, hex
  rank: number // leading zero bits of the identity's proof of work
  publicKey: string // hex
  startedAt: number
  listen: string // where the node's UDP socket listens, e.g. "0.0.0.0:9151"
  gatewayUrl: string // e.g. "http://127.0.0.1:9150"
  version: string
  /** Whether peers can reach this node, in words (e.g. "public", "unreachable: …"); absent before the first check. */
  reachability?: string
}

export interface PeerInfo {
  id: string
  endpoint: string // "host:port"
  rank: number
  rttMs?: number
  bytesIn: number
  bytesOut: number
  lastSeen: number
  /** A session with the peer is open now (sessions close after minutes idle; absent: open). */
  session?: boolean
  /** The peer is in the routing table (absent: not said). */
  inTable?: boolean
}

export interface StorageInfo {
  localBytes: number // chunks this node published or pinned
  localCount: number
  cacheBytes: number // chunks kept for others, evicted when over the limit
  cacheCount: number
  cacheLimit: number
}

export interface TrafficInfo {
  bytesIn: number
  bytesOut: number
  byKind: Record<string, { in: number, out: number }>
}

export interface PublishedItem {
  reference: string // base32 label form
  url: string // http://<reference>.tor-net/
  name?: string
  nameUrl?: string // http://<name>.tor-net/
  title: string
  files: number
  bytes: number
  publishedAt: number
  /**
   * What the node's hourly checks gathered (issue 19 item 7), when it tracks the item: hosts
   * known (the fewest any of its chunks has), the oldest last check (0: not yet), and the
   * popularity, whole-chunk reads an hour summed over its chunks.
   */
  hosts?: number
  lastCheck?: number
  readsPerHour?: number
}

/**
 * One uploaded file. Files arrive in the order of the request body, and
 * `open()` streams the bytes straight off the socket: it can be called once,
 * and a file's bytes must be read before the next file is taken (an unread
 * file is skipped). The stream throws if the upload turns out to be
 * malformed or cut short, so a publish never sees a truncated file as whole.
 */
export interface UploadedFile {
  path: string // '/'-separated, relative, no '.', '..' or empty segments, NFC
  open (): AsyncIterable<Uint8Array>
}

export interface PublishProgressEvent {
  files: number
  bytes: number
  path?: string
}

export interface DashboardPublishOptions {
  title: string
  signal?: AbortSignal // aborts when the browser goes away
  onProgress?: (event: PublishProgressEvent) => void
}

export interface DashboardPort {
  status (): Awaitable<NodeStatus>
  peers (): Awaitable<PeerInfo[]>
  storage (): Awaitable<StorageInfo>
  traffic (): Awaitable<TrafficInfo>
  published (): Awaitable<PublishedItem[]>
  publish (files: AsyncIterable<UploadedFile> | Iterable<UploadedFile>, opts: DashboardPublishOptions):
  Promise<{ reference: string, url: string }>
  /** Present when the node can register <name>.tor-net names. */
  registerName? (name: string, reference: string): Promise<{ url: string }>
}

/**
 * A panel that another part of Tornet (mail, radio) adds to the page.
 * `render` returns trusted HTML: the section must escape what it shows.
 */
export interface DashboardSection {
  id: string // [a-z0-9-], used as the panel's anchor
  title: string
  render (ctx: { signal: AbortSignal }): Promise<string>
}
