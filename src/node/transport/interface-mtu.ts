import { readFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'

/**
 * The largest UDP payload worth probing for on an internet path: the largest
 * MTU among this host's non-loopback interfaces (Linux: /sys/class/net/<if>/mtu)
 * less the IP and UDP headers. It is only a ceiling: each session's search
 * (link/mtu-search.ts) proves what a path really carries and starts at 1,200.
 * Where the MTU cannot be read, an Ethernet MTU (1,500) is assumed: a wrong
 * guess costs only a few failed probes. Loopback is left out on purpose: its
 * 64 KiB never crosses a real network.
 */
export const ETHERNET_MTU = 1500
const MIN_DATAGRAM = 1200
const MAX_DATAGRAM = 65_507

export interface InterfaceMtuOptions {
  /** IPv6 headers are 40 bytes, IPv4's 20 (plus 8 of UDP either way). */
  ipv6: boolean
  /** Where the interfaces' MTUs are read (tests). */
  sysClassNet?: string
  /** Interface names to look at; default the non-internal ones of os.networkInterfaces(). */
  names?: string[]
}

export function pathMtuCeiling (opts: InterfaceMtuOptions): number {
  const dir = opts.sysClassNet ?? '/sys/class/net'
  const names = opts.names ?? Object.entries(networkInterfaces())
    .filter(([, addrs]) => (addrs ?? []).some(a => !a.internal))
    .map(([name]) => name)
  let mtu = 0
  for (const name of names) {
    if (!/^[\w.:@-]{1,32}$/.test(name)) continue
    try {
      const n = Number(readFileSync(join(dir, name, 'mtu'), 'utf8').trim())
      if (Number.isInteger(n) && n > mtu) mtu = n
    } catch { /* not Linux, or the interface went away */ }
  }
  if (mtu === 0) mtu = ETHERNET_MTU
  const payload = mtu - (opts.ipv6 ? 40 : 20) - 8
  return Math.max(MIN_DATAGRAM, Math.min(MAX_DATAGRAM, payload))
}
