import { randomBytes } from 'node:crypto'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ResolverErrorCode, resolveError } from '../errors.js'
import { parseServer, serverLabel, type ElectrumServer } from './electrum-connection.js'

/**
 * The ElectrumX servers the default `.bit` backend tries.
 *
 * Shipped: src/resolvers/namecoin/electrumx-servers.json (Electrum-NMC's
 * published list; its "source" field says where it came from). Refreshed:
 * `<dataDir>/namecoin-servers.json`, written from a server's
 * `server.peers.subscribe` answer and preferred over the shipped file when
 * present. Delete it to go back to the shipped list.
 */

export const REFRESHED_LIST_FILE = 'namecoin-servers.json'
const SHIPPED_LIST_FILE = 'electrumx-servers.json'
/** A list bigger than this is cut: a server must not make us dial thousands of hosts. */
export const MAX_SERVERS = 64

function parseList (text: string, where: string): ElectrumServer[] {
  let raw: unknown
  try { raw = JSON.parse(text) } catch (err) {
    throw resolveError(ResolverErrorCode.configInvalid, `${where} is not valid JSON (${(err as Error).message}); delete it or fix it.`)
  }
  const list = (raw as { servers?: unknown } | null)?.servers
  if (!Array.isArray(list)) throw resolveError(ResolverErrorCode.configInvalid, `${where} has no "servers" list; delete it or fix it.`)
  const out: ElectrumServer[] = []
  for (const s of list) {
    const server = typeof s === 'string' ? parseServer(s) : undefined
    if (server === undefined) throw resolveError(ResolverErrorCode.configInvalid, `${where}: ${JSON.stringify(s)} is not "host:port:s" or "host:port:t"; delete it or fix it.`)
    if (out.length < MAX_SERVERS) out.push(server)
  }
  if (out.length === 0) throw resolveError(ResolverErrorCode.configInvalid, `${where} lists no servers; delete it or add some.`)
  return out
}

/** Finds the shipped file by walking up from this module (src/… under vitest, dist/src/… when built). */
export function shippedServerListPath (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'src', 'resolvers', 'namecoin', SHIPPED_LIST_FILE)
    try { readFileSync(candidate); return candidate } catch {}
    try { readFileSync(join(dir, SHIPPED_LIST_FILE)); return join(dir, SHIPPED_LIST_FILE) } catch {}
    dir = dirname(dir)
  }
  throw resolveError(ResolverErrorCode.configInvalid, `${SHIPPED_LIST_FILE} was not found next to the Tornet installation; reinstall, or list servers in config.json ("namecoin.electrumx.servers").`)
}

export function loadShippedServers (): ElectrumServer[] {
  const path = shippedServerListPath()
  return parseList(readFileSync(path, 'utf8'), path)
}

/** The refreshed list in `dataDir` when there is one, else the shipped list. */
export function loadServerList (dataDir?: string): { servers: ElectrumServer[], from: string } {
  if (dataDir !== undefined) {
    const path = join(dataDir, REFRESHED_LIST_FILE)
    let text: string | undefined
    try { text = readFileSync(path, 'utf8') } catch {}
    if (text !== undefined) return { servers: parseList(text, path), from: path }
  }
  return { servers: loadShippedServers(), from: shippedServerListPath() }
}

/**
 * The servers a `server.peers.subscribe` answer names:
 * `[[ip, hostname, ["v1.4", "s50002", "t50001", …]], …]`. Entries that do not
 * parse are skipped (a peer list is advice, not a command); TLS ports only
 * when `tlsOnly`; .onion hosts are skipped (not reachable from here).
 */
export function serversFromPeers (answer: unknown, opts: { tlsOnly?: boolean } = {}): ElectrumServer[] {
  if (!Array.isArray(answer)) return []
  const out: ElectrumServer[] = []
  const seen = new Set<string>()
  for (const entry of answer.slice(0, 1000)) {
    if (!Array.isArray(entry) || entry.length < 3 || !Array.isArray(entry[2])) continue
    const host = typeof entry[1] === 'string' && entry[1] !== '' ? entry[1] : entry[0]
    if (typeof host !== 'string' || host.endsWith('.onion') || host.length > 253) continue
    for (const feature of entry[2].slice(0, 16)) {
      if (typeof feature !== 'string') continue
      const m = /^([st])(\d{1,5})$/.exec(feature)
      if (m === null || (opts.tlsOnly === true && m[1] !== 's')) continue
      const spec = `${host.includes(':') ? `[${host}]` : host}:${m[2]}:${m[1]}`
      const server = parseServer(spec)
      if (server === undefined || seen.has(serverLabel(server))) continue
      seen.add(serverLabel(server))
      if (out.length < MAX_SERVERS) out.push(server)
    }
  }
  return out
}

/**
 * Writes the refreshed list (atomically: a crash leaves the old file or the new one; the
 * temporary name is unique, so a CLI refresh and a node's background one cannot mix).
 */
export function saveRefreshedList (dataDir: string, servers: ElectrumServer[], source: string, at: Date = new Date()): string {
  const path = join(dataDir, REFRESHED_LIST_FILE)
  const text = JSON.stringify({ source, refreshedAt: at.toISOString(), servers: servers.slice(0, MAX_SERVERS).map(serverLabel) }, null, 2) + '\n'
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(tmp, text, { mode: 0o600 })
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  return path
}

/**
 * Who runs a server, roughly: the registrable domain of a host name (its
 * last two labels), the /24 of an IPv4 address, the /48 of an IPv6 one. Two
 * answers count as independent only when their operators differ.
 */
export function operatorOf (server: ElectrumServer): string {
  const h = server.host.toLowerCase()
  if (/^[\d.]+$/.test(h)) return h.split('.').slice(0, 3).join('.')
  if (h.includes(':')) return expandV6(h).slice(0, 3).join(':')
  return h.split('.').slice(-2).join('.')
}

function expandV6 (h: string): string[] {
  const [head, tail] = h.split('::')
  const a = head === '' ? [] : head.split(':')
  const b = tail === undefined || tail === '' ? [] : tail.split(':')
  return [...a, ...Array(Math.max(0, 8 - a.length - b.length)).fill('0'), ...b].map(x => x.replace(/^0+(?=.)/, ''))
}
