/** A TunnelsPort with fixed circuits and hidden services, for the circuits panel and `tornet circuits`. */
import type { CircuitInfo, HiddenServiceInfo, TunnelStats, TunnelsPort } from '../../src/gateway/apps/tunnels/tunnels-port.js'

export const T0 = Date.UTC(2026, 11, 6, 3, 0, 0)

export function fakeCircuit (over: Partial<CircuitInfo> = {}): CircuitInfo {
  return {
    id: 'a1b2c3d4e5f60718', purpose: 'general', state: 'open', hops: [{ rank: 12 }, { rank: 9 }, { rank: 14 }],
    endToEnd: false, createdAt: T0 - 65_000, bytesIn: 3 * 1024 * 1024, bytesOut: 2048, streams: 2, ...over
  }
}

export function fakeHidden (over: Partial<HiddenServiceInfo> = {}): HiddenServiceInfo {
  return {
    name: 'guestbook', publicKey: '11'.repeat(32), target: { host: '127.0.0.1', port: 41234 },
    introPoints: [{ rank: 10 }, { rank: 11 }, { rank: 8 }], introductions: 7, refused: 1, powRequired: false, ...over
  }
}

export function fakeTunnelsPort (circuits: CircuitInfo[], hidden?: HiddenServiceInfo[], stats?: TunnelStats): TunnelsPort {
  return {
    circuits: () => circuits,
    ...(stats === undefined ? {} : { stats: () => stats }),
    ...(hidden === undefined ? {} : { hiddenServices: () => hidden })
  }
}
