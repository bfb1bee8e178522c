/**
 * What the gateway needs from the layers below it, and nothing more.
 * The node wires its real resolver chain and file system to these; tests use
 * in-memory fakes (test/helpers/fake-site-content.ts).
 *
 * Paths handed to SiteContent are relative, already percent-decoded, with
 * segments joined by '/', no leading or trailing slash; '' is the root.
 * Failures are TornetErrors carrying one of ContentErrorCode (see errors.ts).
 */
import type { Duplex } from 'node:stream'
import type { Resolver, ResolveTarget } from '../resolvers/types.js'

export type { Resolver, ResolveTarget }

/**
 * A resolver that may also answer from its cache without waiting.
 * resolveCached(host) returns what resolve(host) would return right now
 * when that needs no lookup, else undefined (then the gateway calls
 * resolve, under its deadline). Saves a timer and a promise per request.
 */
export interface GatewayResolver extends Resolver {
  resolveCached?: (host: string) => ResolveTarget | undefined
}

export type ContentStat =
  | { kind: 'file', size: number, etag: string }
  | { kind: 'directory', etag: string }

export interface DirectoryEntry {
  name: string
  kind: 'file' | 'directory'
  size: number
}

/** Inclusive byte range, like HTTP's: { start: 0, end: 99 } is the first 100 bytes. */
export interface ByteRange {
  start: number
  end: number
}

export interface SiteContent {
  stat (reference: string, path: string, signal?: AbortSignal): Promise<ContentStat>
  list (reference: string, path: string, signal?: AbortSignal): AsyncIterable<DirectoryEntry>
  /**
   * Streams the file (or the inclusive range of it) as bytes arrive from the network.
   * `transient`: each chunk yielded may be reused by the source once the next is asked for.
   */
  read (reference: string, path: string, range: ByteRange | undefined, signal?: AbortSignal, opts?: { transient?: boolean }): AsyncIterable<Uint8Array>
}

/**
 * Streams to hidden services (the node's HiddenServices, node.hidden): a
 * reliable byte stream to the service's local web server through a joined
 * circuit. `isolation` is the request's tag (ctx.isolation): distinct tags
 * never share a circuit. Failures are TunnelErrors (TUNNEL_HS_NOT_FOUND,
 * TUNNEL_HS_UNREACHABLE, TUNNEL_TIMEOUT, TUNNEL_CIRCUIT_CLOSED, …).
 */
export interface HiddenPort {
  /** `earlyData`: the stream's first bytes, carried inside the introduction (0-RTT). */
  connect (publicKey: Buffer, opts: { isolation: string, signal: AbortSignal, earlyData?: Buffer }): Promise<Duplex>
}

/**
 * Sites read through onion circuits (the node's anonymousContent): `contentFor(hops, isolation)`
 * reads like `content`, with its lookups and chunk fetches run at the exit of a circuit of
 * `hops` hops kept for that isolation tag (the proxy user name). `defaultHops` is the
 * gateway's `tunnelHops` (0: directly unless the user name asks, see tunnel-hops.ts).
 */
export interface AnonymousSiteContent<C = SiteContent> {
  defaultHops: number
  maxHops: number
  contentFor (hops: number, isolation: string): C
}

export type GatewayLogLevel = 'debug' | 'info' | 'warn'

export type GatewayLog = (level: GatewayLogLevel, message: string, fields?: Record<string, unknown>) => void
