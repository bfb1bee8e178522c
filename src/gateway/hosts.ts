/**
 * Host names as the gateway sees them: parsing Host headers and CONNECT
 * authorities, telling Tornet hosts from the rest, and keeping .bit names
 * that point at an IP away from local and private addresses.
 */
import { BlockList, isIP } from 'node:net'
import { TORNET_SUFFIX } from '../node/index.js'

export const DEFAULT_TORNET_SUFFIXES: readonly string[] = [TORNET_SUFFIX, '.bit']

export interface Authority {
  host: string // lowercase, no brackets, no trailing dot
  port?: number
}

// A DNS name: labels of letters, digits, '-' and '_' (seen in the wild), at most 253 characters.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/

/** Lowercases, strips one trailing dot and IPv6 brackets; undefined if it is no valid host. */
export function normalizeHost (raw: string): string | undefined {
  let host = raw.trim().toLowerCase()
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1)
    return isIP(host) === 6 ? host : undefined
  }
  if (host.endsWith('.')) host = host.slice(0, -1)
  if (isIP(host) !== 0) return host
  return HOST_NAME.test(host) ? host : undefined
}

export function parsePort (raw: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(raw)) return undefined
  const port = Number(raw)
  return port >= 1 && port <= 65535 ? port : undefined
}

/** "host", "host:port", "[v6]" or "[v6]:port" → Authority, else undefined. */
export function parseAuthority (raw: string): Authority | undefined {
  const s = raw.trim()
  if (s.length === 0 || s.length > 300) return undefined
  let hostPart = s
  let portPart: string | undefined
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close < 0) return undefined
    hostPart = s.slice(0, close + 1)
    const rest = s.slice(close + 1)
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return undefined
      portPart = rest.slice(1)
    }
  } else {
    const colon = s.lastIndexOf(':')
    if (colon >= 0) {
      if (s.indexOf(':') !== colon) return undefined // bare IPv6 without brackets is ambiguous
      hostPart = s.slice(0, colon)
      portPart = s.slice(colon + 1)
    }
  }
  const host = normalizeHost(hostPart)
  if (host === undefined) return undefined
  if (portPart === undefined) return { host }
  const port = parsePort(portPart)
  return port === undefined ? undefined : { host, port }
}

export function isTornetHost (host: string, suffixes: readonly string[] = DEFAULT_TORNET_SUFFIXES): boolean {
  return suffixes.some(suffix => host.endsWith(suffix) && host.length > suffix.length)
}

/**
 * Names of other anonymity networks: Tor's .onion (RFC 7686 says they must
 * never reach DNS) and I2P's .i2p. Asking the system resolver for one would
 * tell the DNS server what the user is opening, so pass-through refuses them.
 */
export function otherNetworkOf (host: string): 'tor' | 'i2p' | undefined {
  if (host === 'onion' || host.endsWith('.onion')) return 'tor'
  if (host === 'i2p' || host.endsWith('.i2p')) return 'i2p'
  return undefined
}

export function isIpLiteral (host: string): boolean {
  return isIP(host) !== 0
}

/** Names by which a local client reaches the gateway itself. */
export function isLoopbackHost (host: string): boolean {
  // Cheap tests first: this runs on every proxied request, mostly for long .tor-net names.
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host.startsWith('127.')) return isIP(host) === 4
  return host === '::1' || host === '0:0:0:0:0:0:0:1'
}

const NON_PUBLIC = new BlockList()
const NON_PUBLIC_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]
]
for (const [net, prefix] of NON_PUBLIC_V4) NON_PUBLIC.addSubnet(net, prefix, 'ipv4')
// IPv4-mapped IPv6 (::ffff:a.b.c.d) needs no rule of its own: BlockList checks it against the IPv4 rules.
// The other IPv6 forms that carry an IPv4 address, or lead through a translator or tunnel whose far
// end we cannot see, are refused whole: a .bit record has no reason to use them.
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible (::a.b.c.d, deprecated, never routed)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b::', 96], // NAT64: the local translator turns it into any IPv4, private ones too
  ['64:ff9b:1::', 48], // local-use NAT64
  ['2001::', 32], // Teredo: a tunnel to a client behind a NAT
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8] // unique local, link-local, site-local, multicast
] as const) NON_PUBLIC.addSubnet(net, prefix, 'ipv6')
// 6to4 (2002:AABB:CCDD::/48 for the IPv4 AA.BB.CC.DD): refused when the IPv4 inside is one we refuse.
for (const [net, prefix] of NON_PUBLIC_V4) NON_PUBLIC.addSubnet(sixToFour(net), 16 + prefix, 'ipv6')

function sixToFour (ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number) as [number, number, number, number]
  return `2002:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}::`
}

/**
 * False for loopback, private, link-local, multicast and unspecified addresses,
 * and for IPv6 that embeds or tunnels to IPv4 (compatible, translated, NAT64,
 * Teredo; 6to4 when its IPv4 is one of these).
 * A .bit record that points at one of these would let a remote page reach
 * services on this machine or its LAN (DNS rebinding), so pass-through
 * refuses them unless told otherwise.
 */
export function isPublicAddress (ip: string): boolean {
  const family = isIP(ip)
  if (family === 0 || ip.includes('%')) return false // a zone index (fe80::1%eth0) only exists on a local link
  return !NON_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6')
}
