/**
 * Held values in memory of their own. What a store keeps for hours must not be a view into
 * something larger: a small Buffer from Node's 8 KiB allocation pool (what `Buffer.from(view)`
 * gives a decoder) or from a received message pins that whole slab or message while it lives.
 * The soak's heap snapshots (issue 21) found each held kv record and name chain, a few hundred
 * bytes, holding about 8 KiB this way.
 */

/** A copy of `b` in an allocation of its own. */
export function detachedCopy (b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length)
  out.set(b)
  return out
}

const MAX_DEPTH = 4

function isPlain (v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/**
 * A copy of `value` (plain objects and arrays, a few levels deep) whose byte fields are all views
 * into one allocation of their own; other fields are kept as they are. Shared references become
 * separate copies.
 */
export function packed<T> (value: T): T {
  let total = 0
  const measure = (v: unknown, depth: number): void => {
    if (v instanceof Uint8Array) { total += v.length; return }
    if (depth >= MAX_DEPTH) return
    if (Array.isArray(v)) for (const x of v) measure(x, depth + 1)
    else if (isPlain(v)) for (const x of Object.values(v)) measure(x, depth + 1)
  }
  measure(value, 0)
  const slab = Buffer.allocUnsafeSlow(total)
  let at = 0
  const copy = (v: unknown, depth: number): unknown => {
    if (v instanceof Uint8Array) {
      const out = slab.subarray(at, at + v.length)
      out.set(v)
      at += v.length
      return out
    }
    if (depth >= MAX_DEPTH) return v
    if (Array.isArray(v)) return v.map(x => copy(x, depth + 1))
    if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x, depth + 1)]))
    return v
  }
  return copy(value, 0) as T
}
