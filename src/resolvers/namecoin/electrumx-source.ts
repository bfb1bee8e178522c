import { isTornetError, type TornetError } from '../../node/index.js'
import { ResolverErrorCode, resolveError } from '../errors.js'
import { isProofError } from './spv/header-chain.js'
import { NAMECOIN_PROOF_ERRORS } from './spv/proof-errors.js'
import { RESOLVE_ERRORS } from '../types.js'
import type { CertificatePins } from './certificate-pins.js'
import { serverLabel, type ElectrumConnection, type ElectrumServer } from './electrum-connection.js'
import { ElectrumxPool, type ServerStatus } from './electrumx-pool.js'
import { unverifiedAnswers, type NameAnswerVerifier, type ProofChannel, type VerifiedAnswer } from './name-answer-verifier.js'
import { NAME_EXPIRATION_BLOCKS, type NameRecord, type NameSource } from './name-source.js'
import { findNameValue, nameIndexScriptHash } from './name-script.js'
import { RawTxError, decodeHex, parseRawTransaction } from './raw-transaction.js'

/**
 * Names from ElectrumX servers, the way Electrum-NMC reads them, so a user
 * needs no full node. Per server asked:
 *
 *   1. blockchain.headers.subscribe []                      → {"height": tip, "hex": header}
 *   2. blockchain.scripthash.get_history [<name index script hash>]
 *                                                           → [{"tx_hash", "height"}, …], oldest first
 *   3. the newest confirmed entry (height > 0; 0 and -1 are mempool)
 *   4. blockchain.transaction.get [tx_hash]                 → raw transaction hex
 *      (+ blockchain.transaction.get_merkle [tx_hash, height] when the verifier wants it)
 *   5. parse it, check its txid, take the NAME_FIRSTUPDATE / NAME_UPDATE value;
 *   6. the verifier proves the answer (or, the stand-in, says it did not);
 *   7. expired when tip − height ≥ 36,000 (tip: the verified one when known).
 *
 * Two servers of different operators are asked at once (ElectrumxPool). If
 * they disagree, the answer from the later block wins (a server can hide an
 * update, but cannot invent a proven one), and the other server is noted as
 * a liar. A server that fails is dropped and the other answer used.
 */

export interface ElectrumxSourceOptions {
  servers: ElectrumServer[]
  /** Per connect and per request; default 5 s. */
  timeoutMs?: number
  /** Unused (connections are kept warm); accepted for older configs. */
  idleMs?: number
  rejectUnauthorized?: boolean
  /** TLS trust on first use (overrides rejectUnauthorized for TLS servers). */
  pins?: CertificatePins
  /** Proves answers; default `unverifiedAnswers` (proves nothing, says so). */
  verifier?: NameAnswerVerifier
  /** Servers asked per name; default 2. */
  quorum?: number
  now?: () => number
}

/** How one name lookup went, for `tornet resolve` and the dashboard. */
export interface LookupTrace {
  name: string
  at: number
  servers: Array<{ label: string, outcome: string }>
  /** The server whose answer was used. */
  chosen?: string
  proof?: VerifiedAnswer
  /** Set when two servers disagreed. */
  disagreement?: string
}

/** The source's state for the dashboard and `tornet resolve`. */
export interface ElectrumxStatus {
  servers: ServerStatus[]
  verifiedTip?: { height: number, time: number }
  /** Highest tip a server reported (not proven), with its header's time when the header parsed. */
  reportedTip?: { height: number, time?: number }
  lastFailure?: { server: string, code: string, message: string, at: number }
  proof: 'verified' | 'unverified'
  /** The header sync (SPV verifier): verified height, the tip it heads for, speed. */
  headerSync?: { height: number, target: number, headersPerSecond: number, server: string, done: boolean }
  /** Where TLS certificate pins are kept (undefined: in memory, or CA-checked TLS). */
  pinsFile?: string
}

type Outcome =
  | { kind: 'record', record: NameRecord, proof: VerifiedAnswer }
  | { kind: 'missing' }
  | { kind: 'expired', height: number, tip: number, txid: string }
  | { kind: 'error', err: TornetError }

const MAX_HISTORY = 100_000
const MAX_TRACES = 64

export class ElectrumxSource implements NameSource {
  readonly pool: ElectrumxPool
  private readonly verifier: NameAnswerVerifier
  private readonly traces = new Map<string, LookupTrace>()
  private verifiedTip: { height: number, time: number } | undefined
  private reportedTip: { height: number, time?: number } | undefined
  private readonly timeoutMs: number
  private readonly now: () => number

  constructor (private readonly opts: ElectrumxSourceOptions) {
    this.timeoutMs = opts.timeoutMs ?? 5_000
    this.now = opts.now ?? Date.now
    this.verifier = opts.verifier ?? unverifiedAnswers
    this.pool = new ElectrumxPool({ servers: opts.servers, timeoutMs: this.timeoutMs, pins: opts.pins, rejectUnauthorized: opts.rejectUnauthorized, now: this.now })
  }

  async nameShow (name: string, signal?: AbortSignal): Promise<NameRecord | undefined> {
    const conns = await this.pool.acquire(this.opts.quorum ?? 2, signal)
    const outcomes = await Promise.all(conns.map(async c => await this.ask(c, name, signal)))
    const trace: LookupTrace = { name, at: this.now(), servers: [] }
    conns.forEach((c, i) => trace.servers.push({ label: serverLabel(c.server), outcome: describe(outcomes[i]) }))
    this.remember(trace)
    signal?.throwIfAborted()

    const answers = conns.map((c, i) => ({ conn: c, outcome: outcomes[i] })).filter(a => a.outcome.kind !== 'error')
    if (answers.length === 0) throw pickError(outcomes.map(o => (o as { err: TornetError }).err))
    const rank = (o: Outcome): number => o.kind === 'record' ? o.record.height : o.kind === 'expired' ? o.height : 0
    answers.sort((a, b) => rank(b.outcome) - rank(a.outcome))
    const best = answers[0]
    for (const other of answers.slice(1)) {
      if (sameAnswer(other.outcome, best.outcome)) continue
      const detail = `${serverLabel(other.conn.server)} answered ${describe(other.outcome)}, but ${serverLabel(best.conn.server)} proved ${describe(best.outcome)}`
      trace.disagreement = detail
      this.pool.noteLiar(other.conn.server, name, detail)
    }
    trace.chosen = serverLabel(best.conn.server)
    const b = best.outcome
    if (b.kind === 'missing') return undefined
    const expired = (height: number, tip: number): never => {
      throw resolveError(RESOLVE_ERRORS.expired,
        `The Namecoin name ${name} has expired: last updated at block ${height}, chain tip ${tip}; names expire ${NAME_EXPIRATION_BLOCKS.toLocaleString('en')} blocks after their last update.`)
    }
    if (b.kind === 'expired') return expired(b.height, b.tip)
    const { record, proof } = b as { record: NameRecord, proof: VerifiedAnswer }
    trace.proof = proof
    if (record.expiresIn !== undefined && record.expiresIn <= 0) expired(record.height, record.height - record.expiresIn + NAME_EXPIRATION_BLOCKS)
    return record
  }

  /** The last lookup of `name` (servers asked, what each said, the proof). */
  trace (name: string): LookupTrace | undefined { return this.traces.get(name) }

  status (): ElectrumxStatus {
    const servers = this.pool.status()
    const failures = servers.filter(s => s.lastError !== undefined).sort((a, b) => (b.lastError?.at ?? 0) - (a.lastError?.at ?? 0))
    const last = failures[0]
    const sync = this.verifier.syncFailure
    const lastFailure = last?.lastError === undefined ? undefined : { server: last.label, ...last.lastError }
    return {
      servers,
      verifiedTip: this.verifier.verifiedTip?.() ?? this.verifiedTip,
      reportedTip: this.reportedTip,
      lastFailure: sync !== undefined && (lastFailure === undefined || sync.at > lastFailure.at) ? sync : lastFailure,
      proof: this.verifier === unverifiedAnswers ? 'unverified' : 'verified',
      headerSync: this.verifier.progress,
      pinsFile: this.opts.pins?.path
    }
  }

  /**
   * Opens the warm connections in the background and, when the verifier syncs headers,
   * starts that sync from the first server that answers (errors land in status()).
   */
  warmUp (): void {
    this.pool.warmUp()
    if (this.verifier.prepare !== undefined) this.syncHeaders().catch(() => {})
  }

  /**
   * Brings the verifier's header chain up to a server's tip (headers-first sync), waiting as long
   * as the verifier lets a lookup wait; a failure is noted on the server and rethrown.
   */
  async syncHeaders (signal?: AbortSignal): Promise<void> {
    const prepare = this.verifier.prepare
    if (prepare === undefined) return
    const [conn] = await this.pool.acquire(1, signal)
    try {
      const tipAnswer = await conn.request('blockchain.headers.subscribe', [], { signal })
      const tip = (tipAnswer as { height?: unknown } | null)?.height
      if (typeof tip !== 'number' || !Number.isSafeInteger(tip) || tip < 0) {
        throw resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(conn.server)} gave no chain tip height.`)
      }
      this.pool.noteTip(conn.server, tip)
      await prepare.call(this.verifier, this.channel(conn, signal), tip, signal)
    } catch (err) {
      if (signal?.aborted !== true) this.pool.fail(conn, err)
      throw err
    }
  }

  /** Asks a connected server for its peers (`server.peers.subscribe`); the answer as received. */
  async peers (signal?: AbortSignal): Promise<{ server: string, answer: unknown }> {
    const [conn] = await this.pool.acquire(1, signal)
    return { server: serverLabel(conn.server), answer: await conn.request('server.peers.subscribe', [], { signal }) }
  }

  /** Forgets `hostPort`'s pinned certificate (the next one it shows is pinned); false when none was pinned. */
  forgetPin (hostPort: string): boolean { return this.opts.pins?.forget(hostPort) ?? false }

  async close (): Promise<void> {
    this.pool.close()
    await this.verifier.close?.()
  }

  private channel (conn: ElectrumConnection, signal?: AbortSignal): ProofChannel {
    return { label: serverLabel(conn.server), request: async (method, params, s) => await conn.request(method, params, { signal: s ?? signal }) }
  }

  private remember (trace: LookupTrace): void {
    this.traces.delete(trace.name)
    this.traces.set(trace.name, trace)
    if (this.traces.size > MAX_TRACES) this.traces.delete(this.traces.keys().next().value as string)
  }

  private async ask (conn: ElectrumConnection, name: string, signal?: AbortSignal): Promise<Outcome> {
    try {
      return await this.lookup(conn, name, signal)
    } catch (err) {
      if (signal?.aborted === true) throw err
      const e = isTornetError(err) ? err : resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(conn.server)}: ${(err as Error).message}`, err)
      // A broken line or a lie costs the server its place; a value that is not UTF-8 is the name's fault.
      if (e.code !== RESOLVE_ERRORS.invalidRecord && e.code !== ResolverErrorCode.headersSyncing) this.pool.fail(conn, e)
      if (isProofError(e)) this.pool.noteLiar(conn.server, name, `its answer failed a proof (${e.code}): ${e.message}`)
      return { kind: 'error', err: e }
    }
  }

  private async lookup (conn: ElectrumConnection, name: string, signal?: AbortSignal): Promise<Outcome> {
    const label = serverLabel(conn.server)
    const bad = (why: string): never => { throw resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${label} ${why} (looking up ${name}).`) }
    const nameBytes = Buffer.from(name, 'utf8')

    const tipAnswer = await conn.request('blockchain.headers.subscribe', [], { signal })
    const tip = (tipAnswer as { height?: unknown } | null)?.height
    if (typeof tip !== 'number' || !Number.isSafeInteger(tip) || tip < 0) return bad('gave no chain tip height')
    this.pool.noteTip(conn.server, tip)
    if (this.reportedTip === undefined || tip > this.reportedTip.height) {
      this.reportedTip = { height: tip, time: headerTime((tipAnswer as { hex?: unknown }).hex) }
    }

    const history = await conn.request('blockchain.scripthash.get_history', [nameIndexScriptHash(nameBytes)], { signal })
    if (!Array.isArray(history)) return bad('answered get_history with something other than a list')
    if (history.length > MAX_HISTORY) bad(`returned ${history.length} history entries`)
    let best: { txHash: string, height: number } | undefined
    for (const entry of history) {
      const e = entry as { tx_hash?: unknown, height?: unknown } | null
      if (typeof e?.tx_hash !== 'string' || !/^[0-9a-f]{64}$/.test(e.tx_hash) || !Number.isSafeInteger(e.height)) return bad('returned a malformed history entry')
      const height = e.height as number
      if (height > tip) return bad(`listed a transaction at height ${height}, above its own tip ${tip}`)
      // ElectrumX lists history oldest first, in block order; a later entry at the same height is the later update.
      if (height > 0 && (best === undefined || height >= best.height)) best = { txHash: e.tx_hash, height }
    }
    if (best === undefined) return { kind: 'missing' }
    // Expired by this server's own tip: no need for the transaction. (A server
    // hiding a later update is outvoted by the other operator's answer.) A proving
    // verifier judges expiry against the verified tip instead, not a server's claim.
    if (!this.verifier.wantsMerkle && best.height + NAME_EXPIRATION_BLOCKS - tip <= 0) return { kind: 'expired', height: best.height, tip, txid: best.txHash }
    if (this.verifier.prepare !== undefined) {
      // Headers first: with the chain verified up to this server's tip, an update that old is
      // expired whatever that transaction is (no need to fetch or prove it).
      await this.verifier.prepare(this.channel(conn, signal), tip, signal)
      const verified = this.verifier.verifiedTip?.()?.height
      if (verified !== undefined && best.height + NAME_EXPIRATION_BLOCKS - verified <= 0) return { kind: 'expired', height: best.height, tip: verified, txid: best.txHash }
    }

    const [rawHex, merkle] = await Promise.all([
      conn.request('blockchain.transaction.get', [best.txHash], { signal }),
      this.verifier.wantsMerkle ? conn.request('blockchain.transaction.get_merkle', [best.txHash, best.height], { signal }) : undefined
    ])
    if (typeof rawHex !== 'string') return bad('answered transaction.get with something other than hex')
    // With a proving verifier these are failed proofs of the answer, and say which.
    const failed = (proof: string, why: string): never => {
      if (!this.verifier.wantsMerkle) return bad(why)
      throw resolveError(proof as ResolverErrorCode, `ElectrumX server ${label} ${why} (looking up ${name}).`)
    }
    let tx
    try {
      tx = parseRawTransaction(decodeHex(rawHex, 'transaction'))
    } catch (err) {
      if (err instanceof RawTxError) return failed(NAMECOIN_PROOF_ERRORS.nameScript, `sent a malformed transaction ${best.txHash}: ${err.message}`)
      throw err
    }
    if (tx.txid !== best.txHash) failed(NAMECOIN_PROOF_ERRORS.merkle, `sent transaction ${tx.txid} when asked for ${best.txHash}`)
    const found = findNameValue(tx.outputs.map(o => o.script), nameBytes)
    if (found === undefined) return failed(NAMECOIN_PROOF_ERRORS.nameScript, `indexed transaction ${best.txHash} under the name, but it has no operation on it`)

    let proof: VerifiedAnswer
    try {
      proof = await this.verifier.verify({ name, txid: best.txHash, height: best.height, tip, rawTx: rawHex, merkle }, this.channel(conn, signal), signal)
    } catch (err) {
      // Proven, but expired against the verified tip: an answer like any other expired one.
      if (!isTornetError(err, RESOLVE_ERRORS.expired)) throw err
      const verified = this.verifier.verifiedTip?.()?.height ?? tip
      return { kind: 'expired', height: best.height, tip: verified, txid: best.txHash }
    }
    if (proof.verifiedTip !== undefined && (this.verifiedTip === undefined || proof.verifiedTip.height > this.verifiedTip.height)) {
      this.verifiedTip = proof.verifiedTip
    }

    let value: string
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(found.value)
    } catch {
      throw resolveError(RESOLVE_ERRORS.invalidRecord, `The value of ${name} is not UTF-8 text.`)
    }
    const tipForExpiry = Math.max(tip, proof.verifiedTip?.height ?? 0)
    return { kind: 'record', record: { value, height: best.height, expiresIn: best.height + NAME_EXPIRATION_BLOCKS - tipForExpiry, txid: best.txHash }, proof }
  }
}

function describe (o: Outcome): string {
  if (o.kind === 'missing') return 'no such name'
  if (o.kind === 'expired') return `an expired name (last update in block ${o.height}, tx ${o.txid})`
  if (o.kind === 'error') return `error ${o.err.code}: ${o.err.message}`
  return `the update in block ${o.record.height} (tx ${o.record.txid ?? '?'}), ${o.proof.status}`
}

function sameAnswer (a: Outcome, b: Outcome): boolean {
  if (a.kind === 'missing' && b.kind === 'missing') return true
  if (a.kind === 'expired' && b.kind === 'expired') return a.txid === b.txid
  return a.kind === 'record' && b.kind === 'record' && a.record.txid === b.record.txid
}

/** When every server failed: a failed proof or a bad value first (they say what is wrong), then a changed certificate, then the rest. */
function pickError (errs: TornetError[]): TornetError {
  const network = new Set<string>([RESOLVE_ERRORS.unavailable, RESOLVE_ERRORS.timeout, RESOLVE_ERRORS.certificateChanged])
  return errs.find(e => !network.has(e.code)) ??
    errs.find(e => e.code === RESOLVE_ERRORS.certificateChanged) ??
    errs[0]
}

/** Unix time of an 80-byte block header in hex (bytes 68..72, little-endian); undefined when it is not one. */
function headerTime (hex: unknown): number | undefined {
  if (typeof hex !== 'string' || hex.length < 160 || !/^[0-9a-f]+$/i.test(hex.slice(0, 160))) return undefined
  const t = Buffer.from(hex.slice(136, 144), 'hex').readUInt32LE(0)
  return t === 0 ? undefined : t
}
