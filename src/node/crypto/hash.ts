import { createHash, hash as nodeHash } from 'node:crypto'

/** SHA-256 of the concatenation of the given parts (node:crypto, native). */
export function sha256 (...parts: Uint8Array[]): Buffer {
  if (parts.length === 1) return nodeHash('sha256', parts[0], 'buffer') as Buffer
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
