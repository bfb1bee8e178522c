/**
 * One resolver interface, shared by the gateway and the CLI:
 * host name → what it names. Every scheme (<ref>.tor-net, <name>.tor-net,
 * <sub>.<name>.tor-net, <name>.bit) answers with one of these targets or
 * throws a ResolveError whose code the gateway maps to an HTTP/SOCKS reply.
 */
export type ResolveTarget =
  | { kind: 'content', reference: string, path?: string } // reference in its base32-label form
  | { kind: 'hidden-service', publicKey: string }
  | { kind: 'mailbox', publicKey: string }
  | { kind: 'station', publicKey: string } // a radio station's id (64 hex): the radio app plays it
  | { kind: 'clearnet', host: string, addresses: string[], port?: number }
  | { kind: 'gateway' } // tornet.tor-net: the dashboard
  | { kind: 'unsupported', network: 'tor' | 'i2p' | 'freenet' | string, address: string, message: string }

export interface Resolver {
  /**
   * `host` is lowercase, without port or trailing dot. `isolation`: the proxy user name the
   * request came with (a resolver may run its lookups through a circuit kept for it).
   */
  resolve (host: string, opts?: { signal?: AbortSignal, isolation?: string }): Promise<ResolveTarget>
}

/** Stable codes a resolver failure carries (TornetError.code). */
export const RESOLVE_ERRORS = {
  notFound: 'RESOLVE_NOT_FOUND', // name has no record
  expired: 'RESOLVE_EXPIRED', // record exists but expired
  invalidName: 'RESOLVE_INVALID_NAME', // malformed host
  invalidRecord: 'RESOLVE_INVALID_RECORD', // record exists but is unusable
  unavailable: 'RESOLVE_UNAVAILABLE', // backend (Namecoin node, DHT) unreachable
  timeout: 'RESOLVE_TIMEOUT',
  certificateChanged: 'RESOLVE_CERT_CHANGED', // an ElectrumX server shows another TLS certificate than the one pinned on first use
  notTornet: 'RESOLVE_NOT_TORNET' // a host outside .tor-net / .bit
} as const
