/**
 * What the circuits panel, /api/circuits and `tornet circuits` read from the
 * node: its circuits (node.tunnels.circuits()), relay counters, and its
 * hidden services (node.hidden.list()). Types are the tunnels contract's own
 * (src/node/services/tunnels/tunnel-api.ts, hidden-api.ts): ranks, never
 * addresses.
 */
import type { CircuitInfo, CircuitPurpose, TunnelStats } from '../../../node/services/tunnels/tunnel-api.js'
import type { HiddenServiceInfo } from '../../../node/services/tunnels/hidden-api.js'

export type { CircuitInfo, CircuitPurpose, HiddenServiceInfo, TunnelStats }

export interface TunnelsPort {
  circuits (): CircuitInfo[]
  stats? (): TunnelStats
  /** Present when the node runs hidden services. */
  hiddenServices? (): HiddenServiceInfo[]
}

/** GET /api/circuits: the same facts as the panel, for `tornet circuits` and scripts. */
export interface CircuitsReport {
  now: number
  circuits: CircuitInfo[]
  stats: TunnelStats | null
  hidden: Array<HiddenServiceInfo & { host: string }> // host: the service key's own .tor-net host
}
