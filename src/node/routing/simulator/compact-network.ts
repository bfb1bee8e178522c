import { Prng } from './prng.js'
import { DEFAULT_LAYOUT } from '../bucket-layout.js'

/**
 * A converged network of up to millions of nodes in a few flat arrays. Node i
 * is the i-th smallest id (so the id index is the sorted-id index); each
 * node's table is a run of node indices in one big Uint32Array, sorted, and
 * holds what a node following bucket-layout.ts converges to: for every level
 * (the sibling subtree at each depth of the id trie) and sub-bucket, up to k
 * random members of that range — all of them, each with probability
 * `knowProbability`, where the range is small (a real table always misses
 * some neighbours). No handshakes, no objects per contact.
 *
 * Because each table is sorted by id, "the n closest contacts to a target" is
 * a descent of a binary trie over that run (both halves of a split are
 * contiguous), in exact XOR order, without computing a single distance.
 */
export interface CompactNetworkOptions {
  size: number
  seed: number
  k: number
  subBucketBits: number
  knowProbability: number
  /** The ids to use (size × 32 bytes, ascending, distinct) instead of random ones: an attacker's ground ids among them. */
  ids?: Uint8Array
  /**
   * Bucket admission preference per node (by sorted index; higher wins): a full
   * sub-bucket keeps the members of the highest priority, at random among
   * equals — what RoutingTable's order does (contribution and rank, then time
   * connected). Applied exactly to ranges of up to PRIORITY_SCAN_MAX members
   * (the buckets near a node, where an attacker crowds); larger ranges are
   * sampled at random. Absent: every member is equal.
   */
  priority?: Uint8Array
}

/** Ranges larger than this are sampled without looking at priority (they are far from any one spot). */
export const PRIORITY_SCAN_MAX = 256

export const DEFAULT_COMPACT: Omit<CompactNetworkOptions, 'size'> = {
  seed: 1,
  k: DEFAULT_LAYOUT.k,
  subBucketBits: DEFAULT_LAYOUT.subBucketBits,
  knowProbability: 0.9
}

interface Level { a: number, b: number, bounds: Int32Array }

export class CompactNetwork {
  readonly options: CompactNetworkOptions
  readonly size: number
  /** size × 32 bytes, ascending. */
  readonly ids: Uint8Array
  /** Table of node i is pool[offsets[i] .. offsets[i + 1]). */
  readonly offsets: Float64Array
  readonly pool: Uint32Array
  /** 1 = alive; dead nodes stay in other tables but never answer. */
  readonly alive: Uint8Array

  private constructor (options: CompactNetworkOptions, ids: Uint8Array, offsets: Float64Array, pool: Uint32Array) {
    this.options = options
    this.size = options.size
    this.ids = ids
    this.offsets = offsets
    this.pool = pool
    this.alive = new Uint8Array(options.size).fill(1)
  }

  static build (options: Partial<CompactNetworkOptions> & { size: number }): CompactNetwork {
    const o: CompactNetworkOptions = { ...DEFAULT_COMPACT, ...options }
    if (o.size < 2 || o.size > 0xffffffff) throw new RangeError('compact network: size must be within 2..2^32-1')
    const prng = new Prng(o.seed)
    if (o.ids !== undefined && o.ids.length !== o.size * 32) throw new RangeError('compact network: ids must be size × 32 bytes')
    if (o.priority !== undefined && o.priority.length !== o.size) throw new RangeError('compact network: priority must have one entry per node')
    const ids = o.ids ?? sortedRandomIds(o.size, prng)
    const builder = new TableBuilder(ids, o, prng)
    const upper = builder.pass(false)
    const offsets = new Float64Array(o.size + 1)
    const pool = new Uint32Array(upper)
    builder.pass(true, pool, offsets)
    return new CompactNetwork(o, ids, offsets, pool)
  }

  id (i: number): Buffer { return Buffer.from(this.ids.buffer, this.ids.byteOffset + i * 32, 32) }

  tableSize (i: number): number { return this.offsets[i + 1] - this.offsets[i] }

  /** Contacts stored over all tables. */
  get contactCount (): number { return this.offsets[this.size] }

  /** Node indices in node's table, in order. */
  table (node: number): Uint32Array { return this.pool.subarray(this.offsets[node], this.offsets[node + 1]) }

  /** Index of the node with this id, or -1. */
  indexOf (id: Uint8Array): number {
    let lo = 0; let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = compareAt(this.ids, mid, id)
      if (c === 0) return mid
      if (c < 0) lo = mid + 1
      else hi = mid
    }
    return -1
  }

  /**
   * The n contacts in `node`'s table closest to target, closest first, as node
   * indices — skipping `skip` (the requester) — the same answer
   * RoutingTable.closest gives for the same contacts.
   */
  closest (node: number, target: Uint8Array, n: number, skip = -1): number[] {
    const out: number[] = []
    const pool = this.pool
    this.descend(this.offsets[node], this.offsets[node + 1], target, n, out, p => pool[p], i => i !== skip)
    return out
  }

  /**
   * The n nodes of `run` (node indices, ascending) closest to target, closest
   * first, skipping `skip`: e.g. what a set of colluding nodes knows together.
   */
  closestAmong (run: Uint32Array, target: Uint8Array, n: number, skip = -1): number[] {
    const out: number[] = []
    this.descend(0, run.length, target, n, out, p => run[p], i => i !== skip)
    return out
  }

  /** The n nodes of the whole network closest to target (only live ones if `aliveOnly`): the brute-force truth. */
  trueClosest (target: Uint8Array, n: number, aliveOnly: boolean): number[] {
    const out: number[] = []
    const alive = this.alive
    this.descend(0, this.size, target, n, out, p => p, aliveOnly ? i => alive[i] === 1 : () => true)
    return out
  }

  /** Marks a random `fraction` of nodes dead (they stay in every table). */
  churn (fraction: number, seed: number): void {
    this.alive.fill(1)
    const prng = new Prng(seed)
    const dead = Math.round(this.size * fraction)
    let killed = 0
    while (killed < dead) {
      const i = prng.int(this.size)
      if (this.alive[i] === 1) { this.alive[i] = 0; killed++ }
    }
  }

  /**
   * Emits positions of [lo, hi) (mapped to node indices by `at`) in XOR order
   * from target: find where the range's first and last ids differ, take the
   * half on the target's side first, then the other half.
   */
  private descend (lo: number, hi: number, target: Uint8Array, n: number, out: number[], at: (p: number) => number, ok: (i: number) => boolean): void {
    const ids = this.ids
    while (out.length < n && hi > lo) {
      if (hi - lo === 1) {
        const i = at(lo)
        if (ok(i)) out.push(i)
        return
      }
      const first = at(lo); const last = at(hi - 1)
      const c = cplAt(ids, first, last)
      if (c >= 256) { // duplicate ids cannot happen, but never loop
        for (let p = lo; p < hi && out.length < n; p++) if (ok(at(p))) out.push(at(p))
        return
      }
      // First position whose id has bit c set.
      let a = lo; let b = hi
      while (a < b) {
        const mid = (a + b) >>> 1
        if (bitAtIdx(ids, at(mid), c) === 0) a = mid + 1
        else b = mid
      }
      if (((target[c >> 3] >> (7 - (c & 7))) & 1) === 0) {
        this.descend(lo, a, target, n, out, at, ok)
        lo = a
      } else {
        this.descend(a, hi, target, n, out, at, ok)
        hi = a
      }
    }
  }
}

/** Random ids, sorted: sort random 48-bit prefixes natively, then draw the remaining bytes. */
function sortedRandomIds (n: number, prng: Prng): Uint8Array {
  const prefixes = new Float64Array(n)
  for (let i = 0; i < n; i++) prefixes[i] = prng.u32() * 65536 + (prng.u32() >>> 16)
  prefixes.sort()
  const ids = new Uint8Array(n * 32)
  for (let i = 0; i < n; i++) {
    let v = prefixes[i]
    const o = i * 32
    for (let j = 5; j >= 0; j--) { ids[o + j] = v % 256; v = Math.floor(v / 256) }
    prng.fill(ids, o + 6, o + 32)
  }
  // Equal 48-bit prefixes (rare) are ordered by the rest; ids must be distinct and ascending.
  for (let i = 1; i < n; i++) {
    let j = i
    while (j > 0 && compareIdx(ids, j - 1, j) >= 0) {
      if (compareIdx(ids, j - 1, j) === 0) ids[j * 32 + 31] ^= 1
      else swapIdx(ids, j - 1, j)
      j--
    }
  }
  return ids
}

/**
 * Walks the id trie once per pass. At each split every node of one half gets
 * the other half as a level (sub-divided into 2^s sub-buckets by binary
 * search); at each leaf the node's table is written in id order: sibling
 * levels to its left from the shallowest, then those to its right from the
 * deepest.
 */
class TableBuilder {
  private readonly stack: Level[] = []
  private count = 0
  private pool?: Uint32Array
  private offsets?: Float64Array
  private fill = false
  private readonly subs: number

  constructor (private readonly ids: Uint8Array, private readonly o: CompactNetworkOptions, private readonly prng: Prng) {
    this.subs = 1 << o.subBucketBits
  }

  /** First pass (fill = false) returns an upper bound on the pool size; second pass writes it. */
  pass (fill: boolean, pool?: Uint32Array, offsets?: Float64Array): number {
    this.fill = fill; this.pool = pool; this.offsets = offsets; this.count = 0
    this.walk(0, this.ids.length / 32, 0)
    if (offsets !== undefined) offsets[this.ids.length / 32] = this.count
    return this.count
  }

  private walk (lo: number, hi: number, depth: number): void {
    if (hi - lo === 1) { this.leaf(lo); return }
    const c = Math.max(depth, cplAt(this.ids, lo, hi - 1))
    let a = lo; let b = hi
    while (a < b) {
      const mid = (a + b) >>> 1
      if (bitAtIdx(this.ids, mid, c) === 0) a = mid + 1
      else b = mid
    }
    this.stack.push({ a, b: hi, bounds: this.bounds(a, hi, c) })
    this.walk(lo, a, c + 1)
    this.stack.pop()
    this.stack.push({ a: lo, b: a, bounds: this.bounds(lo, a, c) })
    this.walk(a, hi, c + 1)
    this.stack.pop()
  }

  /** Sub-bucket boundaries of a sibling range at depth c: by the s bits after bit c. */
  private bounds (a: number, b: number, c: number): Int32Array {
    const s = this.o.subBucketBits
    const out = new Int32Array(this.subs + 1)
    out[0] = a; out[this.subs] = b
    for (let v = 1; v < this.subs; v++) {
      let x = out[v - 1]; let y = b
      while (x < y) {
        const mid = (x + y) >>> 1
        if (bitsAtIdx(this.ids, mid, c + 1, s) < v) x = mid + 1
        else y = mid
      }
      out[v] = x
    }
    return out
  }

  private leaf (node: number): void {
    if (this.offsets !== undefined) this.offsets[node] = this.count
    const st = this.stack
    for (let i = 0; i < st.length; i++) if (st[i].a < node) this.emitLevel(st[i])
    for (let i = st.length - 1; i >= 0; i--) if (st[i].a > node) this.emitLevel(st[i])
  }

  private emitLevel (lv: Level): void {
    const { k, knowProbability } = this.o
    for (let s = 0; s < this.subs; s++) {
      const s0 = lv.bounds[s]; const s1 = lv.bounds[s + 1]
      const len = s1 - s0
      if (!this.fill) { this.count += Math.min(len, k); continue }
      const pool = this.pool as Uint32Array
      if (len <= k) {
        for (let j = s0; j < s1; j++) if (this.prng.float() < knowProbability) pool[this.count++] = j
        continue
      }
      if (this.o.priority !== undefined && len <= PRIORITY_SCAN_MAX) { this.pickByPriority(s0, s1, this.o.priority); continue }
      // k random members, sorted, duplicates dropped (rare: a table is not always full either).
      const start = this.count
      for (let j = 0; j < k; j++) {
        const v = s0 + this.prng.int(len)
        let p = this.count
        while (p > start && pool[p - 1] > v) { pool[p] = pool[p - 1]; p-- }
        if (p > start && pool[p - 1] === v) {
          for (let q = p; q < this.count; q++) pool[q] = pool[q + 1]
          continue
        }
        pool[p] = v
        this.count++
      }
    }
  }

  /** The k members of [s0, s1) a table keeps: the highest priorities, ties drawn at random; written in id order. */
  private pickByPriority (s0: number, s1: number, priority: Uint8Array): void {
    const { k } = this.o
    const pool = this.pool as Uint32Array
    const members: Array<{ i: number, p: number, r: number }> = []
    for (let j = s0; j < s1; j++) members.push({ i: j, p: priority[j], r: this.prng.float() })
    members.sort((x, y) => (y.p - x.p) || (x.r - y.r))
    const kept = members.slice(0, k).map(m => m.i).sort((x, y) => x - y)
    for (const i of kept) pool[this.count++] = i
  }
}

function bitAtIdx (ids: Uint8Array, i: number, bit: number): number {
  return (ids[i * 32 + (bit >> 3)] >> (7 - (bit & 7))) & 1
}

function bitsAtIdx (ids: Uint8Array, i: number, from: number, n: number): number {
  let v = 0
  for (let j = 0; j < n; j++) v = (v << 1) | (from + j < 256 ? bitAtIdx(ids, i, from + j) : 0)
  return v
}

function cplAt (ids: Uint8Array, i: number, j: number): number {
  const a = i * 32; const b = j * 32
  for (let x = 0; x < 32; x++) {
    const d = ids[a + x] ^ ids[b + x]
    if (d !== 0) return x * 8 + Math.clz32(d) - 24
  }
  return 256
}

function compareIdx (ids: Uint8Array, i: number, j: number): number {
  const a = i * 32; const b = j * 32
  for (let x = 0; x < 32; x++) if (ids[a + x] !== ids[b + x]) return ids[a + x] - ids[b + x]
  return 0
}

function compareAt (ids: Uint8Array, i: number, id: Uint8Array): number {
  const a = i * 32
  for (let x = 0; x < 32; x++) if (ids[a + x] !== id[x]) return ids[a + x] - id[x]
  return 0
}

function swapIdx (ids: Uint8Array, i: number, j: number): void {
  for (let x = 0; x < 32; x++) { const t = ids[i * 32 + x]; ids[i * 32 + x] = ids[j * 32 + x]; ids[j * 32 + x] = t }
}
