import { isIPv6 } from 'node:net'

/**
 * The value of a `d/` name, per the Namecoin domain-name specification
 * (ifa-0001), reduced to what a browser gateway needs. Pure: no I/O.
 *
 * One Domain Name Object is parsed item by item. Following the spec's
 * error-recovery rule, a bad item (or a bad element of a list item) is
 * dropped with a warning and everything else is kept, so
 * {"ip": ["site", "192.0.2.1"]} still yields 192.0.2.1. Items we read:
 *
 *   ip, ip6          string or array of strings (dotted quad without leading zeros; RFC 4291 text)
 *   alias            CNAME: one DNS name (relative, `@`-relative or fully qualified with a final dot)
 *   translate        DNAME: one DNS name, for every name below this one
 *   ns / dns         nameservers (string or array); "dns" is the deprecated spelling and wins if both
 *   map              { label | "*" | "": object | string }; a string means {"ip": [string]}
 *   import           "d/x" | ["d/x", …] | [["d/x", "sub.selector"], …]
 *   tor, i2p         string or array of strings (i2p also the legacy {"b32"/"name"} object)
 *   freenet          one string
 *   tornet           a Tornet reference or <name>.tor-net, optionally followed by /path (Tornet's own item)
 *
 * Presence (for `import` and map "" precedence) is per item key and counts
 * items that are null or invalid: the spec says an importing object can
 * occlude an imported item with `null`.
 */

export type ItemKey = 'ip' | 'ip6' | 'alias' | 'translate' | 'ns' | 'map' | 'tor' | 'i2p' | 'freenet' | 'tornet'

export interface ImportSpec { name: string, selector: string }

export interface DomainObject {
  ip?: string[]
  ip6?: string[]
  alias?: string
  translate?: string
  ns?: string[]
  /** Children by label ("*" included); values are still raw JSON, parsed when a lookup walks into them. */
  map?: Map<string, unknown>
  tor?: string[]
  i2p?: string[]
  freenet?: string
  tornet?: string
}

export interface ParsedObject {
  items: DomainObject
  /** Item keys the object specifies, valid or not (precedence for imports and map ""). */
  present: Set<ItemKey>
  /** The map "" entry, still raw: merged by the lookup, which can process its imports. */
  mapEmpty?: unknown
  imports: ImportSpec[]
  warnings: string[]
}

/** Largest value we parse; Namecoin consensus allows 520 bytes today and may raise it. */
export const MAX_VALUE_CHARS = 65_536

export class DomainValueError extends Error {
  override name = 'DomainValueError'
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
/** A DNS label as ifa-0001 requires implementations to accept (underscores allowed). */
const DNS_LABEL = /^([a-z0-9_]|[a-z0-9_][a-z0-9_-]*[a-z0-9_])$/
/** A d/ name: `^(xn--)?[a-z0-9]+(-[a-z0-9]+)*$`, at most 63 characters, not all digits. */
const DOMAIN_NAME = /^(xn--)?[a-z0-9]+(-[a-z0-9]+)*$/
const ONION = /^([a-z2-7]{16}|[a-z2-7]{56})\.onion$/
const I2P = /^[a-z0-9][a-z0-9.-]*\.i2p$/
const ITEM_KEYS: ItemKey[] = ['ip', 'ip6', 'alias', 'translate', 'ns', 'map', 'tor', 'i2p', 'freenet', 'tornet']

export function isDnsLabel (label: string): boolean {
  return label.length <= 63 && DNS_LABEL.test(label)
}

export function isValidDomainName (name: string): boolean {
  return name.length >= 1 && name.length <= 63 && DOMAIN_NAME.test(name) && !/^[0-9]+$/.test(name)
}

/** A DNS name (relative, "@"-relative or fully qualified); labels checked, total ≤ 255. */
export function isDnsName (name: string): boolean {
  if (name.length === 0 || name.length > 256) return false
  const body = name.endsWith('.') ? name.slice(0, -1) : name
  if (body.length === 0 || body.length > 255) return false
  const labels = body.split('.')
  return labels.every((l, i) => isDnsLabel(l) || (l === '@' && i === labels.length - 1 && !name.endsWith('.')))
}

/** Parses the JSON text of a name value; only a JSON object is a Domain Name Object. */
export function parseDomainJson (value: string): Record<string, unknown> {
  if (value.length > MAX_VALUE_CHARS) throw new DomainValueError(`value of ${value.length} characters exceeds ${MAX_VALUE_CHARS}`)
  let parsed: unknown
  try {
    // An empty value is how many names are first registered; treat it as {}.
    parsed = value.trim() === '' ? {} : JSON.parse(value)
  } catch (err) {
    throw new DomainValueError(`value is not valid JSON (${(err as Error).message})`)
  }
  if (!isPlainObject(parsed)) throw new DomainValueError(`value is JSON but not an object (${describe(parsed)})`)
  return parsed
}

export function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe (v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v
}

/** String or array of strings → the strings that pass `ok`; the rest become warnings. */
function stringList (raw: unknown, key: string, where: string, ok: (s: string) => boolean, warnings: string[]): string[] | undefined {
  const list = typeof raw === 'string' ? [raw] : raw
  if (!Array.isArray(list)) {
    warnings.push(`${where}: "${key}" ignored: expected a string or an array of strings, got ${describe(raw)}`)
    return undefined
  }
  const out: string[] = []
  for (const item of list) {
    if (typeof item === 'string' && ok(item)) out.push(item)
    else warnings.push(`${where}: "${key}" element ${JSON.stringify(item)?.slice(0, 80) ?? String(item)} ignored: not valid`)
  }
  return out
}

function singleName (raw: unknown, key: string, where: string, warnings: string[]): string | undefined {
  if (typeof raw === 'string' && isDnsName(raw)) return raw
  warnings.push(`${where}: "${key}" ignored: expected one DNS name, got ${typeof raw === 'string' ? JSON.stringify(raw.slice(0, 80)) : describe(raw)}`)
  return undefined
}

function parseImports (raw: unknown, where: string, warnings: string[]): ImportSpec[] {
  const list = typeof raw === 'string' ? [raw] : raw
  if (!Array.isArray(list)) {
    warnings.push(`${where}: "import" ignored: expected a string or an array, got ${describe(raw)}`)
    return []
  }
  const out: ImportSpec[] = []
  for (const entry of list) {
    const spec = typeof entry === 'string' ? [entry] : entry
    if (!Array.isArray(spec) || spec.length === 0 || typeof spec[0] !== 'string' || (spec.length > 1 && typeof spec[1] !== 'string')) {
      warnings.push(`${where}: import entry ${JSON.stringify(entry)?.slice(0, 80)} ignored: expected "name" or ["name", "selector"]`)
      continue
    }
    if (spec[0].length === 0 || Buffer.byteLength(spec[0]) > 255) {
      warnings.push(`${where}: import entry ${JSON.stringify(spec[0]).slice(0, 80)} ignored: a Namecoin name has 1 to 255 bytes`)
      continue
    }
    const selector = spec.length > 1 ? spec[1] as string : ''
    if (selector !== '' && !selector.split('.').every(l => l === '*' || isDnsLabel(l))) {
      warnings.push(`${where}: import of ${spec[0]} ignored: bad subdomain selector ${JSON.stringify(selector)}`)
      continue
    }
    out.push({ name: spec[0], selector })
  }
  return out
}

function parseMap (raw: unknown, where: string, warnings: string[]): { map?: Map<string, unknown>, empty?: unknown } {
  if (!isPlainObject(raw)) {
    warnings.push(`${where}: "map" ignored: expected an object, got ${describe(raw)}`)
    return {}
  }
  const map = new Map<string, unknown>()
  let empty: unknown
  for (const [key, child] of Object.entries(raw)) {
    if (key !== '' && key !== '*' && !isDnsLabel(key)) {
      warnings.push(`${where}: map key ${JSON.stringify(key)} ignored: not a single DNS label, "*" or ""`)
      continue
    }
    if (child === null) continue
    if (typeof child !== 'string' && !isPlainObject(child)) {
      warnings.push(`${where}: map entry ${JSON.stringify(key)} ignored: expected an object or a string, got ${describe(child)}`)
      continue
    }
    const value = typeof child === 'string' ? { ip: [child] } : child
    if (key === '') empty = value
    else map.set(key, value)
  }
  return { map, empty }
}

function parseI2p (raw: unknown, where: string, warnings: string[]): string[] | undefined {
  // Legacy form: {"destination": "...", "name": "x.i2p", "b32": "xxx.b32.i2p"}
  if (isPlainObject(raw)) {
    const b32 = raw.b32 ?? raw.name
    if (typeof b32 === 'string' && I2P.test(b32)) return [b32]
    warnings.push(`${where}: "i2p" object ignored: it has no usable "b32" or "name"`)
    return undefined
  }
  return stringList(raw, 'i2p', where, s => I2P.test(s), warnings)
}

/**
 * Parses one Domain Name Object. `where` names it in warnings ("d/example",
 * "d/example map www"). Unknown items (ds, tls, txt, srv, info, …) are
 * valid DNS data we do not use; they are neither kept nor warned about.
 */
export function parseDomainObject (raw: Record<string, unknown>, where: string): ParsedObject {
  const items: DomainObject = {}
  const present = new Set<ItemKey>()
  const warnings: string[] = []
  let imports: ImportSpec[] = []
  let mapEmpty: unknown

  for (const key of ITEM_KEYS) {
    if (Object.hasOwn(raw, key)) present.add(key)
  }
  if (Object.hasOwn(raw, 'dns')) present.add('ns')

  const get = (key: string): unknown => Object.hasOwn(raw, key) ? raw[key] : undefined
  const v = (key: string): unknown => { const x = get(key); return x === null ? undefined : x }

  if (v('ip') !== undefined) items.ip = stringList(v('ip'), 'ip', where, s => IPV4.test(s), warnings)
  if (v('ip6') !== undefined) items.ip6 = stringList(v('ip6'), 'ip6', where, s => isIPv6(s) && !s.includes('%'), warnings)
  if (v('alias') !== undefined) items.alias = singleName(v('alias'), 'alias', where, warnings)
  if (v('translate') !== undefined) items.translate = singleName(v('translate'), 'translate', where, warnings)
  const ns = v('dns') ?? v('ns')
  if (ns !== undefined) {
    items.ns = stringList(ns, v('dns') !== undefined ? 'dns' : 'ns', where, s => isDnsName(s) && !IPV4.test(s) && !isIPv6(s), warnings)
  }
  if (v('map') !== undefined) {
    const { map, empty } = parseMap(v('map'), where, warnings)
    if (map !== undefined) items.map = map
    mapEmpty = empty
  }
  if (v('import') !== undefined) imports = parseImports(v('import'), where, warnings)
  if (v('tor') !== undefined) items.tor = stringList(v('tor'), 'tor', where, s => ONION.test(s), warnings)
  if (v('i2p') !== undefined) items.i2p = parseI2p(v('i2p'), where, warnings)
  if (v('freenet') !== undefined) {
    const f = v('freenet')
    if (typeof f === 'string' && /^(USK|SSK|CHK|KSK)@\S+$/.test(f)) items.freenet = f
    else warnings.push(`${where}: "freenet" ignored: expected a Freenet key string`)
  }
  if (v('tornet') !== undefined) {
    const t = v('tornet')
    if (typeof t === 'string' && t.length > 0 && t.length <= 2048 && !/\s/.test(t)) items.tornet = t
    else warnings.push(`${where}: "tornet" ignored: expected a Tornet reference or <name>.tor-net string`)
  }
  for (const key of Object.keys(items) as ItemKey[]) {
    if (items[key] === undefined) delete items[key]
  }
  return { items, present, mapEmpty, imports, warnings }
}

/**
 * Fills the items `target` does not specify from `source` (import and map ""
 * precedence: the object's own items always win, even when null or invalid).
 */
export function mergeAbsent (target: ParsedObject, source: ParsedObject): void {
  for (const key of source.present) {
    if (target.present.has(key)) continue
    target.present.add(key)
    const value = source.items[key]
    if (value !== undefined) (target.items as Record<string, unknown>)[key] = value
  }
}
