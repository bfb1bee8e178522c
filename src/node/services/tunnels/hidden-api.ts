/**
 * Hidden services' contract (issue 17): what the CLI, the gateway and the
 * demo call. A service is an ed25519 key; its descriptor (intro points,
 * expiry, signed) sits in the key/value store under a key blinded by the day.
 */
import type { Duplex } from 'node:stream'

export interface HiddenServiceInfo {
  /** The label the user gave (`tornet hidden add NAME`), also the registered NAME.tor-net. */
  name: string
  /** The service's ed25519 public key (hex, 64 digits): a `.tor-net` host by itself (base32 label, see keyHost). */
  publicKey: string
  /** Where the gateway on the service's side forwards streams: 127.0.0.1:PORT. */
  target: { host: string, port: number }
  /** Published descriptor's expiry (ms since epoch), when published. */
  descriptorExpires?: number
  /** Intro points in use (ranks only). */
  introPoints: Array<{ rank: number }>
  /** Introductions taken / refused (flood limit, bad proof of work) since start. */
  introductions: number
  refused: number
  /** Whether introductions currently require a client proof of work (under attack). */
  powRequired: boolean
}

export interface HiddenConnectProgress {
  phase: 'descriptor' | 'rendezvous' | 'introduce' | 'joined'
}

export interface HiddenServices {
  /**
   * Makes (or loads) the service key `name`, picks 3 intro points, publishes
   * the descriptor, registers NAME.tor-net → hidden-service:<key> (unless
   * `register: false`), and starts serving: streams from clients are piped to
   * a TCP connection to `target` (loopback only).
   */
  add: (name: string, target: { host: string, port: number }, opts?: { register?: boolean, signal?: AbortSignal }) => Promise<HiddenServiceInfo>
  /** Stops serving `name` and deletes its key file; false when no such service. */
  remove: (name: string) => Promise<boolean>
  list: () => HiddenServiceInfo[]
  /**
   * A client stream to the hidden service whose public key is `publicKey`
   * (32 bytes): descriptor → rendezvous → introduce → joined circuit → BEGIN.
   * `isolation` keeps distinct SOCKS users on distinct circuits. `earlyData`: the stream's first
   * bytes, carried inside the introduction (0-RTT; see hidden/hidden-client.ts) — the stream
   * returned has already sent them.
   * Throws TunnelError HS_NOT_FOUND / HS_UNREACHABLE / TIMEOUT.
   */
  connect: (publicKey: Buffer, opts?: { isolation?: string, signal?: AbortSignal, onProgress?: (p: HiddenConnectProgress) => void, earlyData?: Buffer }) => Promise<Duplex>
  start: () => void
  stop: () => Promise<void>
}
