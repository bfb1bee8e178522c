import { isIPv4, isIPv6 } from 'node:net'

/**
 * What one source "is" for the limits that count per source. An IPv4 address
 * is one host; an IPv6 host is given a whole /64 (it can pick any address in
 * it), so per-host limits count /64s. Per-network limits count the block a
 * site usually holds: an IPv4 /24 or an IPv6 /48. IPv4-mapped IPv6 addresses
 * count as IPv4.
 */

/** The per-host key: an IPv4 address, or the /64 of an IPv6 address. */
export function hostOf (address: string): string {
  if (isIPv4(address)) return address
  const v4 = mappedIPv4(address)
  if (v4 !== undefined) return v4
  const groups = ipv6Groups(address)
  return groups === undefined ? address : groups.slice(0, 4).join(':') + '::/64'
}

/** The per-network key: the /24 of an IPv4 address, the /48 of an IPv6 address. */
export function networkOf (address: string): string {
  const v4 = isIPv4(address) ? address : mappedIPv4(address)
  if (v4 !== undefined) return v4.slice(0, v4.lastIndexOf('.')) + '.0/24'
  const groups = ipv6Groups(address)
  return groups === undefined ? address : groups.slice(0, 3).join(':') + '::/48'
}

function mappedIPv4 (address: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return m !== null && isIPv4(m[1]) ? m[1] : undefined
}

/** The eight 16-bit groups of an IPv6 address (zone dropped), lower-case hex without leading zeros. */
function ipv6Groups (address: string): string[] | undefined {
  const a = address.split('%')[0]
  if (!isIPv6(a)) return undefined
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  // A trailing dotted quad stands for two groups.
  const last = right.length > 0 ? right : left
  if (last.length > 0 && last[last.length - 1].includes('.')) {
    const q = (last.pop() as string).split('.').map(Number)
    last.push(((q[0] << 8) | q[1]).toString(16), ((q[2] << 8) | q[3]).toString(16))
  }
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...fill, ...right].map(g => parseInt(g, 16).toString(16))
}
