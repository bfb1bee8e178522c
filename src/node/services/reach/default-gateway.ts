import { readFile } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'

/**
 * Where a NAT-PMP request goes: the IPv4 default gateway (RFC 6886 §3: the client sends to its
 * default gateway, port 5351), read from Linux's /proc/net/route so no helper process or extra
 * package is needed. Elsewhere it is undefined and only UPnP-IGD (found by SSDP) is tried.
 */
export async function defaultGatewayV4 (routeFile = '/proc/net/route'): Promise<string | undefined> {
  try {
    return parseDefaultGateway(await readFile(routeFile, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * The gateway of the first default route (destination and mask 0) in /proc/net/route's text; the
 * kernel writes addresses as little-endian hex. Lines that do not parse are ignored.
 */
export function parseDefaultGateway (text: string): string | undefined {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 8) continue
    const [, destination, gateway, , , , , mask] = f
    if (destination !== '00000000' || mask !== '00000000' || !/^[0-9A-Fa-f]{8}$/.test(gateway) || gateway === '00000000') continue
    const n = Number.parseInt(gateway, 16)
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.')
  }
  return undefined
}

/**
 * This machine's IPv4 address on the subnet holding `host` (the address a gateway there must
 * forward to), or undefined when no interface shares its subnet.
 */
export function localAddressToward (host: string, interfaces = networkInterfaces()): string | undefined {
  const target = ipv4ToInt(host)
  if (target === undefined) return undefined
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal) continue
      const a = ipv4ToInt(i.address)
      const m = ipv4ToInt(i.netmask)
      if (a !== undefined && m !== undefined && ((a & m) >>> 0) === ((target & m) >>> 0)) return i.address
    }
  }
  return undefined
}

function ipv4ToInt (ip: string): number | undefined {
  const p = ip.split('.')
  if (p.length !== 4 || p.some(x => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0
}
