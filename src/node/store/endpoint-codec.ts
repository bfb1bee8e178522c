import { isIPv4, isIPv6 } from 'node:net'
import type { Endpoint } from '../types.js'
import { type Reader, WireError, type Writer } from '../wire/codec.js'
import { ipv6Bytes, ipv6Text } from '../wire/ipv6.js'

/**
 * An IPv4 or IPv6 UDP endpoint in a stored record:
 *
 *   u8   family   4 or 6
 *   4 or 16 bytes address (network order)
 *   (family 6 only) u8 length + UTF-8 zone id ("eth0" in fe80::1%eth0), usually empty
 *   u16  port     little-endian, 1..65535
 *
 * Addresses come back in canonical text: IPv4 dotted quad; IPv6 lower case with the longest
 * run of zero groups compressed, IPv4-mapped ones as ::ffff:a.b.c.d (as Node's dgram reports them).
 */
export function writeEndpoint (w: Writer, e: Endpoint): void {
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 0xffff) throw new RangeError(`bad port ${e.port}`)
  if (isIPv4(e.address)) {
    w.u8(4).bytes(Buffer.from(e.address.split('.').map(Number)))
  } else {
    const pct = e.address.indexOf('%')
    const addr = pct < 0 ? e.address : e.address.slice(0, pct)
    const zone = pct < 0 ? '' : e.address.slice(pct + 1)
    if (!isIPv6(addr)) throw new RangeError(`not an IP address: ${e.address}`)
    w.u8(6).bytes(ipv6Bytes(addr)).string8(zone)
  }
  w.u16(e.port)
}

export function readEndpoint (r: Reader): Endpoint {
  const family = r.u8()
  let address: string
  if (family === 4) {
    address = Array.from(r.bytes(4)).join('.')
  } else if (family === 6) {
    address = formatIPv6(r.bytes(16))
    const zone = r.string8()
    if (zone !== '') address += `%${zone}`
  } else {
    throw new WireError(`endpoint: unknown address family ${family}`)
  }
  const port = r.u16()
  if (port === 0) throw new WireError('endpoint: port 0')
  return { address, port }
}

function formatIPv6 (b: Buffer): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`
  }
  return ipv6Text(b)
}
