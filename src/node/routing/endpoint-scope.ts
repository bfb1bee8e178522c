import { BlockList, isIPv4, isIPv6 } from 'node:net'
import type { Endpoint } from '../types.js'

/**
 * Whether an endpoint can belong to a node on the public Internet. A peer that
 * hands out contacts or provider records at loopback, private, link-local,
 * multicast or otherwise special addresses either lies or leaks its own LAN;
 * following them would make this node (and every downloader reading a record)
 * probe its own machine, its LAN or a multicast group on a stranger's say-so.
 * So such endpoints are ignored unless the node is configured for a LAN or
 * loopback test network (config.allowPrivateEndpoints).
 *
 * The documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24,
 * 2001:db8::/32) and the benchmarking range 198.18/15 are left public: they
 * route nowhere, and tests use them as stand-ins for public hosts (the
 * multi-host test networks give their namespaces 198.18/15 addresses).
 * Anything that is not an IP literal is not public (the wire carries only
 * addresses).
 */
const NOT_PUBLIC = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4] // reserved, and broadcast
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8] // multicast
] as const) NOT_PUBLIC.addSubnet(net, bits, 'ipv6')

/** True for a unicast address reachable across the Internet (BlockList also maps ::ffff:a.b.c.d to IPv4). */
export function isPublicAddress (address: string): boolean {
  if (isIPv4(address)) return !NOT_PUBLIC.check(address, 'ipv4')
  if (isIPv6(address) && !address.includes('%')) return !NOT_PUBLIC.check(address, 'ipv6')
  return false
}

export function isPublicEndpoint (e: Endpoint): boolean {
  return isPublicAddress(e.address)
}
