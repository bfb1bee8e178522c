import type { TrafficMeter } from '../accounting/traffic-meter.js'
import type { Identity } from '../identity/identity.js'
import type { Transport } from '../transport/transport.js'
import { MIN_INIT_BYTES } from '../wire/link-packets.js'
import { LinkError, LinkErrorCode } from './errors.js'
import { STREAM_LINGER_MS } from './stream/index.js'
import type { SessionLimits } from './session.js'
import type { LinkLog, StreamFactory } from './types.js'

export interface LinkOptions {
  identity: Identity
  transport: Transport
  /** Peers (both directions) below this rank are refused; default 0. */
  minRank?: number
  meter?: TrafficMeter
  /** Datagram size for all packets until a probe proves more; default and minimum 1200. */
  mtu?: number
  /** Larger datagram size to probe for on each session (e.g. 1452, or 8192 on loopback); default: no probing. */
  probeMtu?: number
  /** Rotate a direction's key after this many bytes; default 1 GiB. */
  rekeyBytes?: number
  /** Rotate a direction's key after this long; default 10 min. */
  rekeyMs?: number
  /** 'auto' (default) demands a cookie when handshakes pile up; 'always' and 'never' for tests. */
  cookies?: 'auto' | 'always' | 'never'
  log?: LinkLog
  /** Builds stream endpoints; default: the ReliableStream. */
  streamFactory?: StreamFactory
  /** Clock (ms); default Date.now. */
  now?: () => number
  limits?: Partial<LinkLimits>
}

export interface LinkLimits extends SessionLimits {
  /** Sessions in the table; when full, a newcomer must outrank the lowest-standing session. */
  maxSessions: number
  /** Validated sessions per peer host: IPv4 address or IPv6 /64 (a NAT may hide several nodes; one host may not take the table). */
  maxSessionsPerAddress: number
  /** Sessions whose peer has not yet confirmed its address (each may queue maxQueuedBytes). */
  maxUnvalidatedSessions: number
  /** An unvalidated session older than this is closed. */
  unvalidatedTimeoutMs: number
  maxPendingHandshakes: number
  /**
   * Request handlers still running for one peer, over all its sessions: a handler keeps its slot
   * until it settles, even after its session closed (a peer that re-handshakes must not start
   * another maxConcurrentHandlers each time).
   */
  maxHandlersPerPeer: number
  /** Request handlers still running for everyone together. */
  maxHandlersTotal: number
  /** Inits per second (from everyone) above which 'auto' cookies kick in. */
  handshakeRateForCookies: number
  /** Inits per second from one source host (IPv4 address, IPv6 /64) above which it must echo a cookie. */
  initsPerAddressPerSecond: number
  /** Inits per second from one /24 (IPv4) or /48 (IPv6) above which it must echo a cookie. */
  initsPerNetworkPerSecond: number
  /** Cookie-proven inits per second from one host (IPv4 address, IPv6 /64); more are dropped. */
  provenInitsPerAddressPerSecond: number
  /** Distinct sources the init rate limiter tracks per second (beyond: treated as over the rate). */
  maxRateTrackedSources: number
  handshakeTimeoutMs: number
  handshakeRetryMs: number
  /**
   * Inits one outgoing handshake re-sends because a COOKIE asked for it. An
   * honest responder needs one (two when an IK attempt falls back to XX); the
   * bound stops a COOKIE source from drawing 1200-byte inits without end.
   */
  maxCookieResends: number
  /** Remembered IK_INIT ephemerals (0-RTT replay protection); only authenticated inits are remembered. */
  maxRecentInits: number
  /** Of those, at most this many from one source host, IPv4 address or IPv6 /64 (beyond: BUSY, and the initiator falls back to XX). */
  maxRecentInitsPerAddress: number
  maxClockSkewMs: number
  /** How long a responder holds IK_RESP so the 0-RTT answer can ride in it. */
  responseHoldMs: number
  idleTimeoutMs: number
  deadPeerMs: number
  keepaliveMs: number
  /** Bytes of incomplete fragmented messages, all sessions together. */
  reassemblyBudgetBytes: number
  /** ... and per session (both directions); a session under it may take room from the largest holder. */
  reassemblySessionBytes: number
  requestTimeoutMs: number
  requestRetries: number
  /** Period of the upkeep timer (idle, keepalive, cache expiry). */
  tickMs: number
}

export const DEFAULT_LIMITS: LinkLimits = {
  rekeyBytes: 2 ** 30,
  rekeyMs: 10 * 60_000,
  maxPayload: 64 * 1024,
  maxRequestsInFlight: 256,
  maxConcurrentHandlers: 64,
  maxPartialMessages: 64,
  reassemblyTimeoutMs: 10_000,
  maxChannels: 256,
  streamOpenRetryMs: 400,
  streamOpenTimeoutMs: 10_000,
  streamLingerMs: STREAM_LINGER_MS,
  answerCacheSize: 128,
  answerCacheBytes: 1024 * 1024,
  answerTtlMs: 30_000,
  answerResendMs: 100,
  answerResendBytesPerSec: 1024 * 1024,
  maxQueuedBytes: 256 * 1024,
  maxSessions: 4096,
  maxSessionsPerAddress: 64,
  maxUnvalidatedSessions: 128,
  unvalidatedTimeoutMs: 10_000,
  maxPendingHandshakes: 1024,
  maxHandlersPerPeer: 64,
  maxHandlersTotal: 1024,
  handshakeRateForCookies: 2000,
  initsPerAddressPerSecond: 10,
  initsPerNetworkPerSecond: 50,
  provenInitsPerAddressPerSecond: 100,
  maxRateTrackedSources: 16_384,
  handshakeTimeoutMs: 5_000,
  handshakeRetryMs: 300,
  maxCookieResends: 3,
  maxRecentInits: 16_384,
  maxRecentInitsPerAddress: 256,
  maxClockSkewMs: 10 * 60_000,
  responseHoldMs: 30,
  idleTimeoutMs: 180_000,
  deadPeerMs: 60_000,
  keepaliveMs: 15_000,
  reassemblyBudgetBytes: 32 * 1024 * 1024,
  reassemblySessionBytes: 2 * 1024 * 1024,
  requestTimeoutMs: 5_000,
  requestRetries: 2,
  tickMs: 1000
}

export interface ResolvedLinkOptions {
  minRank: number
  mtu: number
  probeMtu: number
  cookies: 'auto' | 'always' | 'never'
  now: () => number
  limits: LinkLimits
}

export const MAX_DATAGRAM = 65_507

export function resolveLinkOptions (o: LinkOptions): ResolvedLinkOptions {
  const mtu = o.mtu ?? MIN_INIT_BYTES
  if (!Number.isInteger(mtu) || mtu < MIN_INIT_BYTES || mtu > MAX_DATAGRAM) {
    throw new LinkError(LinkErrorCode.BAD_ARGUMENT, `mtu must be an integer in ${MIN_INIT_BYTES}..${MAX_DATAGRAM}, got ${mtu}`)
  }
  const probeMtu = o.probeMtu ?? mtu
  if (!Number.isInteger(probeMtu) || probeMtu < mtu || probeMtu > MAX_DATAGRAM) {
    throw new LinkError(LinkErrorCode.BAD_ARGUMENT, `probeMtu must be an integer in ${mtu}..${MAX_DATAGRAM}, got ${probeMtu}`)
  }
  const limits = { ...DEFAULT_LIMITS, ...o.limits }
  if (o.rekeyBytes !== undefined) limits.rekeyBytes = o.rekeyBytes
  if (o.rekeyMs !== undefined) limits.rekeyMs = o.rekeyMs
  if (!(limits.rekeyBytes > 0) || !(limits.rekeyMs > 0)) throw new LinkError(LinkErrorCode.BAD_ARGUMENT, 'rekeyBytes and rekeyMs must be positive')
  const minRank = o.minRank ?? 0
  if (!Number.isInteger(minRank) || minRank < 0 || minRank > 256) throw new LinkError(LinkErrorCode.BAD_ARGUMENT, `minRank must be 0..256, got ${minRank}`)
  return { minRank, mtu, probeMtu, cookies: o.cookies ?? 'auto', now: o.now ?? Date.now, limits }
}
