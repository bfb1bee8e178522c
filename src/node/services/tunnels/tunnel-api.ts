/**
 * The tunnels service's contract (issue 17): onion circuits over link
 * sessions, streams through them, and the relay-side hooks hidden services
 * and delegated lookups are built on. Written before the implementation so
 * the hidden-service, gateway and exit work can be coded against it; change
 * it only minimally and say so.
 *
 * Vocabulary: the *origin* builds a circuit hop by hop (telescoping); each
 * hop knows only its predecessor and successor. The last hop is where BEGIN
 * and REQUEST land. A circuit may end at a *joined* rendezvous (two circuits
 * spliced at one relay), past which the origin adds a *virtual hop*: the far
 * origin, keyed by an end-to-end handshake.
 */
import type { Duplex } from 'node:stream'
import type { Contact } from '../../routing/contact.js'

/** Link service name every cell rides on; also the traffic meter kind of cell bytes. */
export const TUNNEL_SERVICE = 'tunnel'

/** Why a circuit or stream ended (carried in DESTROY/TRUNCATED/END, one byte on the wire). */
export const END_REASON = {
  done: 0,
  /** A hop's next link failed or timed out: rebuild elsewhere and retry an idempotent request once. */
  hopFailed: 1,
  /** A cell failed authentication somewhere on the path: rebuild elsewhere. */
  protocol: 2,
  /** BEGIN named a service the last hop does not offer. */
  noService: 3,
  /** A bound was hit (streams, circuits, rate): back off. */
  limit: 4,
  /** The target refused or failed (hidden service's local server down). */
  refused: 5,
  timeout: 6,
  /** The relay is shutting down. */
  shutdown: 7
} as const
export type EndReason = typeof END_REASON[keyof typeof END_REASON]

/** What a circuit is for; shown on the dashboard and keys the reuse of circuits. */
export type CircuitPurpose = 'general' | 'delegate' | 'hs-intro' | 'hs-rendezvous' | 'hs-service' | 'hs-client'

/** What `tornet circuits` and the dashboard show: ranks, never addresses. */
export interface CircuitInfo {
  /** A local handle (hex, random), never the wire circuit id. */
  id: string
  purpose: CircuitPurpose
  /** The isolation tag (SOCKS username) this circuit serves, when any. */
  isolation?: string
  state: 'building' | 'open' | 'closed'
  hops: Array<{ rank: number }>
  /** True once joined to a far origin at a rendezvous (hidden-service circuits). */
  endToEnd: boolean
  createdAt: number
  bytesIn: number
  bytesOut: number
  streams: number
}

/** Relay-side counters: what a relay keeps per circuit is its neighbours and nothing more. */
export interface RelayCircuitView {
  /** The predecessor's node id (hex) and the successor's, when extended. */
  previous: string
  next?: string
  /** True when this relay is the rendezvous joining two circuits. */
  joined: boolean
  /** Cells of this circuit at this relay: received from either side, and originated here (an exit's DATA). */
  cells: number
}

export interface TunnelStats {
  circuitsOrigin: number
  circuitsRelayed: number
  cellsForwarded: number
  /** Cells dropped: malformed, unknown command, failed authentication (tagged/replayed), over a bound. */
  cellsDropped: number
  droppedByReason: Record<string, number>
}

export interface BuildOptions {
  /** Number of hops (1..MAX_HOPS; default 3). */
  hops?: number
  purpose?: CircuitPurpose
  isolation?: string
  /** The last hop must be this relay (intro point, rendezvous, delegate). */
  lastHop?: Contact
  /** Relays not to use (a failed hop, the other side's hops). */
  exclude?: Buffer[]
  signal?: AbortSignal
  /** One call per hop added, so long builds show progress. */
  onHop?: (index: number, rank: number) => void
}

/** A circuit this node originated. */
export interface Circuit {
  readonly info: CircuitInfo
  /**
   * Opens a reliable stream (BEGIN) to `service` at the last hop (or past the virtual hop).
   * `optimistic` (Tor's optimistic data): resolves at once, the caller's writes follow BEGIN
   * without waiting for CONNECTED, and a refused BEGIN fails the stream instead of this call.
   */
  openStream: (service: string, opts?: { signal?: AbortSignal, optimistic?: boolean }) => Promise<Duplex>
  /**
   * The stream `id` past the virtual hop, opened by agreement of both ends instead of BEGIN
   * (hidden services' 0-RTT: the client's first stream, whose first bytes rode in the
   * introduction, is answered as soon as the circuits join). Only after addVirtualHop.
   */
  adoptStream: (id: number, service: string) => Duplex
  /**
   * A one-shot request to a named handler at hop `hop` (default: the last hop),
   * answered by its RelayRequestHandler (max MAX_REQUEST_BYTES each way).
   * Hidden services use it for ESTABLISH_INTRO, INTRODUCE, ESTABLISH_RENDEZVOUS.
   */
  request: (name: string, payload: Buffer, opts?: { hop?: number, signal?: AbortSignal, timeoutMs?: number }) => Promise<Buffer>
  /**
   * Adds one real hop past the last one (one EXTEND, one handshake): how a
   * pre-built circuit is turned into one ending at a chosen relay (Tor's
   * cannibalisation). Not after addVirtualHop; never a relay already on the
   * circuit. Throws TunnelError EXTEND_FAILED / TIMEOUT and closes the circuit on failure.
   */
  extend: (to: Contact, opts?: { signal?: AbortSignal }) => Promise<void>
  /**
   * Adds a virtual hop past the last (real) hop, keyed by an end-to-end
   * handshake already completed (hidden services: client ↔ service through a
   * joined rendezvous). From then on openStream() reaches the far origin.
   */
  addVirtualHop: (keys: HopKeyMaterial) => void
  /** Sends DESTROY along the circuit and closes its streams. */
  close: (reason?: EndReason) => void
  /** Called once when the circuit closes, for whatever reason. */
  onClose: (listener: (reason: EndReason) => void) => void
}

/** The secret a hop handshake (or the end-to-end handshake) produced: both directions' keys derive from it. */
export interface HopKeyMaterial {
  secret: Buffer
  /** Which side of the handshake this is ('origin' builds/uses the circuit; 'far' is the hop or the far origin). */
  role: 'origin' | 'far'
}

/** Where a relay-side request or stream arrived: the circuit as the handling relay sees it. */
export interface RelayCircuitContext {
  /** A local handle of the circuit at this relay (hex). */
  readonly id: string
  /** The authenticated neighbour the circuit came from (the predecessor; never the origin unless 1 hop). */
  readonly previous: Contact
  /**
   * Splices this circuit to `other` at this relay (rendezvous): from now on
   * cells past this hop on either circuit pass to the other. Both must end here.
   */
  join: (other: RelayCircuitContext) => void
  /** Sends a one-shot message back to the origin (the far side of the request), e.g. INTRODUCE forwarded to the service. */
  notify: (name: string, payload: Buffer) => void
  readonly closed: boolean
  onClose: (listener: () => void) => void
}

export type RelayRequestHandler = (payload: Buffer, ctx: RelayCircuitContext) => Promise<Buffer>
export type RelayStreamHandler = (stream: Duplex, ctx: RelayCircuitContext) => void
/** The origin hears a notify() from a hop of its circuit (hidden services: INTRODUCE2 at the service). */
export type OriginNotifyHandler = (circuit: Circuit, name: string, payload: Buffer) => void

export interface TunnelService {
  /** Builds a circuit (telescoping, ntor-like per hop); throws TunnelError NO_RELAYS / EXTEND_FAILED / TIMEOUT. */
  build: (opts?: BuildOptions) => Promise<Circuit>
  /**
   * A circuit for `isolation` (a SOCKS username, or '' for the shared one)
   * with `hops` hops, reused while open (Tor's IsolateSOCKSAuth: distinct tags never share a circuit).
   */
  circuitFor: (hops: number, isolation: string, opts?: { signal?: AbortSignal }) => Promise<Circuit>
  /** Circuits this node originated (open and building). */
  circuits: () => CircuitInfo[]
  /** What this node holds as a relay, one entry per relayed circuit (tests inspect it). */
  relayed: () => RelayCircuitView[]
  stats: () => TunnelStats
  /** A named request handler at this relay (as last hop). Names are short ASCII. */
  handleRequest: (name: string, handler: RelayRequestHandler) => void
  /** A named stream service reachable by BEGIN at this relay (as last hop, or as the far origin). */
  handleStream: (service: string, handler: RelayStreamHandler) => void
  /** Hears notify() messages arriving at circuits this node originated. */
  onNotify: (handler: OriginNotifyHandler) => void
  start: () => void
  stop: () => Promise<void>
}

/** Contacts usable as relays: what build() picks from (rank ≥ minRank, distinct /16, never twice). */
export interface RelayDirectory {
  candidates: () => Contact[]
}
