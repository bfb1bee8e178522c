/**
 * The fuzz harness: property-based (fast-check) runs over one decoder at a time.
 *
 * A target names a decoder of bytes that come from outside (the network, a file, a client),
 * gives seeds encoded by the real encoders, and says which errors are the layer's own. Each case
 * is either a seed mutated by a short recipe (byte flips, interesting values, truncation,
 * extension, deletion, duplication, splices with another seed) or arbitrary bytes. A case passes
 * when the decoder returns (a value or undefined) or throws an expected typed error, within the
 * time bound; with an encoder, decode(encode(decode(b))) must equal decode(b) and encode must
 * accept what decode returned. Anything else is a crash, kept with its input.
 *
 * A coverage-guided fuzzer (Jazzer.js) would be the first choice, but it does not install here:
 * its native part needs glibc 2.38.
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'

export interface FuzzTarget<T = unknown> {
  name: string
  /** What it decodes, one line. */
  about: string
  /** Valid encodings, made by the real encoders. */
  seeds: () => Uint8Array[]
  /** The decoder under test: returns a value (or undefined: dropped), or throws. */
  decode: (bytes: Uint8Array) => T
  /** True for the errors the layer is allowed to throw (its typed errors). */
  expected: (err: unknown) => boolean
  /** The encoder, when there is one: decode(encode(v)) must equal v (undefined: no encoder for this value). */
  encode?: (value: T) => Uint8Array | undefined
  /** Compares two decoded values; default: deep strict equality. */
  same?: (a: T, b: T) => boolean
  /** Longest arbitrary input, in bytes (default 2048). */
  maxBytes?: number
  /** Structure-aware inputs (e.g. JSON with the schema's keys), mixed in with the mutations. */
  generate?: () => fc.Arbitrary<Uint8Array>
}

export type FailureKind = 'throw' | 'encode' | 'round-trip' | 'hang'

export interface Finding {
  kind: FailureKind
  /** Error name and first message line: one finding per signature. */
  signature: string
  /** The first input that showed it, hex (cut at 4 KiB). */
  inputHex: string
  detail: string
  count: number
}

export interface RunOptions {
  runs: number
  seed: number
  /** A case slower than this counts as a hang (ms). */
  hangMs?: number
  /** Called every `batch` cases (progress, heap sampling). */
  onBatch?: (done: number) => void
  batch?: number
}

export interface RunResult {
  target: string
  cases: number
  /** Cases that decoded to a value. */
  accepted: number
  crashes: number
  hangs: number
  slowestMs: number
  findings: Finding[]
  elapsedMs: number
}

/**
 * Case generation. fast-check draws one 32-bit case seed per case (repeatable from the run's
 * seed); the case is then built from it by a xorshift generator. fast-check's own combinators
 * (records of ops, uint8Arrays drawn byte by byte) cost several times more than most decoders on
 * this machine, and shrinking is not needed: the runner keeps each finding's input as it is.
 */
class Rng {
  private x: number
  constructor (seed: number) { this.x = (seed | 0) || 0x9e3779b9 }
  next (): number {
    let x = this.x
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    this.x = x
    return x >>> 0
  }

  below (n: number): number { return n <= 0 ? 0 : this.next() % n }
  pick<T> (xs: readonly T[]): T { return xs[this.below(xs.length)] }
  bytes (n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff
    return out
  }
}

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000, 0xffff]

/** One mutation: byte flips, interesting values, truncation, extension, deletion, duplication, splices. */
function mutateOnce (b: Buffer, rng: Rng, seeds: readonly Uint8Array[]): Buffer {
  const len = b.length
  const op = rng.below(16)
  if (op < 4) { // flip bits of one byte
    if (len === 0) return b
    const out = Buffer.from(b); out[rng.below(len)] ^= 1 + rng.below(255); return out
  }
  if (op < 7) { // an interesting byte
    if (len === 0) return b
    const out = Buffer.from(b); out[rng.below(len)] = rng.pick(INTERESTING_8); return out
  }
  if (op < 9) { // an interesting u32 (lengths, counts)
    if (len < 4) return b
    const out = Buffer.from(b); out.writeUInt32LE(rng.pick(INTERESTING_32), rng.below(len - 3)); return out
  }
  if (op < 11) return b.subarray(0, rng.below(len + 1)) // truncate
  if (op === 11) return Buffer.concat([b, rng.bytes(1 + rng.below(64))]) // extend
  if (op === 12) { const at = rng.below(len + 1); return Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.below(16)), b.subarray(at)]) } // insert
  if (op === 13) { const at = rng.below(len + 1); return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.below(64))]) } // delete
  if (op === 14) { const at = rng.below(len + 1); return Buffer.concat([b.subarray(0, at + 1 + rng.below(64)), b.subarray(at)]) } // duplicate
  // splice in a piece of another seed
  const other = seeds[rng.below(seeds.length)]
  const from = rng.below(other.length + 1)
  const n = 1 + rng.below(256)
  const at = rng.below(len + 1)
  return Buffer.concat([b.subarray(0, at), other.subarray(from, from + n), b.subarray(at + rng.below(n + 1))])
}

/** Builds one case from its seed: mostly mutated seeds, some seeds as they are, some arbitrary bytes. */
export function buildCase (caseSeed: number, seeds: readonly Uint8Array[], maxBytes = 2048): Buffer {
  const rng = new Rng(caseSeed)
  const kind = rng.below(18)
  if (seeds.length === 0 || kind >= 15) {
    // Arbitrary bytes: mostly short (where decoders branch on the first bytes), sometimes long.
    return rng.bytes(rng.below(2) === 0 ? rng.below(65) : rng.below(maxBytes + 1))
  }
  let b: Buffer = Buffer.from(rng.pick(seeds))
  if (kind === 14) return b
  const ops = 1 + rng.below(6)
  for (let i = 0; i < ops; i++) b = mutateOnce(b, rng, seeds)
  return b
}

/** Cases for a target, as a fast-check arbitrary (structure-aware inputs mixed in when the target has them). */
export function caseArbitrary (seeds: readonly Uint8Array[], maxBytes = 2048, generated?: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Buffer> {
  const built = fc.integer().map(seed => buildCase(seed, seeds, maxBytes))
  if (generated === undefined) return built
  return fc.oneof({ weight: 3, arbitrary: built }, { weight: 1, arbitrary: generated.map(b => Buffer.from(b.buffer, b.byteOffset, b.length)) })
}

function signatureOf (err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const frame = (err.stack ?? '').split('\n').find(l => l.includes(' at ')) ?? ''
    return `${err.name}${typeof code === 'string' ? `[${code}]` : ''}: ${err.message.split('\n')[0].replace(/\d+/g, 'N')} ${frame.trim()}`
  }
  return `non-error thrown: ${typeof err}`
}

function describe (err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

export interface CaseOutcome { ok: true, accepted: boolean } 
export interface CaseFailure { ok: false, kind: FailureKind, error: unknown, detail: string }

/** Runs one input through a target's checks. */
export function checkCase<T> (t: FuzzTarget<T>, input: Uint8Array): CaseOutcome | CaseFailure {
  let value: T
  try {
    value = t.decode(input)
  } catch (err) {
    if (t.expected(err)) return { ok: true, accepted: false }
    return { ok: false, kind: 'throw', error: err, detail: describe(err) }
  }
  if (value === undefined) return { ok: true, accepted: false }
  if (t.encode === undefined) return { ok: true, accepted: true }
  let again: Uint8Array | undefined
  try {
    again = t.encode(value)
  } catch (err) {
    return { ok: false, kind: 'encode', error: err, detail: `the encoder refused a decoded value: ${describe(err)}` }
  }
  if (again === undefined) return { ok: true, accepted: true }
  let second: T
  try {
    second = t.decode(again)
  } catch (err) {
    return { ok: false, kind: 'round-trip', error: err, detail: `decode(encode(value)) threw: ${describe(err)}` }
  }
  const same = t.same ?? isDeepStrictEqual
  if (!same(value, second)) {
    const err = new Error('decode(encode(v)) differs from v')
    return { ok: false, kind: 'round-trip', error: err, detail: `${err.message}: re-encoded ${Buffer.from(again).toString('hex').slice(0, 512)}` }
  }
  return { ok: true, accepted: true }
}

const MAX_FINDINGS = 20

function retime (t: FuzzTarget<any>, input: Uint8Array): number {
  const t0 = performance.now()
  checkCase(t, input)
  return performance.now() - t0
}

/**
 * Runs `runs` cases of a target. Never throws for a failing case: failures are counted and the
 * first input of each distinct signature kept.
 */
export async function runTarget (t: FuzzTarget<any>, o: RunOptions): Promise<RunResult> {
  const seeds = t.seeds()
  // Seeds may include inputs the decoder refuses on purpose, but none may crash, and most must decode.
  let acceptedSeeds = 0
  for (const s of seeds) {
    const outcome = checkCase(t, s)
    if (!outcome.ok) throw new Error(`fuzz target ${t.name}: a seed fails: ${outcome.detail}`)
    if (outcome.accepted) acceptedSeeds++
  }
  if (seeds.length > 0 && acceptedSeeds * 2 < seeds.length) throw new Error(`fuzz target ${t.name}: only ${acceptedSeeds} of ${seeds.length} seeds decode`)
  const arb = caseArbitrary(seeds, t.maxBytes, t.generate?.())
  const hangMs = o.hangMs ?? 1000
  const batch = o.batch ?? 5000
  const findings = new Map<string, Finding>()
  let cases = 0; let accepted = 0; let crashes = 0; let hangs = 0; let slowest = 0
  const started = performance.now()
  const record = (kind: FailureKind, error: unknown, detail: string, input: Uint8Array): void => {
    const signature = `${kind} ${signatureOf(error)}`
    const known = findings.get(signature)
    if (known !== undefined) { known.count++; return }
    if (findings.size >= MAX_FINDINGS) return
    findings.set(signature, { kind, signature, inputHex: Buffer.from(input.subarray(0, 4096)).toString('hex'), detail: detail.slice(0, 2000), count: 1 })
  }
  for (let round = 0; cases < o.runs; round++) {
    const n = Math.min(batch, o.runs - cases)
    // One seed per batch, derived from the run's seed: a run is repeatable as a whole.
    const inputs = fc.sample(arb, { numRuns: n, seed: (o.seed + round * 0x9e3779b1) | 0 })
    for (const input of inputs) {
      const t0 = performance.now()
      const outcome = checkCase(t, input)
      const ms = performance.now() - t0
      if (ms > slowest) slowest = ms
      cases++
      // A slow case is timed again: only one that is slow twice is a hang, not a GC pause or the
      // scheduler of a busy machine.
      if (ms > hangMs && retime(t, input) > hangMs) {
        hangs++
        record('hang', new Error(`case took ${ms.toFixed(0)} ms`), `a case took ${ms.toFixed(0)} ms (bound ${hangMs} ms)`, input)
      }
      if (outcome.ok) {
        if (outcome.accepted) accepted++
      } else {
        crashes++
        record(outcome.kind, outcome.error, outcome.detail, input)
      }
    }
    // Between batches the event loop turns: promise reactions and timers a decoder left (the
    // ElectrumX line layer settles requests) run, and are not counted as memory the decoder holds.
    await new Promise(resolve => setImmediate(resolve))
    o.onBatch?.(cases)
  }
  return { target: t.name, cases, accepted, crashes, hangs, slowestMs: slowest, findings: [...findings.values()], elapsedMs: performance.now() - started }
}
