import { isTornetError } from '../../node/index.js'
import { RESOLVE_ERRORS } from '../types.js'
import {
  DomainValueError, isPlainObject, mergeAbsent, parseDomainJson, parseDomainObject,
  type ImportSpec, type ParsedObject
} from './domain-record.js'

/**
 * Walks a `.bit` host down the Domain Name Objects of its `d/` name
 * (ifa-0001): at every level the object's own items come first, then the
 * items of its map "" entry, then each `import` in order (a failed import is
 * skipped with a warning, as the spec asks); the next label is looked up in
 * the level's map, falling back to "*". A `translate` (DNAME) above the
 * target rewrites the rest of the host; an `ns` delegation above it is
 * reported so the caller can suppress DNS items.
 *
 * Imports can recurse and loop. Each object being expanded has an identity
 * "<name>#<selector path>"; meeting an identity already on the expansion
 * stack is a loop, reported as a warning on that import. A per-lookup budget
 * bounds the total number of imports and their nesting. Backend failures
 * (unavailable, timeout, abort) are not import failures: they propagate.
 */

export interface DomainLimits {
  /** Imports processed in one lookup, all levels together (ifa-0001 requires at least 4). */
  maxImports: number
  /** Nested import expansions (an import of an import of …). */
  maxImportDepth: number
}

export const DEFAULT_DOMAIN_LIMITS: DomainLimits = { maxImports: 16, maxImportDepth: 8 }

/** Fetches a name's value; undefined when the name does not exist. Throws TornetErrors (expired, unavailable, …). */
export type FetchValue = (name: string, signal?: AbortSignal) => Promise<string | undefined>

export interface NsDelegation {
  /** The host at which the delegation is made. */
  owner: string
  /** Nameservers, fully qualified, without the final dot. */
  servers: string[]
}

export type WalkResult =
  | { kind: 'node', node: ParsedObject, fqdn: string, base: string, apex: string, ns?: NsDelegation, warnings: string[] }
  | { kind: 'translate', host: string, from: string, warnings: string[] }
  | { kind: 'nxdomain', fqdn: string, missing: string, ns?: NsDelegation, warnings: string[] }

interface LookupContext {
  fetch: FetchValue
  limits: DomainLimits
  signal?: AbortSignal
  importsUsed: number
}

/**
 * A DNS name from a record as a fully qualified host without the final dot:
 * "x." is absolute, "x.@" is relative to the apex, anything else is relative
 * to `base` (the apex for top-level items, else the object holding the map).
 */
export function absoluteName (name: string, base: string, apex: string): string {
  if (name.endsWith('.')) return name.slice(0, -1).toLowerCase()
  if (name === '@') return apex
  if (name.endsWith('.@')) return `${name.slice(0, -2)}.${apex}`.toLowerCase()
  return `${name}.${base}`.toLowerCase()
}

function isBackendFailure (err: unknown): boolean {
  if (isTornetError(err)) {
    return err.code === RESOLVE_ERRORS.unavailable || err.code === RESOLVE_ERRORS.timeout
  }
  return err instanceof Error && err.name === 'AbortError'
}

async function expand (raw: Record<string, unknown>, where: string, ctx: LookupContext, stack: string[]): Promise<ParsedObject> {
  ctx.signal?.throwIfAborted()
  const obj = parseDomainObject(raw, where)
  if (isPlainObject(obj.mapEmpty)) {
    const inner = await expand(obj.mapEmpty, `${where} map ""`, ctx, stack)
    mergeAbsent(obj, inner)
    obj.warnings.push(...inner.warnings)
  }
  for (const spec of obj.imports) {
    const imported = await importOne(spec, ctx, stack)
    if (typeof imported === 'string') {
      const selector = spec.selector === '' ? '' : ` (selector "${spec.selector}")`
      obj.warnings.push(`${where}: import of ${spec.name}${selector} ignored: ${imported}`)
      continue
    }
    mergeAbsent(obj, imported)
    obj.warnings.push(...imported.warnings)
  }
  return obj
}

/** The object an import brings in, or why it failed. */
async function importOne (spec: ImportSpec, ctx: LookupContext, stack: string[]): Promise<ParsedObject | string> {
  const identity = `${spec.name}#${spec.selector}`
  if (stack.includes(identity)) return `import loop ${[...stack, identity].map(s => s.replace(/#$/, '')).join(' → ')}`
  if (stack.length > ctx.limits.maxImportDepth) return `imports nested deeper than ${ctx.limits.maxImportDepth}`
  if (ctx.importsUsed >= ctx.limits.maxImports) return `more than ${ctx.limits.maxImports} imports in one lookup`
  ctx.importsUsed++
  let value: string | undefined
  try {
    value = await ctx.fetch(spec.name, ctx.signal)
  } catch (err) {
    if (ctx.signal?.aborted === true || isBackendFailure(err)) throw err
    return isTornetError(err, RESOLVE_ERRORS.expired) ? 'the name has expired' : (err as Error).message
  }
  if (value === undefined) return 'the name does not exist'
  let raw: Record<string, unknown>
  try {
    raw = parseDomainJson(value)
  } catch (err) {
    if (err instanceof DomainValueError) return err.message
    throw err
  }
  const top = await expand(raw, spec.name, ctx, [...stack, `${spec.name}#`])
  if (spec.selector === '') return top
  // The selector's labels apply from the right, as in DNS; "*" stands in for a missing label.
  const warnings = [...top.warnings]
  let level = top
  let path = ''
  for (const label of spec.selector.split('.').reverse()) {
    const map = level.items.map
    const key = map?.has(label) === true ? label : '*'
    const child = map?.get(key)
    if (!isPlainObject(child)) return `${spec.name} has no "${label}" (nor "*") at ${path === '' ? 'its top level' : `"${path}"`}`
    path = path === '' ? key : `${key}.${path}`
    level = await expand(child, `${spec.name} map ${path}`, ctx, [...stack, `${spec.name}#${path}`])
    warnings.push(...level.warnings)
  }
  return { ...level, warnings }
}

/**
 * Walks `subLabels` (left to right as in the host, e.g. ["www", "blog"] for
 * www.blog.example.bit) below `d/<name>` whose value is `value`.
 * Throws DomainValueError when the top-level value is not a JSON object.
 */
export async function walkDomain (
  name: string, subLabels: string[], value: string, fetch: FetchValue,
  opts: { limits?: DomainLimits, signal?: AbortSignal } = {}
): Promise<WalkResult> {
  const ctx: LookupContext = { fetch, limits: opts.limits ?? DEFAULT_DOMAIN_LIMITS, signal: opts.signal, importsUsed: 0 }
  const apex = `${name}.bit`
  const dName = `d/${name}`
  const top = parseDomainJson(value)
  let level = await expand(top, dName, ctx, [`${dName}#`])
  const warnings = [...level.warnings]
  let fqdn = apex
  let base = apex
  let ns: NsDelegation | undefined
  let path = ''
  const remaining = [...subLabels]

  const noteNs = (): void => {
    if (ns === undefined && level.items.ns !== undefined && level.items.ns.length > 0) {
      ns = { owner: fqdn, servers: level.items.ns.map(s => absoluteName(s, base, apex)) }
    }
  }

  while (remaining.length > 0) {
    noteNs()
    if (ns === undefined && level.items.translate !== undefined) {
      // DNAME: every name below this level moves under the target; the level itself does not.
      const target = absoluteName(level.items.translate, base, apex)
      return { kind: 'translate', host: `${remaining.join('.')}.${target}`, from: fqdn, warnings }
    }
    const label = remaining.pop() as string
    const map = level.items.map
    const key = map?.has(label) === true ? label : '*'
    const child = map?.get(key)
    if (!isPlainObject(child)) return { kind: 'nxdomain', fqdn, missing: label, ns, warnings }
    base = fqdn
    if (key === '*') {
      // A wildcard stands for every name below its owner that has no entry of its own.
      fqdn = [...remaining, label, fqdn].join('.')
      remaining.length = 0
    } else {
      fqdn = `${label}.${fqdn}`
    }
    path = path === '' ? key : `${key}.${path}`
    level = await expand(child, `${dName} map ${path}`, ctx, [`${dName}#${path}`])
    warnings.push(...level.warnings)
  }
  noteNs()
  return { kind: 'node', node: level, fqdn, base, apex, ns, warnings }
}
