import { TornetError, isTornetError } from '../../node/index.js'
import { resolveError } from '../errors.js'
import { RESOLVE_ERRORS } from '../types.js'
import { ElectrumConnection, serverLabel, type ElectrumServer } from './electrum-connection.js'
import { NAME_EXPIRATION_BLOCKS, type NameRecord, type NameSource } from './name-source.js'
import { findNameValue, nameIndexScriptHash } from './name-script.js'
import { RawTxError, decodeHex, parseRawTransaction } from './raw-transaction.js'

/**
 * Names from ElectrumX servers, the way Electrum-NMC reads them, so a user
 * needs no full node:
 *
 *   1. server.version ["tornet", "1.4"]                    once per connection
 *   2. blockchain.headers.subscribe []                      → {"height": tip, "hex": header}
 *   3. blockchain.scripthash.get_history [<name index script hash>]
 *                                                           → [{"tx_hash", "height"}, …], oldest first
 *   4. the newest confirmed entry (height > 0; 0 and -1 are mempool);
 *      expired when tip − height ≥ 36,000 (Namecoin Core's expires_in ≤ 0)
 *   5. blockchain.transaction.get [tx_hash]                 → raw transaction hex
 *   6. parse it, check that its txid is the one asked for, and take the
 *      value of the NAME_FIRSTUPDATE / NAME_UPDATE output for this name.
 *
 * Unlike Electrum-NMC we do not check the transaction's Merkle proof
 * against SPV-verified headers: a lying server can serve a false value.
 * Servers are tried in order; the first that connects is kept (and reused
 * until it fails or sits idle).
 */

export interface ElectrumxSourceOptions {
  servers: ElectrumServer[]
  /** Per connect and per request; default 10 s. */
  timeoutMs?: number
  /** Close an idle connection after this long; default 30 s. */
  idleMs?: number
  rejectUnauthorized?: boolean
}

const MAX_HISTORY = 100_000

export class ElectrumxSource implements NameSource {
  private conn: ElectrumConnection | undefined
  private connecting: Promise<ElectrumConnection> | undefined
  private preferred = 0
  private idleTimer: NodeJS.Timeout | undefined
  private readonly timeoutMs: number
  private readonly idleMs: number

  constructor (private readonly opts: ElectrumxSourceOptions) {
    if (opts.servers.length === 0) throw resolveError(RESOLVE_ERRORS.unavailable, 'No ElectrumX servers are configured for Namecoin.')
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.idleMs = opts.idleMs ?? 30_000
  }

  async nameShow (name: string, signal?: AbortSignal): Promise<NameRecord | undefined> {
    const conn = await this.connection(signal)
    this.touch()
    try {
      return await this.lookup(conn, name, signal)
    } catch (err) {
      if (conn.closed) this.drop(conn)
      throw err
    } finally {
      this.touch()
    }
  }

  /** Closes the connection (if any). The source reconnects on the next lookup. */
  close (): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    this.conn?.close()
    this.conn = undefined
  }

  private async lookup (conn: ElectrumConnection, name: string, signal?: AbortSignal): Promise<NameRecord | undefined> {
    const label = serverLabel(conn.server)
    const bad = (why: string): never => { throw resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${label} ${why} (looking up ${name}).`) }
    const nameBytes = Buffer.from(name, 'utf8')

    const tipAnswer = await conn.request('blockchain.headers.subscribe', [], { signal })
    const tip = (tipAnswer as { height?: unknown } | null)?.height
    if (!Number.isSafeInteger(tip) || (tip as number) < 0) bad('gave no chain tip height')

    const history = await conn.request('blockchain.scripthash.get_history', [nameIndexScriptHash(nameBytes)], { signal })
    if (!Array.isArray(history)) return bad('answered get_history with something other than a list')
    if (history.length > MAX_HISTORY) bad(`returned ${history.length} history entries`)
    let best: { txHash: string, height: number } | undefined
    for (const entry of history) {
      const e = entry as { tx_hash?: unknown, height?: unknown } | null
      if (typeof e?.tx_hash !== 'string' || !/^[0-9a-f]{64}$/.test(e.tx_hash) || !Number.isSafeInteger(e.height)) return bad('returned a malformed history entry')
      const height = e.height as number
      // ElectrumX lists history oldest first, in block order; a later entry at the same height is the later update.
      if (height > 0 && (best === undefined || height >= best.height)) best = { txHash: e.tx_hash, height }
    }
    if (best === undefined) return undefined

    const expiresIn = best.height + NAME_EXPIRATION_BLOCKS - (tip as number)
    if (expiresIn <= 0) {
      throw resolveError(RESOLVE_ERRORS.expired,
        `The Namecoin name ${name} has expired: last updated at block ${best.height}, chain tip ${String(tip)}; names expire ${NAME_EXPIRATION_BLOCKS.toLocaleString('en')} blocks after their last update.`)
    }

    const rawHex = await conn.request('blockchain.transaction.get', [best.txHash], { signal })
    if (typeof rawHex !== 'string') return bad('answered transaction.get with something other than hex')
    let tx
    try {
      tx = parseRawTransaction(decodeHex(rawHex, 'transaction'))
    } catch (err) {
      if (err instanceof RawTxError) return bad(`sent a malformed transaction ${best.txHash}: ${err.message}`)
      throw err
    }
    if (tx.txid !== best.txHash) bad(`sent transaction ${tx.txid} when asked for ${best.txHash}`)
    const found = findNameValue(tx.outputs.map(o => o.script), nameBytes)
    if (found === undefined) return bad(`indexed transaction ${best.txHash} under the name, but it has no operation on it`)
    let value: string
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(found.value)
    } catch {
      throw resolveError(RESOLVE_ERRORS.invalidRecord, `The value of ${name} is not UTF-8 text.`)
    }
    return { value, height: best.height, expiresIn, txid: best.txHash }
  }

  private touch (): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.close(), this.idleMs)
    this.idleTimer.unref()
  }

  private drop (conn: ElectrumConnection): void {
    if (this.conn === conn) this.conn = undefined
  }

  private async connection (signal?: AbortSignal): Promise<ElectrumConnection> {
    if (this.conn !== undefined && !this.conn.closed) return this.conn
    this.conn = undefined
    // Concurrent lookups share one connection attempt, which runs without any one caller's signal.
    this.connecting ??= this.connectAny().finally(() => { this.connecting = undefined })
    const pending = this.connecting
    if (signal === undefined) return await pending
    signal.throwIfAborted()
    return await new Promise<ElectrumConnection>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      pending.then(c => { signal.removeEventListener('abort', onAbort); resolve(c) }, e => { signal.removeEventListener('abort', onAbort); reject(e) })
    })
  }

  private async connectAny (): Promise<ElectrumConnection> {
    const failures: TornetError[] = []
    const n = this.opts.servers.length
    for (let i = 0; i < n; i++) {
      const index = (this.preferred + i) % n
      const server = this.opts.servers[index]
      let conn: ElectrumConnection | undefined
      try {
        conn = await ElectrumConnection.open(server, { timeoutMs: this.timeoutMs, rejectUnauthorized: this.opts.rejectUnauthorized })
        const version = await conn.request('server.version', ['tornet', '1.4'])
        if (!Array.isArray(version) || typeof version[1] !== 'string') {
          throw resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(server)} answered server.version strangely.`)
        }
        this.preferred = index
        this.conn = conn
        return conn
      } catch (err) {
        conn?.close()
        failures.push(isTornetError(err) ? err : resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(server)}: ${(err as Error).message}`, err))
      }
    }
    const allTimeouts = failures.every(f => f.code === RESOLVE_ERRORS.timeout)
    throw resolveError(allTimeouts ? RESOLVE_ERRORS.timeout : RESOLVE_ERRORS.unavailable,
      `No ElectrumX server for Namecoin could be used: ${failures.map(f => f.message).join(' ')}`)
  }
}
