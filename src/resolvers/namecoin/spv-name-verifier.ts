import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTornetError } from '../../node/index.js'
import { ResolverErrorCode, resolveError } from '../errors.js'
import type { NameAnswer, NameAnswerVerifier, ProofChannel, VerifiedAnswer } from './name-answer-verifier.js'
import { NAME_EXPIRATION_BLOCKS } from './name-source.js'
import { NAMECOIN_MAINNET, type ChainParams } from './spv/chain-params.js'
import { electrumHeaderSource } from './spv/electrum-header-source.js'
import { HeaderChain } from './spv/header-chain.js'
import { verifyNameAnswer, type MerkleAnswer } from './spv/name-proof.js'
import { NAMECOIN_PROOF_ERRORS } from './spv/proof-errors.js'

/**
 * The SPV verifier on the default ElectrumX path: an answer counts only when
 * its transaction's Merkle branch leads to a header of the chain verified
 * from the shipped checkpoint (linkage, retarget, AuxPoW), and the name is
 * not expired against that chain's verified tip (spv/name-proof.ts).
 *
 * Headers first: before proving, the chain is brought up to the answering
 * server's tip with `blockchain.block.headers` in batches, each batch
 * verified and written to LMDB (<data dir>/namecoin-headers), so a restart
 * resumes. One sync runs at a time, detached from any one lookup: a lookup
 * waits for it at most `maxWaitMs`, then gets NAMECOIN_HEADERS_SYNCING with
 * the progress (the sync goes on; the next lookup finds it further). A sync
 * that failed on one server's headers does not stop another server's
 * answer: that server syncs from its own headers.
 */

export interface HeaderSyncProgress {
  /** Verified tip height now. */
  height: number
  /** The tip the answering server reported (what the sync is heading for). */
  target: number
  /** Headers verified per second in this sync run. */
  headersPerSecond: number
  /** The server the headers come from. */
  server: string
  /** True once the sync reached the server's tip (or the server had no more). */
  done: boolean
}

export interface SpvNameVerifierOptions {
  /** Network and checkpoint; default Namecoin mainnet with the shipped checkpoint (tests inject a test chain). */
  params?: ChainParams
  /** The header store goes to <dataDir>/namecoin-headers; without one, a temporary directory removed on close. */
  dataDir?: string
  /** Headers per `blockchain.block.headers` request; default 500 (an AuxPoW batch of 2016 can exceed a line's size limit). */
  batch?: number
  /** How long a lookup waits for a running sync before it answers "still syncing"; default 15 s (Infinity: until it ends). */
  maxWaitMs?: number
  /** Called after every verified batch (and once at the end of a run). */
  onProgress?: (p: HeaderSyncProgress) => void
  now?: () => number
}

export const HEADERS_DIR = 'namecoin-headers'
/** A tip that no longer links is re-fetched this far back, so a short reorganisation is followed. */
export const REORG_DEPTH = 100

interface SyncRun {
  server: string
  target: number
  promise: Promise<void>
  error?: unknown
}

export class SpvNameVerifier implements NameAnswerVerifier {
  readonly wantsMerkle = true
  readonly params: ChainParams
  private chainOpened: HeaderChain | undefined
  private tempDir: string | undefined
  private run: SyncRun | undefined
  private lastProgress: HeaderSyncProgress | undefined
  private lastFailure: { server: string, code: string, message: string, at: number } | undefined
  private readonly listeners = new Set<(p: HeaderSyncProgress) => void>()
  private lifetime = new AbortController()
  private readonly now: () => number

  constructor (private readonly opts: SpvNameVerifierOptions = {}) {
    this.params = opts.params ?? NAMECOIN_MAINNET
    this.now = opts.now ?? Date.now
    if (opts.onProgress !== undefined) this.listeners.add(opts.onProgress)
  }

  /** The verified chain (opened on first use). */
  get chain (): HeaderChain {
    if (this.chainOpened === undefined) {
      let dir: string
      if (this.opts.dataDir !== undefined) dir = join(this.opts.dataDir, HEADERS_DIR)
      else dir = this.tempDir = mkdtempSync(join(tmpdir(), 'tornet-namecoin-headers-'))
      this.chainOpened = HeaderChain.open(dir, this.params)
    }
    return this.chainOpened
  }

  /** Subscribes to sync progress; returns the unsubscribe function. */
  onProgress (listener: (p: HeaderSyncProgress) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** The last progress reported (undefined before any sync). */
  get progress (): HeaderSyncProgress | undefined { return this.lastProgress }

  /** The last sync run that failed, for the dashboard (a background run has no lookup to tell). */
  get syncFailure (): { server: string, code: string, message: string, at: number } | undefined { return this.lastFailure }

  /** Height and time of the verified tip; undefined before the checkpoint header was fetched. */
  verifiedTip (): { height: number, time: number } | undefined {
    const chain = this.chain
    if (!chain.anchored) return undefined
    const h = chain.headerAt(chain.tipHeight)
    return h === undefined ? undefined : { height: chain.tipHeight, time: h.time }
  }

  /**
   * Brings the chain up to `target` (the server's reported tip) from `server`'s headers.
   * Waits at most `maxWaitMs` (and until `signal`); the sync itself runs on.
   */
  async prepare (server: ProofChannel, target: number, signal?: AbortSignal): Promise<void> {
    const deadline = this.now() + (this.opts.maxWaitMs ?? 15_000)
    for (;;) {
      signal?.throwIfAborted()
      if (this.chain.anchored && this.chain.tipHeight >= target) return
      let run = this.run
      if (run === undefined) {
        run = this.startRun(server, target)
      }
      const left = deadline - this.now()
      const finished = await waitFor(run.promise, left, signal)
      if (!finished) return
      if (this.run === run) this.run = undefined
      if (run.error !== undefined) {
        // This server's own headers failed: that is this answer's failure. Another server's
        // failed run says nothing about this one: sync again from this server.
        if (run.server === server.label) throw run.error
        continue
      }
      if (run.server === server.label || this.chain.tipHeight >= target) return
    }
  }

  async verify (answer: NameAnswer, server: ProofChannel, signal?: AbortSignal): Promise<VerifiedAnswer> {
    // A sync still running means this lookup already waited for it (the source prepares first):
    // waiting again would double the wait past a page's deadline.
    if (this.run === undefined) await this.prepare(server, answer.tip, signal)
    const chain = this.chain
    // Expired against the verified tip whatever that transaction is: only a LATER update could
    // keep the name alive, and a server hiding one is outvoted by the other server's proven one.
    if (chain.anchored && chain.tipHeight - answer.height >= NAME_EXPIRATION_BLOCKS) {
      throw resolveError(ResolverErrorCode.expired,
        `The Namecoin name ${answer.name} has expired: last updated at block ${answer.height}, verified tip ${chain.tipHeight}; names expire ${NAME_EXPIRATION_BLOCKS.toLocaleString('en')} blocks after their last update.`)
    }
    if (!chain.anchored || chain.tipHeight < answer.height) {
      const p = this.lastProgress
      if (this.run !== undefined && p !== undefined) throw this.syncingError(p)
      throw resolveError(NAMECOIN_PROOF_ERRORS.checkpoint,
        `${server.label} put the last update of ${answer.name} in block ${answer.height}, but its headers reach only block ${chain.tipHeight} of the chain verified from the checkpoint (block ${this.params.checkpoint.height}).`)
    }
    const proven = verifyNameAnswer({ name: answer.name, txid: answer.txid, txRaw: answer.rawTx, merkle: answer.merkle as MerkleAnswer, chain })
    const tip = this.verifiedTip()
    return {
      status: 'verified',
      verifiedTip: tip,
      detail: `transaction ${proven.txid} is in block ${proven.height} (${proven.blockHash}) by its Merkle branch; ` +
        `the header chain from checkpoint ${this.params.checkpoint.height.toLocaleString('en')} to the verified tip ${chain.tipHeight.toLocaleString('en')} checks out (links, difficulty, AuxPoW); ` +
        `the name expires in ${proven.expiresIn.toLocaleString('en')} blocks`
    }
  }

  async close (): Promise<void> {
    this.lifetime.abort(resolveError(ResolverErrorCode.unavailable, 'The Namecoin header sync was stopped (the resolver closed).'))
    await this.run?.promise
    this.run = undefined
    await this.chainOpened?.close()
    this.chainOpened = undefined
    if (this.tempDir !== undefined) rmSync(this.tempDir, { recursive: true, force: true })
    this.tempDir = undefined
    // Like the connections, the verifier reopens when used again.
    this.lifetime = new AbortController()
  }

  private startRun (server: ProofChannel, target: number): SyncRun {
    const chain = this.chain
    const source = electrumHeaderSource(async (method, params) => await server.request(method, params, this.lifetime.signal), server.label)
    const started = this.now()
    const from = chain.anchored ? chain.tipHeight : this.params.checkpoint.height
    const report = (height: number, done: boolean): void => {
      const seconds = Math.max((this.now() - started) / 1000, 1e-3)
      const p: HeaderSyncProgress = { height, target: Math.max(target, height), headersPerSecond: Math.round((height - from) / seconds), server: server.label, done }
      this.lastProgress = p
      for (const l of this.listeners) l(p)
    }
    const run: SyncRun = { server: server.label, target, promise: Promise.resolve() }
    // Progress from the start: a lookup that stops waiting before the first batch lands must
    // still say "syncing", not blame the server for headers it has not been asked for yet.
    report(from, false)
    const batch = this.opts.batch ?? 500
    run.promise = (async () => {
      try {
        try {
          await chain.sync(source, { batch, signal: this.lifetime.signal, onProgress: tip => report(tip, false) })
        } catch (err) {
          if (!isTornetError(err, NAMECOIN_PROOF_ERRORS.headerLink) || !chain.anchored) throw err
          // Our tip is not on this server's chain: follow a short reorganisation, then go on.
          const back = Math.max(this.params.checkpoint.height + 1, chain.tipHeight - REORG_DEPTH + 1)
          chain.accept(back, await source.headers(back, Math.min(2016, REORG_DEPTH * 2), this.lifetime.signal))
          await chain.sync(source, { batch, signal: this.lifetime.signal, onProgress: tip => report(tip, false) })
        }
        report(chain.tipHeight, true)
      } catch (err) {
        run.error = err
        if (!this.lifetime.signal.aborted) {
          this.lastFailure = { server: server.label, code: isTornetError(err) ? err.code : ResolverErrorCode.unavailable, message: err instanceof Error ? err.message : String(err), at: this.now() }
        }
      }
    })()
    this.run = run
    return run
  }

  private syncingError (p: HeaderSyncProgress): Error {
    const left = p.headersPerSecond > 0 ? ` (about ${Math.ceil((p.target - p.height) / p.headersPerSecond)} s left)` : ''
    return resolveError(ResolverErrorCode.headersSyncing,
      `Namecoin block headers are still being verified: block ${p.height.toLocaleString('en')} of ${p.target.toLocaleString('en')}, ${p.headersPerSecond.toLocaleString('en')} headers/s${left}. ` +
      'The sync goes on in the background and is kept in the data directory; reload in a while.')
  }
}

/** Resolves true when `p` settled within `ms`, false when the time ran out; rejects when `signal` aborts. */
async function waitFor (p: Promise<void>, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (ms <= 0) return false
  return await new Promise<boolean>((resolve, reject) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => { cleanup(); resolve(false) }, ms) : undefined
    const onAbort = (): void => { cleanup(); reject(signal?.reason) }
    const cleanup = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort) }
    signal?.addEventListener('abort', onAbort, { once: true })
    p.then(() => { cleanup(); resolve(true) }, () => { cleanup(); resolve(true) })
  })
}
