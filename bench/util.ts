/**
 * Benchmark output: one JSON object per figure on stdout, so runs can be collected and compared
 * by machines; everything meant for a human watching goes to stderr.
 */

let datagramBytes: number | undefined

/** The link datagram size of the nodes being measured; every later figure carries it (`datagram_bytes`). */
export function setDatagramBytes (bytes: number | undefined): void { datagramBytes = bytes }

export function emit (name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  const size = datagramBytes === undefined ? {} : { datagram_bytes: datagramBytes }
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...size, ...extra })}\n`)
}

export function progress (message: string): void {
  process.stderr.write(`${message}\n`)
}

/** A (time, count) sample of a running counter. */
export interface RateSample { seconds: number, count: number }

/**
 * Rate over the samples taken after `warmupSeconds` (thread start-up and JIT warm-up excluded),
 * from the first such sample to the last. NaN when fewer than two samples qualify.
 */
export function steadyRate (samples: readonly RateSample[], warmupSeconds: number): number {
  const steady = samples.filter(s => s.seconds >= warmupSeconds)
  if (steady.length < 2) return NaN
  const a = steady[0]
  const b = steady[steady.length - 1]
  return (b.count - a.count) / (b.seconds - a.seconds)
}

export function mean (xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
