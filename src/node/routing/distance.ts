/**
 * XOR metric over 256-bit ids. Ids are 32-byte buffers; the distance between two
 * ids is their bytewise XOR read as a big-endian number, so "closer" means a
 * smaller XOR and the common-prefix length (cpl) is the index of the first
 * differing bit (256 for equal ids).
 */
export const ID_BYTES = 32
export const ID_BITS = 256

export function xorDistance (a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(ID_BYTES)
  for (let i = 0; i < ID_BYTES; i++) out[i] = a[i] ^ b[i]
  return out
}

/** Number of leading bits a and b share (0..256). */
export function commonPrefixLength (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i] ^ b[i]
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return ID_BITS
}

/** log2 of the XOR distance as the seed defines it: the bit length of a ⊕ b (0..256). */
export function log2Distance (a: Uint8Array, b: Uint8Array): number {
  return ID_BITS - commonPrefixLength(a, b)
}

/** Negative if a is closer to target than b, positive if farther, 0 if a equals b. */
export function compareDistance (target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const da = a[i] ^ target[i]
    const db = b[i] ^ target[i]
    if (da !== db) return da - db
  }
  return 0
}

/** Compares two precomputed distances (or any two ids) as big-endian numbers. */
export function compareIds (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return 0
}

/** Bit `i` (0 = most significant bit of byte 0) of an id. */
export function bitAt (id: Uint8Array, i: number): number {
  return (id[i >> 3] >> (7 - (i & 7))) & 1
}

/** `n` bits of `id` starting at bit `from`, as an unsigned integer (n ≤ 24); bits past the end read as 0. */
export function bitsAt (id: Uint8Array, from: number, n: number): number {
  let v = 0
  for (let i = 0; i < n; i++) v = (v << 1) | (from + i < ID_BITS ? bitAt(id, from + i) : 0)
  return v
}

export function idsEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The 16-bit fingerprint a requester sends for a contact it already knows (the id's last 2 bytes, LE). */
export function idFingerprint (id: Uint8Array): number {
  return id[30] | (id[31] << 8)
}
