import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isIPv6 } from 'node:net'
import { join, resolve } from 'node:path'
import { TornetError } from './errors.js'
import type { Endpoint } from './types.js'
import { MAX_MINING_RANK } from './identity/miner.js'
import { MAX_HOPS } from './services/tunnels/onion.js'
import { parseDelegate } from './services/tunnels/delegate-spec.js'
import type { BitcoinConfig } from './accounting/bitcoin/payments-api.js'
import { parseAccountKey } from './accounting/bitcoin/bip84.js'

/**
 * Node configuration: defaults ← `<dataDir>/config.json` ← command-line flags, validated here and
 * nowhere else. Every layer is checked on its own (so an error names the file or the flags it came
 * from), unknown keys are errors (a typo must not silently fall back to a default), and all
 * problems are reported together.
 */

export const CONFIG_FILE_NAME = 'config.json'

export const ConfigErrorCode = {
  INVALID: 'CONFIG_INVALID'
} as const

export interface HostPort { host: string, port: number }

export interface TornetConfig {
  /** UDP socket of the node. */
  listen: HostPort
  /** Peers to join through, "host:port" or "[v6]:port". */
  bootstrap: string[]
  /** Peers below this rank are not talked to (default 21). */
  minRank: number
  /**
   * Follow contacts and accept provider records naming loopback, private (RFC 1918, ULA,
   * link-local, CGNAT) or multicast addresses. Off on the internet: such an
   * address in a record would turn downloaders against hosts on their own LAN.
   * On for a LAN-only network and for test networks on 127.0.0.1.
   */
  allowPrivateEndpoints: boolean
  /** Rank `tornet id new` mines when --rank is not given. */
  identityRank: number
  /**
   * The local SOCKS5/HTTP gateway. `tunnelHops`: sites are read through a circuit of that
   * many hops (0, the default: directly, the seed's cheap path); a SOCKS user name
   * `tornet-hops-N` asks for N per request.
   */
  gateway: HostPort & { passThrough: boolean, tunnelHops?: number }
  /**
   * `delegate`: a peer ("KEYHEX@host:port", or "host:port" of a peer the node knows) that runs
   * this node's lookups through a 1-hop circuit — faster from a node nearer the backbone;
   * the delegate learns what this node looks up.
   */
  routing?: { delegate?: string }
  storage: { cacheBytes: number }
  /** The "host:port" other nodes should use to reach this one (behind NAT or port forwarding); default: derived from `listen`. */
  announce?: string
  /** Leading zero bits a .tor-net name registration must carry. */
  names: { difficulty: number }
  /** Leading zero bits of a mail stamp: what this node's mailbox hosts demand and what its pushes carry. */
  mail: { difficulty: number }
  /**
   * NAT traversal. portMapping: `tornet start` asks the router (UPnP-IGD, NAT-PMP) to forward the
   * UDP port and advertises the mapped address (default on; nodes built by createNode never map).
   */
  nat: { portMapping: boolean }
  /**
   * The .bit resolver's backend (Namecoin Core RPC or ElectrumX), checked by
   * the resolver layer when the gateway starts; absent: the public Namecoin
   * ElectrumX servers shipped with Tornet, over TLS, certificates pinned on
   * first use (resolvers/namecoin/namecoin-config.ts holds that default).
   */
  namecoin?: Record<string, unknown>
  /**
   * Bitcoin payments (issue 19): the BIP84 account xpub/zpub (tpub/vpub off mainnet) receive
   * addresses are derived from, and where payments are looked for. Absent: no bitcoin at all.
   * Given: network defaults to mainnet, confirmations to 1, pollMs to 30 s.
   */
  bitcoin?: BitcoinConfig
  /**
   * Credit lines (accounting/credit-lines.ts): `factor` multiplies the seed's 100 MB × rank,
   * `satsPerMB` is the posted price that reverses a debt, `concurrency` the slice requests
   * served at once before the rest wait their turn by standing.
   */
  credit?: { factor?: number, satsPerMB?: number, concurrency?: number }
  /**
   * What this node sells (issue 19 item 7, services/chunks/sell-policy.ts): `bandwidth` bytes a
   * second of chunk slices served (0: no limit); `storage` bytes of cache (the smaller of this and
   * storage.cacheBytes bounds the cache); `range` the bit length of NID ⊕ CID up to which it
   * caches for others (256: any chunk); `minPopularity` the distinct askers a chunk needs before
   * it is cached on demand or on a free cache request; `storagePrice` credit units per byte per
   * week that a paid place and a kv record cost (default 1).
   */
  sell?: { bandwidth?: number, storage?: number, range?: number, minPopularity?: number, storagePrice?: number }
  /**
   * Publishing (issue 19 item 7, services/chunks/host-tracker.ts): `replicas` hosts wanted per
   * published chunk (default 3), `checkIntervalMs` how often they are checked (default 1 hour),
   * `maxPrice` the most credit paid one host for a chunk's week (0, the default: never pays).
   */
  publish?: { replicas?: number, checkIntervalMs?: number, maxPrice?: number }
  /**
   * Search (issue 20): `trust` lists the index builders whose indexes search.tor-net reads, as
   * public keys (64 hex digits) or "self" for this node's own; default ["self"].
   */
  search: { trust: string[] }
}

export type ConfigOverrides = {
  [K in keyof TornetConfig]?: TornetConfig[K] extends unknown[] ? TornetConfig[K]
    : TornetConfig[K] extends object ? Partial<TornetConfig[K]> : TornetConfig[K]
}

export function defaultConfig (): TornetConfig {
  return {
    listen: { host: '0.0.0.0', port: 9151 },
    bootstrap: [],
    // 2^21 hashes: about 3 s for a newcomer on one core (the miner measured 0.62-0.81 M hashes/s
    // single-threaded, `npm run bench -- identity --threads 1`), so an identity is cheap to make
    // once and 2 M identities cost 2^42 hashes. identityRank stays above it, so a default identity
    // still meets a peer that raises its minimum a little.
    minRank: 21,
    identityRank: 22,
    gateway: { host: '127.0.0.1', port: 9150, passThrough: false, tunnelHops: 0 },
    names: { difficulty: 22 },
    // About 2 M hashes: a few seconds on one core per message (`npm run bench -- mail`, mail.stamp_s).
    mail: { difficulty: 21 },
    nat: { portMapping: true },
    allowPrivateEndpoints: false,
    storage: { cacheBytes: 1024 ** 3 },
    search: { trust: ['self'] }
  }
}

/** `--data-dir DIR`, else $TORNET_HOME, else ~/.tornet; always absolute. */
export function resolveDataDir (opts: { dataDir?: string, env?: NodeJS.ProcessEnv } = {}): string {
  const env = opts.env ?? process.env
  if (opts.dataDir !== undefined && opts.dataDir !== '') return resolve(opts.dataDir)
  const fromEnv = env.TORNET_HOME
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  return join(homedir(), '.tornet')
}

export function configPath (dataDir: string): string {
  return join(dataDir, CONFIG_FILE_NAME)
}

/** "host:port", "1.2.3.4:port" or "[v6]:port" → Endpoint; undefined when malformed. Port 1..65535. */
export function parseEndpoint (text: string): Endpoint | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text)
  if (m === null) return undefined
  const [, address, portText] = m
  const bracketed = text.startsWith('[')
  if (bracketed && !isIPv6(address)) return undefined
  if (!bracketed && (address.startsWith('.') || address.startsWith('-') || address.length > 253)) return undefined
  const port = Number(portText)
  if (port < 1 || port > 65535) return undefined
  return { address, port }
}

// --- validation -----------------------------------------------------------------------------

/** A field check returns a problem description, or undefined when the value is fine. */
type Check = (v: unknown) => string | undefined
interface Schema { [key: string]: Check | Schema }

const show = (v: unknown): string => JSON.stringify(v) ?? String(v)

const intIn = (lo: number, hi: number): Check => (v) =>
  Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi ? undefined : `must be an integer from ${lo} to ${hi} (got ${show(v)})`

const host: Check = (v) =>
  typeof v === 'string' && v.length > 0 && v.length <= 253 && !/\s/.test(v) ? undefined : `must be a host name or IP address (got ${show(v)})`

const MAX_BOOTSTRAP = 256
const endpoints: Check = (v) => {
  if (!Array.isArray(v)) return `must be a list of "host:port" strings (got ${show(v)})`
  if (v.length > MAX_BOOTSTRAP) return `may list at most ${MAX_BOOTSTRAP} peers (got ${v.length})`
  const bad = v.filter(e => typeof e !== 'string' || parseEndpoint(e) === undefined)
  return bad.length === 0 ? undefined : `entries must be "host:port" or "[v6]:port" with port 1-65535 (bad: ${bad.map(show).join(', ')})`
}

const BITCOIN_DEFAULTS = { network: 'mainnet', confirmations: 1, pollMs: 30_000 } as const

const bool: Check = (b) => typeof b === 'boolean' ? undefined : 'must be true or false'
const shortString: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 256 ? undefined : `must be a non-empty string (got ${show(v)})`

const chainSource: Check = (v) => {
  const example = '{ "kind": "bitcoind", "url": "http://127.0.0.1:8332/", "user": "…", "password": "…", "wallet": "tornet" } or { "kind": "electrum", "host": "…", "port": 50002, "tls": true }'
  if (!isPlainObject(v)) return `must be an object such as ${example} (got ${show(v)})`
  const fields: Record<string, Check> | undefined = v.kind === 'bitcoind'
    ? { url: (u) => typeof u === 'string' && /^https?:\/\/[^\s]+$/.test(u) && URL.canParse(u) ? undefined : 'must be an http:// URL of Bitcoin Core\'s RPC port', user: shortString, password: (p) => typeof p === 'string' && p.length > 0 && p.length <= 256 ? undefined : 'must be a non-empty string', wallet: shortString }
    : v.kind === 'electrum' ? { host, port: intIn(1, 65535), tls: bool, rejectUnauthorized: bool } : undefined
  if (fields === undefined) return `must have "kind": "bitcoind" or "electrum", as in ${example}`
  const problems: string[] = []
  for (const [key, value] of Object.entries(v)) {
    if (key === 'kind') continue
    const check = fields[key]
    const p = check === undefined ? `has unknown key "${key}" (known: kind, ${Object.keys(fields).join(', ')})` : check(value)
    if (p !== undefined) problems.push(check === undefined ? p : `.${key} ${p}`)
  }
  const required = v.kind === 'bitcoind' ? ['url'] : ['host', 'port', 'tls']
  for (const key of required) if (!(key in v)) problems.push(`needs "${key}"`)
  return problems.length === 0 ? undefined : problems.join('; ')
}

const SCHEMA: Schema = {
  listen: { host, port: intIn(0, 65535) },
  bootstrap: endpoints,
  minRank: intIn(0, MAX_MINING_RANK),
  allowPrivateEndpoints: (v) => typeof v === 'boolean' ? undefined : `must be true or false (got ${show(v)})`,
  identityRank: intIn(0, MAX_MINING_RANK),
  gateway: {
    host,
    port: intIn(0, 65535),
    passThrough: (v) => typeof v === 'boolean' ? undefined : `must be true or false (got ${show(v)})`,
    tunnelHops: intIn(0, MAX_HOPS)
  },
  routing: {
    delegate: (v) => typeof v === 'string' && parseDelegate(v) !== undefined ? undefined : `must be "KEYHEX@host:port" or "host:port" (got ${show(v)})`
  },
  storage: { cacheBytes: intIn(0, Number.MAX_SAFE_INTEGER) },
  names: { difficulty: intIn(0, 40) },
  mail: { difficulty: intIn(0, 40) },
  nat: { portMapping: (v) => typeof v === 'boolean' ? undefined : `must be true or false (got ${show(v)})` },
  announce: (v) => typeof v === 'string' && parseEndpoint(v) !== undefined ? undefined : `must be "host:port" or "[v6]:port" (got ${show(v)})`,
  credit: {
    factor: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e6 ? undefined : `must be a number from 0 to 1000000 (got ${show(v)})`,
    satsPerMB: intIn(0, 100_000_000),
    concurrency: intIn(1, 4096)
  },
  sell: {
    bandwidth: intIn(0, Number.MAX_SAFE_INTEGER),
    storage: intIn(0, Number.MAX_SAFE_INTEGER),
    range: intIn(0, 256),
    minPopularity: intIn(0, 64),
    storagePrice: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e6 ? undefined : `must be a number from 0 to 1000000 (got ${show(v)})`
  },
  publish: {
    replicas: intIn(0, 32),
    checkIntervalMs: intIn(1000, 7 * 86_400_000),
    maxPrice: intIn(0, Number.MAX_SAFE_INTEGER)
  },
  search: {
    trust: (v) => Array.isArray(v) && v.length <= 64 && v.every(k => k === 'self' || (typeof k === 'string' && /^[0-9a-fA-F]{64}$/.test(k)))
      ? undefined
      : `must be a list of builder public keys (64 hex digits) or "self" (got ${show(v)})`
  },
  namecoin: (v) => isPlainObject(v) ? undefined : `must be an object such as { "backend": "electrumx", "electrumx": { "servers": ["host:50002:s"] } } (got ${show(v)})`,
  bitcoin: {
    xpub: (v) => typeof v === 'string' && /^[xztv]pub[1-9A-HJ-NP-Za-km-z]{100,115}$/.test(v) ? undefined : 'must be an account extended public key (xpub/zpub, or tpub/vpub for testnet and regtest)',
    network: (v) => v === 'mainnet' || v === 'testnet' || v === 'regtest' ? undefined : `must be "mainnet", "testnet" or "regtest" (got ${show(v)})`,
    source: chainSource,
    confirmations: intIn(0, 1000),
    pollMs: intIn(1000, 86_400_000)
  }
}

/** Fills the bitcoin section's defaults and checks the xpub against the network; problems name the key. */
function finishBitcoin (config: TornetConfig, problems: string[]): void {
  if (config.bitcoin === undefined) return
  const b: BitcoinConfig = { ...BITCOIN_DEFAULTS, ...config.bitcoin }
  config.bitcoin = b
  if (b.xpub === undefined) return
  try {
    parseAccountKey(b.xpub, b.network)
  } catch (err) {
    problems.push(`bitcoin.xpub ${(err as Error).message}`)
  }
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Check one layer (file or flags) against the schema; every key is optional in a layer. */
function checkLayer (value: unknown, schema: Schema, path: string, problems: string[]): void {
  if (!isPlainObject(value)) {
    problems.push(`${path === '' ? 'the configuration' : path} must be an object (got ${show(value)})`)
    return
  }
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue // an absent flag, not a value
    const where = path === '' ? key : `${path}.${key}`
    // Own keys only: "__proto__" or "constructor" in a file must not reach Object.prototype (found by fuzzing).
    const rule = Object.hasOwn(schema, key) ? schema[key] : undefined
    if (rule === undefined) {
      problems.push(`unknown key "${where}" (known: ${Object.keys(schema).join(', ')})`)
    } else if (typeof rule === 'function') {
      const problem = rule(v)
      if (problem !== undefined) problems.push(`${where} ${problem}`)
    } else {
      checkLayer(v, rule, where, problems)
    }
  }
}

function merge (base: Record<string, unknown>, layer: Record<string, unknown>): void {
  for (const [key, v] of Object.entries(layer)) {
    if (v === undefined || key === '__proto__' || key === 'constructor' || key === 'prototype') continue
    const into = Object.hasOwn(base, key) ? base[key] : undefined
    if (isPlainObject(into) && isPlainObject(v)) merge(into, v)
    else base[key] = Array.isArray(v) ? [...v] : v
  }
}

function readConfigFile (file: string): { value: unknown } | { problem: string } | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return { problem: `cannot be read (${(err as Error).message})` }
  }
  try {
    return { value: JSON.parse(text) }
  } catch (err) {
    return { problem: `is not valid JSON (${(err as Error).message})` }
  }
}

/**
 * The effective configuration for a data directory. Missing config.json means defaults.
 * Throws TornetError CONFIG_INVALID listing every problem, each with where it came from.
 */
export function loadConfig (opts: { dataDir: string, flags?: ConfigOverrides }): TornetConfig {
  const config = defaultConfig()
  const problems: string[] = []
  const file = configPath(opts.dataDir)
  const layers: Array<{ source: string, value: unknown }> = []
  const read = readConfigFile(file)
  if (read !== undefined) {
    if ('problem' in read) problems.push(`${file}: ${read.problem}`)
    else layers.push({ source: file, value: read.value })
  }
  if (opts.flags !== undefined) layers.push({ source: 'command-line flags', value: opts.flags })

  for (const { source, value } of layers) {
    const found: string[] = []
    checkLayer(value, SCHEMA, '', found)
    problems.push(...found.map(p => `${source}: ${p}`))
    if (found.length === 0) merge(config as unknown as Record<string, unknown>, value as Record<string, unknown>)
  }
  if (problems.length === 0) finishBitcoin(config, problems)
  if (problems.length > 0) {
    throw new TornetError(ConfigErrorCode.INVALID,
      `invalid configuration:\n  ${problems.join('\n  ')}\nFix ${file} or the flags and try again`)
  }
  return config
}
