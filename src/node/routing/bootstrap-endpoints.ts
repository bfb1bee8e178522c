import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Endpoint } from '../types.js'
import { RoutingError, RoutingErrorCode } from './errors.js'

/**
 * Bootstrap lists as users write them (config file, --bootstrap flag):
 * "host:port" entries separated by commas, spaces or newlines, IPv6 in
 * brackets ("[2001:db8::1]:7000"), '#' starts a comment. Host names are
 * resolved at the edge by resolveBootstrapList; the wire carries addresses.
 */
export interface BootstrapEntry { host: string, port: number }

export function parseBootstrapList (text: string): BootstrapEntry[] {
  const out: BootstrapEntry[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '')
    for (const item of line.split(/[\s,]+/)) {
      if (item === '') continue
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(item) ?? /^([^:[\]]+):(\d+)$/.exec(item)
      const port = m !== null ? Number(m[2]) : NaN
      if (m === null || !(port >= 1 && port <= 65535)) {
        throw new RoutingError(RoutingErrorCode.bootstrapFailed, `bootstrap entry "${item}" is not host:port (IPv6 as [addr]:port)`)
      }
      out.push({ host: m[1], port })
    }
  }
  return out
}

/** Resolves host names; entries that do not resolve are skipped (a dead seed must not stop the others). */
export async function resolveBootstrapList (entries: BootstrapEntry[]): Promise<Endpoint[]> {
  const out: Endpoint[] = []
  for (const e of entries) {
    if (isIP(e.host) !== 0) { out.push({ address: e.host, port: e.port }); continue }
    try {
      const r = await lookup(e.host)
      out.push({ address: r.address, port: e.port })
    } catch { /* skipped: reported by the caller as "reached N of M" */ }
  }
  return out
}
