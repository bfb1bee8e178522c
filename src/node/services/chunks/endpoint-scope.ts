import { BlockList, isIPv4, isIPv6 } from 'node:net'

/**
 * Which endpoints a provider record may name. A record makes every node that
 * reads it open a stream to its endpoint, so a record naming 127.0.0.1, a
 * LAN address or a multicast group would turn the network's downloaders
 * against the hosts behind their own routers. Such records are ignored
 * unless the node is configured for a private network (a LAN, or test
 * networks on 127.0.0.1: `allowPrivateEndpoints`).
 *
 * The documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24,
 * 2001:db8::/32) are left alone: they route nowhere, and tests use them as
 * stand-ins for public addresses.
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
  ['198.18.0.0', 15], // benchmarking
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

/** True for a unicast address reachable across the internet (BlockList also maps ::ffff:a.b.c.d to IPv4). */
export function isPublicAddress (address: string): boolean {
  if (isIPv4(address)) return !NOT_PUBLIC.check(address, 'ipv4')
  if (isIPv6(address)) return !NOT_PUBLIC.check(address, 'ipv6')
  return false
}
