/**
 * RFC 4648 base32, lower case, no padding: the alphabet of host names
 * (content references) and raw-key mail addresses. Decoding is strict
 * (undefined on a character outside the alphabet or non-zero leftover bits),
 * so one string has one meaning; upper case is accepted as DNS is caseless.
 */
export const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < BASE32_ALPHABET.length; i++) {
  DECODE[BASE32_ALPHABET.charCodeAt(i)] = i
  DECODE[BASE32_ALPHABET.toUpperCase().charCodeAt(i)] = i
}

/** Characters needed for `bytes` bytes (32 → 52). */
export function base32Length (bytes: number): number {
  return Math.ceil(bytes * 8 / 5)
}

export function base32Encode (b: Uint8Array): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (const byte of b) {
    acc = (acc << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += BASE32_ALPHABET[(acc >>> bits) & 31]
    }
    acc &= (1 << bits) - 1
  }
  if (bits > 0) out += BASE32_ALPHABET[(acc << (5 - bits)) & 31]
  return out
}

/** Strict unpadded decode: undefined on a bad character or non-zero leftover bits. */
export function base32Decode (s: string): Buffer | undefined {
  const out = Buffer.alloc(Math.floor(s.length * 5 / 8))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? DECODE[c] : -1
    if (v < 0) return undefined
    acc = (acc << 5) | v
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
    acc &= (1 << bits) - 1
  }
  if (acc !== 0) return undefined
  return out
}
