/**
 * IPv6 addresses between text and their 16 bytes, for every codec that carries
 * endpoints (DHT contacts on the wire, endpoints stored in LMDB). Inputs are
 * already known to be IPv6 text (node:net isIPv6, without a zone id).
 */

/** The 16 bytes of an IPv6 address; a trailing dotted IPv4 (::ffff:1.2.3.4) fills the last 32 bits. */
export function ipv6Bytes (text: string): Buffer {
  const out = Buffer.alloc(16)
  let s = text
  const lastColon = s.lastIndexOf(':')
  const dottedTail = s.indexOf('.', lastColon) >= 0
  if (dottedTail) {
    Buffer.from(s.slice(lastColon + 1).split('.').map(Number)).copy(out, 12)
    s = s.slice(0, lastColon + 1) + '0:0'
  }
  const [left, right] = s.split('::')
  const head = left === '' ? [] : left.split(':')
  const tail = right === undefined || right === '' ? [] : right.split(':')
  const groups = right === undefined ? head : [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
  for (let i = 0; i < (dottedTail ? 6 : 8); i++) out.writeUInt16BE(Number.parseInt(groups[i], 16), i * 2)
  return out
}

/** Hex text of 16 bytes, lower case, the longest run of two or more zero groups compressed (RFC 5952). */
export function ipv6Text (b: Uint8Array): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1])
  let bestAt = -1
  let bestLen = 1 // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) { bestAt = i; bestLen = j - i }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestAt < 0) return hex.join(':')
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`
}
