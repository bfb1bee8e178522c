import type { ByteBudget, Evictable } from './reassembly-budget.js'

export { ReassemblyBudget, ReassemblyShare } from './reassembly-budget.js'

/**
 * Bounded reassembly of fragmented request and response payloads. A message is
 * kept until all its fragments arrived or `timeoutMs` passed (the session's
 * tick sweeps); a session may hold at most `maxMessages` partial messages per
 * direction, and at most its share of the link's ReassemblyBudget (see
 * reassembly-budget.ts). Anything beyond is refused (the sender retries), so a
 * peer sending first fragments only cannot grow memory or starve other peers.
 */
interface Partial {
  parts: Array<Buffer | undefined>
  received: number
  bytes: number
  expires: number
}

export type AssembleResult = { done: true, payload: Buffer } | { done: false, refused?: 'too-large' | 'too-many' | 'budget' | 'mismatch' }

export interface AssemblerLimits { maxMessageBytes: number, maxMessages: number, timeoutMs: number }

export class FragmentAssembler implements Evictable {
  private readonly partials = new Map<number, Partial>()

  constructor (private readonly limits: AssemblerLimits, private readonly budget: ByteBudget) {}

  get pending (): number { return this.partials.size }

  add (key: number, index: number, count: number, data: Buffer, now: number): AssembleResult {
    if (count === 1) {
      if (data.length > this.limits.maxMessageBytes) return { done: false, refused: 'too-large' }
      return { done: true, payload: data }
    }
    let p = this.partials.get(key)
    if (p === undefined && this.partials.size >= this.limits.maxMessages) return { done: false, refused: 'too-many' }
    if (p !== undefined && p.parts.length !== count) return { done: false, refused: 'mismatch' }
    if (p !== undefined && p.parts[index] !== undefined) return { done: false }
    if ((p?.bytes ?? 0) + data.length > this.limits.maxMessageBytes) { this.drop(key); return { done: false, refused: 'too-large' } }
    if (!this.budget.take(data.length)) return { done: false, refused: 'budget' }
    if (p === undefined) {
      p = { parts: new Array<Buffer | undefined>(count).fill(undefined), received: 0, bytes: 0, expires: now + this.limits.timeoutMs }
      this.partials.set(key, p)
    }
    p.parts[index] = Buffer.from(data)
    p.received++
    p.bytes += data.length
    if (p.received < count) return { done: false }
    this.drop(key)
    return { done: true, payload: Buffer.concat(p.parts as Buffer[]) }
  }

  drop (key: number): void {
    const p = this.partials.get(key)
    if (p === undefined) return
    this.budget.give(p.bytes)
    this.partials.delete(key)
  }

  evictOldest (): boolean {
    const first = this.partials.keys().next()
    if (first.done === true) return false
    this.drop(first.value)
    return true
  }

  sweep (now: number): void {
    for (const [k, p] of this.partials) if (p.expires <= now) this.drop(k)
  }

  clear (): void {
    for (const k of [...this.partials.keys()]) this.drop(k)
  }
}

/** Splits a payload into `size`-byte fragments (at least one, possibly empty). */
export function fragment (payload: Buffer, size: number): Buffer[] {
  if (payload.length <= size) return [payload]
  const out: Buffer[] = []
  for (let off = 0; off < payload.length; off += size) out.push(payload.subarray(off, Math.min(off + size, payload.length)))
  return out
}
