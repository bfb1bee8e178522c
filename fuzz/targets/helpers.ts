/** Small pieces shared by the fuzz targets. */
import { TornetError } from '../../src/node/errors.js'
import { WireError } from '../../src/node/wire/codec.js'
import type { FuzzTarget } from '../harness.js'

export const isWireError = (err: unknown): boolean => err instanceof WireError
/** Any layer's typed error (TornetError and its layer subclasses). */
export const isTornetError = (err: unknown): boolean => err instanceof TornetError
export const oneOf = (...kinds: Array<abstract new (...args: any[]) => Error>) =>
  (err: unknown): boolean => kinds.some(k => err instanceof k)

export const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill)
export const hex = (h: string): Buffer => Buffer.from(h, 'hex')
export const text = (s: string): Buffer => Buffer.from(s, 'utf8')

export interface Part<T> {
  decode: (b: Uint8Array) => T
  encode?: (v: T) => Uint8Array | undefined
  seeds: () => Uint8Array[]
}

/**
 * One target over several decoders of the same layer: the first byte picks the decoder,
 * the rest is its input (so one mutated seed may also land on a sibling's decoder).
 */
export function multi (name: string, about: string, expected: (err: unknown) => boolean, parts: Array<Part<any>>, extra: Partial<FuzzTarget<any>> = {}): FuzzTarget<{ part: number, value: unknown }> {
  return {
    name,
    about,
    expected,
    seeds: () => parts.flatMap((p, i) => p.seeds().map(s => Buffer.concat([Uint8Array.of(i), s]))),
    decode: b => {
      if (b.length === 0) return undefined as any
      const part = b[0] % parts.length
      // A decoded undefined (a reply that holds nothing) is a value here: it round-trips too.
      return { part, value: parts[part].decode(b.subarray(1)) }
    },
    encode: v => {
      const encoded = parts[v.part].encode?.(v.value)
      return encoded === undefined ? undefined : Buffer.concat([Uint8Array.of(v.part), encoded])
    },
    ...extra
  }
}

/** Splits `b` into pieces at offsets taken from its own bytes (a stream fed in odd chunks). */
export function splitPieces (b: Uint8Array): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  let i = 0
  while (at < b.length) {
    const n = 1 + ((b[i % b.length] * 31 + i * 7) % Math.max(1, Math.min(b.length - at, 97)))
    out.push(Buffer.from(b.subarray(at, at + n)))
    at += n
    i++
  }
  return out
}
