import { type CodeOf, layerErrorClass } from '../../errors.js'

/** Stable codes of the tunnels layer (cells, circuits, streams, hidden services). */
export const TunnelErrorCode = {
  /** Bytes that do not decode as a cell, a relay message or a descriptor. */
  MALFORMED: 'TUNNEL_MALFORMED',
  /** A cell whose layer does not authenticate (tagged, replayed or out of order): dropped, circuit torn down. */
  BAD_CELL: 'TUNNEL_BAD_CELL',
  /** The hop's handshake answer did not authenticate (wrong key, or someone in between). */
  HANDSHAKE_FAILED: 'TUNNEL_HANDSHAKE_FAILED',
  /** Not enough distinct relays (rank, /16 networks) to build a circuit of the asked length. */
  NO_RELAYS: 'TUNNEL_NO_RELAYS',
  /** A hop did not answer CREATE/EXTEND in time, or refused it. */
  EXTEND_FAILED: 'TUNNEL_EXTEND_FAILED',
  /** The circuit closed (a hop went away, TRUNCATE, DESTROY); `reason` in the details says why. */
  CIRCUIT_CLOSED: 'TUNNEL_CIRCUIT_CLOSED',
  /** BEGIN named a service the last hop does not offer. */
  NO_SUCH_SERVICE: 'TUNNEL_NO_SUCH_SERVICE',
  /** The stream was ended by the far side with an error reason. */
  STREAM_CLOSED: 'TUNNEL_STREAM_CLOSED',
  /** Over a bound (circuits per link, streams per circuit, intro requests per second). */
  LIMIT: 'TUNNEL_LIMIT',
  /** No descriptor for this hidden service (not published, expired, or its key is wrong). */
  HS_NOT_FOUND: 'TUNNEL_HS_NOT_FOUND',
  /** No introduction point answered or the service never came to the rendezvous. */
  HS_UNREACHABLE: 'TUNNEL_HS_UNREACHABLE',
  /** A hidden-service key file that cannot be used (bad JSON, group/world readable, missing). */
  HS_KEY: 'TUNNEL_HS_KEY',
  /** Bad arguments from the local caller. */
  INVALID_ARGUMENT: 'TUNNEL_INVALID_ARGUMENT',
  /** Used before start() or after stop(). */
  NOT_RUNNING: 'TUNNEL_NOT_RUNNING',
  /** The caller's AbortSignal fired or a deadline passed. */
  TIMEOUT: 'TUNNEL_TIMEOUT'
} as const

export type TunnelErrorCodeValue = CodeOf<typeof TunnelErrorCode>

export const TunnelError = layerErrorClass<TunnelErrorCodeValue>('TunnelError')
export type TunnelError = InstanceType<typeof TunnelError>
