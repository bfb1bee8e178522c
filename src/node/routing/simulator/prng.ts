/**
 * A small, fast, seeded PRNG (xoshiro128**, seeded through splitmix32) so that
 * a simulation is a pure function of its seed: two runs with the same seed
 * make the same draws in the same order and print the same figures.
 */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare: number | undefined

  constructor (seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next(); this.b = next(); this.c = next(); this.d = next()
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1
  }

  /** Uniform 32-bit unsigned integer. */
  u32 (): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** Uniform in [0, 1). */
  float (): number { return this.u32() / 4294967296 }

  /** Uniform integer in [0, n), n ≤ 2^32. */
  int (n: number): number { return Math.floor(this.float() * n) }

  /** Standard normal (Box-Muller, caching the second value). */
  normal (): number {
    if (this.spare !== undefined) { const v = this.spare; this.spare = undefined; return v }
    let u = 0
    while (u === 0) u = this.float()
    const v = this.float()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  bytes (n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    this.fill(out)
    return out
  }

  fill (out: Uint8Array, from = 0, to = out.length): void {
    let i = from
    while (i + 4 <= to) {
      const v = this.u32()
      out[i] = v & 0xff; out[i + 1] = (v >>> 8) & 0xff; out[i + 2] = (v >>> 16) & 0xff; out[i + 3] = v >>> 24
      i += 4
    }
    if (i < to) { const v = this.u32(); for (let j = 0; i < to; i++, j++) out[i] = (v >>> (8 * j)) & 0xff }
  }
}

function rotl (x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/** A stateless 32-bit mix of two integers and a seed (for values that must not depend on draw order). */
export function mix32 (seed: number, x: number, y: number): number {
  let h = (seed ^ Math.imul(x, 0x9e3779b1) ^ Math.imul(y + 0x7f4a7c15, 0x85ebca77)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}
