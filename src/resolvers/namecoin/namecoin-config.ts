import { ResolverErrorCode, resolveError } from '../errors.js'
import { parseServer, type ElectrumServer } from './electrum-connection.js'
import { CertificatePins } from './certificate-pins.js'
import { ElectrumxSource } from './electrumx-source.js'
import type { NameAnswerVerifier } from './name-answer-verifier.js'
import type { ChainParams } from './spv/chain-params.js'
import { SpvNameVerifier, type HeaderSyncProgress } from './spv-name-verifier.js'
import { loadServerList } from './server-list.js'
import type { NameSource } from './name-source.js'
import { NamecoinRpcSource, redactCredentials } from './namecoin-rpc-source.js'

/**
 * Where `.bit` names are read from. In the Tornet config file:
 *
 *   "namecoin": {
 *     "backend": "electrumx",
 *     "electrumx": { "servers": "shipped", "trust": "tofu" },          (the default)
 *     "electrumx": { "servers": ["electrumx.example.org:50002:s", "198.51.100.7:50001:t"] },
 *     "cacheTtlMs": 600000
 *   }
 *
 * or, with a local Namecoin Core node:
 *
 *   "namecoin": {
 *     "backend": "rpc",
 *     "rpc": { "url": "http://127.0.0.1:8336/", "cookieFile": "~/.namecoin/.cookie" },
 *     "cacheTtlMs": 600000
 *   }
 */
export interface NamecoinConfig {
  backend: 'rpc' | 'electrumx'
  rpc?: { url: string, user?: string, password?: string, cookieFile?: string }
  electrumx?: {
    /**
     * "host:port:t" (plain TCP) or "host:port:s" (TLS), or "shipped": the
     * list shipped with Tornet (electrumx-servers.json), or the one refreshed
     * into the data directory by `tornet resolve --refresh-servers`.
     */
    servers: string[] | 'shipped'
    /**
     * TLS certificates: "tofu" (default: pin each server's certificate the
     * first time, refuse a changed one), "ca" (require one the system trusts).
     */
    trust?: 'tofu' | 'ca'
    /** Older spelling: false = "tofu", true = "ca". */
    rejectUnauthorized?: boolean
  }
  /** How long a found name is remembered. */
  cacheTtlMs: number
  /** How long "no such name" / "expired" is remembered; default min(cacheTtlMs, 60 s). */
  negativeCacheTtlMs?: number
  /** Per backend request (connect, RPC call); default 10 s. */
  timeoutMs?: number
}

/** Out of the box: the shipped public ElectrumX servers over TLS, certificates pinned on first use. */
export const DEFAULT_NAMECOIN_CONFIG: NamecoinConfig = {
  backend: 'electrumx',
  electrumx: { servers: 'shipped', trust: 'tofu' },
  cacheTtlMs: 10 * 60_000,
  timeoutMs: 5_000
}

/** What the composition root adds to a config: where pins, headers and the refreshed list live, and who proves answers. */
export interface NameSourceContext {
  dataDir?: string
  /**
   * Proves ElectrumX answers. Default: the SPV verifier (headers verified from the shipped
   * checkpoint into <dataDir>/namecoin-headers, Merkle branch, expiry against the verified tip).
   */
  verifier?: NameAnswerVerifier
  /** Network and checkpoint of the default verifier; default Namecoin mainnet (tests inject a test chain). */
  chainParams?: ChainParams
  /** Header sync progress of the default verifier (for a progress line). */
  onHeaderProgress?: (p: HeaderSyncProgress) => void
  /** How long a lookup waits for the header sync of the default verifier; default 15 s (a CLI waits longer). */
  headerSyncWaitMs?: number
}

/**
 * The `namecoin` key of config.json completed with the defaults: absent →
 * the shipped servers; an "electrumx" config without servers → the shipped
 * ones; missing cacheTtlMs/timeoutMs → the defaults. An "rpc" config keeps
 * only its own keys.
 */
export function namecoinConfigWithDefaults (raw?: Record<string, unknown>): NamecoinConfig {
  const d = DEFAULT_NAMECOIN_CONFIG
  if (raw === undefined) return { ...d, electrumx: { ...d.electrumx as NonNullable<NamecoinConfig['electrumx']> } }
  const base = { cacheTtlMs: d.cacheTtlMs, timeoutMs: d.timeoutMs }
  if (raw.backend === 'rpc') return validateNamecoinConfig({ ...base, ...raw })
  const ex = typeof raw.electrumx === 'object' && raw.electrumx !== null ? raw.electrumx as Record<string, unknown> : {}
  return validateNamecoinConfig({ ...base, backend: 'electrumx', ...raw, electrumx: { ...d.electrumx, ...ex } })
}

function invalid (message: string): never {
  throw resolveError(ResolverErrorCode.configInvalid, `Namecoin config: ${message}`)
}

/** Checks a config (e.g. read from JSON) and returns it typed; throws RESOLVER_CONFIG_INVALID saying what is wrong. */
export function validateNamecoinConfig (raw: unknown): NamecoinConfig {
  if (typeof raw !== 'object' || raw === null) invalid('expected an object')
  const c = raw as Record<string, unknown>
  if (c.backend !== 'rpc' && c.backend !== 'electrumx') invalid('"backend" must be "rpc" or "electrumx"')
  if (typeof c.cacheTtlMs !== 'number' || !(c.cacheTtlMs >= 0)) invalid('"cacheTtlMs" must be a number of milliseconds ≥ 0')
  for (const key of ['negativeCacheTtlMs', 'timeoutMs'] as const) {
    if (c[key] !== undefined && (typeof c[key] !== 'number' || !((c[key] as number) >= 0))) invalid(`"${key}" must be a number of milliseconds ≥ 0`)
  }
  if (c.backend === 'rpc') {
    const rpc = c.rpc as Record<string, unknown> | undefined
    if (typeof rpc !== 'object' || rpc === null) invalid('backend "rpc" needs "rpc": { "url": ... }')
    let url: URL | undefined
    try { url = new URL(String(rpc.url)) } catch { invalid(`"rpc.url" ${JSON.stringify(redactCredentials(String(rpc.url)))} is not a URL`) }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid('"rpc.url" must be http:// or https://')
    for (const key of ['user', 'password', 'cookieFile'] as const) {
      if (rpc[key] !== undefined && typeof rpc[key] !== 'string') invalid(`"rpc.${key}" must be a string`)
    }
  } else {
    const ex = c.electrumx as Record<string, unknown> | undefined
    if (typeof ex !== 'object' || ex === null || !((Array.isArray(ex.servers) && ex.servers.length > 0) || ex.servers === 'shipped')) {
      invalid('backend "electrumx" needs "electrumx": { "servers": ["host:port:s", ...] } (or "servers": "shipped")')
    }
    if (Array.isArray(ex.servers)) {
      for (const s of ex.servers as unknown[]) {
        if (typeof s !== 'string' || parseServer(s) === undefined) invalid(`ElectrumX server ${JSON.stringify(s)} is not "host:port:t" or "host:port:s"`)
      }
    }
    if (ex.trust !== undefined && ex.trust !== 'tofu' && ex.trust !== 'ca') invalid('"electrumx.trust" must be "tofu" or "ca"')
    if (ex.rejectUnauthorized !== undefined && typeof ex.rejectUnauthorized !== 'boolean') invalid('"electrumx.rejectUnauthorized" must be true or false')
  }
  return raw as NamecoinConfig
}

/** The backend a config names, without cache (the resolver adds one). */
export function createNameSource (config: NamecoinConfig, ctx: NameSourceContext = {}): NameSource {
  const c = validateNamecoinConfig(config)
  if (c.backend === 'rpc') {
    const rpc = c.rpc as NonNullable<NamecoinConfig['rpc']>
    return new NamecoinRpcSource({ ...rpc, cookieFile: rpc.cookieFile === undefined ? undefined : expandHome(rpc.cookieFile), timeoutMs: c.timeoutMs })
  }
  const ex = c.electrumx as NonNullable<NamecoinConfig['electrumx']>
  const servers = ex.servers === 'shipped' ? loadServerList(ctx.dataDir).servers : ex.servers.map(s => parseServer(s) as ElectrumServer)
  const trust = ex.trust ?? (ex.rejectUnauthorized === true ? 'ca' : ex.rejectUnauthorized === false || ex.servers === 'shipped' ? 'tofu' : 'ca')
  return new ElectrumxSource({
    servers,
    timeoutMs: c.timeoutMs,
    rejectUnauthorized: trust === 'ca',
    pins: trust === 'tofu' ? new CertificatePins(ctx.dataDir) : undefined,
    verifier: ctx.verifier ?? new SpvNameVerifier({ params: ctx.chainParams, dataDir: ctx.dataDir, onProgress: ctx.onHeaderProgress, maxWaitMs: ctx.headerSyncWaitMs })
  })
}

function expandHome (path: string): string {
  const home = process.env.HOME
  return path.startsWith('~/') && home !== undefined ? `${home}${path.slice(1)}` : path
}
