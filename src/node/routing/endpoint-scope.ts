import { isIPv4, isIPv6 } from 'node:net'
import type { Endpoint } from '../types.js'
import { ipv6Bytes } from '../wire/ipv6.js'

/**
 * Whether an endpoint can belong to a node on the public Internet. A peer
 * that hands out contacts at loopback, private, link-local, multicast or
 * otherwise special addresses either lies or leaks its own LAN; following
 * such a contact would make this node probe its own machine or its LAN (or a
 * multicast group) on a stranger's say-so. So contacts from peers at these
 * addresses are ignored, unless the node is configured for a LAN or loopback
 * test network (config.allowPrivateEndpoints).
 *
 * Not public: 0/8, 10/8, 100.64/10 (carrier NAT), 127/8, 169.254/16,
 * 172.16/12, 192.168/16, 224/4 (multicast) and 240/4 (reserved, broadcast);
 * ::, ::1, fc00::/7, fe80::/10, ff00::/8, and IPv4-mapped forms of the IPv4
 * ranges. Anything that is not an IP literal is not public either (the wire
 * carries only addresses).
 */
export function isPublicAddress (address: string): boolean {
  if (isIPv4(address)) return isPublicV4(address.split('.').map(Number))
  if (!isIPv6(address) || address.includes('%')) return false
  const b = ipv6Bytes(address)
  if (b.subarray(0, 10).every(x => x === 0) && b[10] === 0xff && b[11] === 0xff) return isPublicV4([...b.subarray(12)])
  if (b.subarray(0, 15).every(x => x === 0) && b[15] <= 1) return false // :: and ::1
  if ((b[0] & 0xfe) === 0xfc) return false // unique local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return false // link-local
  if (b[0] === 0xff) return false // multicast
  return true
}

export function isPublicEndpoint (e: Endpoint): boolean {
  return isPublicAddress(e.address)
}

function isPublicV4 ([a, b]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false
  if (a === 100 && b >= 64 && b < 128) return false
  if (a === 169 && b === 254) return false
  if (a === 172 && b >= 16 && b < 32) return false
  if (a === 192 && b === 168) return false
  return true
}
