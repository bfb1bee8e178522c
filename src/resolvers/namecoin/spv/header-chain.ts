import { isTornetError } from '../../../node/index.js'
import { resolveError } from '../../errors.js'
import type { ChainParams } from './chain-params.js'
import { RETARGET_INTERVAL, nextWorkRequired, retargetSpanStart, targetToBits } from './difficulty.js'
import { HEADER_BYTES, HeaderDecodeError, compactHeaders, decodeHeaders, decodePureHeader, hashHex, type BlockHeader, type PureHeader } from './header-codec.js'
import { HeaderStore } from './header-store.js'
import { verifyHeaderWork } from './header-verify.js'
import { NAMECOIN_PROOF_ERRORS } from './proof-errors.js'

/**
 * The chain of Namecoin headers verified from the shipped checkpoint:
 * every header links to the one before (prev hash), carries the bits the
 * retarget rules require (difficulty.ts), and proves its work, AuxPoW
 * included (header-verify.ts). Nothing at or below the checkpoint is
 * accepted, so a fork below it is refused whatever its length.
 *
 * Pure verification over an I/O edge: headers come from a HeaderSource
 * (helper: ElectrumX blockchain.block.headers), verified headers go to the
 * HeaderStore (LMDB). A run that starts at or below the tip is a
 * reorganisation: it must link to a stored header and is taken only when it
 * ends higher than the current tip (Namecoin's difficulty changes slowly, so
 * the longer valid branch is the one with more work in practice).
 */

export interface HeaderSource {
  /**
   * `count` consecutive headers from `start`, back to back (80 bytes each, plus the
   * AuxPoW of merged-mined ones), fewer when the server's chain is shorter.
   */
  headers: (start: number, count: number, signal?: AbortSignal) => Promise<Buffer>
}

/** What a name proof needs from the chain: verified headers and the verified tip. */
export interface VerifiedHeaders {
  readonly tipHeight: number
  headerAt: (height: number) => PureHeader | undefined
}

/** One request's worth: a retarget period. */
export const MAX_HEADERS_PER_RUN = RETARGET_INTERVAL

export class HeaderChain implements VerifiedHeaders {
  private constructor (readonly params: ChainParams, private readonly store: HeaderStore) {}

  /** Opens the verified chain stored in `dir` (created when missing). */
  static open (dir: string, params: ChainParams): HeaderChain {
    const anchorId = `${params.name}:${params.checkpoint.height}:${hashHex(params.checkpoint.hash)}`
    return new HeaderChain(params, HeaderStore.open(dir, anchorId))
  }

  /** Verified tip height; the checkpoint's height until the checkpoint header was fetched. */
  get tipHeight (): number { return this.store.tip ?? this.params.checkpoint.height }

  get anchored (): boolean { return this.store.tip !== undefined }

  headerAt (height: number): PureHeader | undefined {
    if (height < this.params.checkpoint.height || height > this.tipHeight) return undefined
    return this.store.get(height)
  }

  /**
   * Takes the checkpoint block's own header (80 bytes, possibly followed by AuxPoW, which is
   * not needed: the shipped hash vouches for it). Its time starts the first retarget span.
   */
  anchor (raw: Buffer): void {
    if (this.store.tip !== undefined) return
    const cp = this.params.checkpoint
    if (raw.length < HEADER_BYTES) throw resolveError(NAMECOIN_PROOF_ERRORS.header, `The checkpoint header (block ${cp.height}) came back truncated (${raw.length} bytes).`)
    const header = decodePureHeader(raw.subarray(0, HEADER_BYTES))
    if (!header.hash.equals(cp.hash)) {
      throw resolveError(NAMECOIN_PROOF_ERRORS.checkpoint,
        `The server's block ${cp.height} is ${hashHex(header.hash)}, not the checkpoint ${hashHex(cp.hash)} shipped with Tornet: it serves another chain. Try another server.`)
    }
    this.store.putRun(cp.height, [header])
  }

  /**
   * Verifies `raw` (headers from height `start`, as a HeaderSource returns them) and stores
   * them when valid. Returns the new tip. Throws a ResolveError naming the failed proof.
   */
  accept (start: number, raw: Buffer): number {
    const cp = this.params.checkpoint
    if (this.store.tip === undefined) throw resolveError(NAMECOIN_PROOF_ERRORS.checkpoint, 'The header chain has no checkpoint header yet; fetch it first (anchor).')
    if (start <= cp.height) {
      throw resolveError(NAMECOIN_PROOF_ERRORS.checkpoint, `Headers from block ${start} reach at or below the checkpoint (block ${cp.height}); a chain that forks there is refused.`)
    }
    if (start > this.tipHeight + 1) throw resolveError(NAMECOIN_PROOF_ERRORS.headerLink, `Headers from block ${start} leave a gap after the verified tip ${this.tipHeight}.`)
    let run: BlockHeader[]
    try {
      run = decodeHeaders(raw, MAX_HEADERS_PER_RUN)
    } catch (err) {
      if (err instanceof HeaderDecodeError) throw resolveError(NAMECOIN_PROOF_ERRORS.header, `Malformed Namecoin headers from block ${start}: ${err.message}.`, err)
      throw err
    }
    if (run.length === 0) return this.tipHeight
    const end = start + run.length - 1
    if (start <= this.tipHeight && end <= this.tipHeight) {
      // A branch no longer than ours: keep ours, unless it is ours (then nothing to do).
      const same = run.every((h, i) => this.store.get(start + i)?.hash.equals(h.hash) === true)
      if (same) return this.tipHeight
      throw resolveError(NAMECOIN_PROOF_ERRORS.headerLink, `Headers ${start}–${end} fork from the verified chain without reaching past its tip ${this.tipHeight}.`)
    }

    const at = (height: number): PureHeader | undefined => height >= start && height <= end ? run[height - start] : this.store.get(height)
    for (let i = 0; i < run.length; i++) {
      const height = start + i
      const header = run[i]
      const prev = at(height - 1)
      if (prev === undefined || !header.prevHash.equals(prev.hash)) {
        const code = height - 1 === cp.height ? NAMECOIN_PROOF_ERRORS.checkpoint : NAMECOIN_PROOF_ERRORS.headerLink
        throw resolveError(code, `Namecoin block ${height} (${hashHex(header.hash)}) does not link to block ${height - 1}${prev === undefined ? '' : ` (${hashHex(prev.hash)})`}${code === NAMECOIN_PROOF_ERRORS.checkpoint ? ', the checkpoint' : ''}.`)
      }
      const required = this.requiredBits(height, prev, at)
      if (header.bits !== required) {
        throw resolveError(NAMECOIN_PROOF_ERRORS.difficulty,
          `Namecoin block ${height} (${hashHex(header.hash)}) has difficulty bits 0x${header.bits.toString(16)}; the retarget rules require 0x${required.toString(16)}.`)
      }
      verifyHeaderWork(header, height, this.params)
    }
    // Keep only the 80-byte parts, copied out of `raw`: the AuxPoW has been checked and is
    // not needed again, and the cache must not hold on to the whole answer.
    this.store.putRun(start, compactHeaders(run))
    return end
  }

  /**
   * Brings the chain up to the source's tip (or `maxHeaders` more), `batch` headers a request
   * (default and at most a period: 2016; smaller keeps each answer's line short).
   * Returns the verified tip.
   */
  async sync (source: HeaderSource, opts: { signal?: AbortSignal, maxHeaders?: number, batch?: number, onProgress?: (tip: number) => void } = {}): Promise<number> {
    const cp = this.params.checkpoint
    if (this.store.tip === undefined) this.anchor(await source.headers(cp.height, 1, opts.signal))
    let budget = opts.maxHeaders ?? Number.POSITIVE_INFINITY
    while (budget > 0) {
      opts.signal?.throwIfAborted()
      const start = this.tipHeight + 1
      const count = Math.min(opts.batch ?? MAX_HEADERS_PER_RUN, MAX_HEADERS_PER_RUN, budget)
      const raw = await source.headers(start, count, opts.signal)
      if (raw.length === 0) break
      const before = this.tipHeight
      const tip = this.accept(start, raw)
      opts.onProgress?.(tip)
      const got = tip - before
      budget -= got
      if (got < count) break
    }
    return this.tipHeight
  }

  async close (): Promise<void> { await this.store.close() }

  private requiredBits (height: number, prev: PureHeader, at: (h: number) => PureHeader | undefined): number {
    if (height % RETARGET_INTERVAL !== 0) return prev.bits
    const cp = this.params.checkpoint
    if (height - 1 === cp.height) return targetToBits(cp.nextTarget)
    const first = at(retargetSpanStart(height - 1, this.params.auxpowStartHeight))
    if (first === undefined) {
      throw resolveError(NAMECOIN_PROOF_ERRORS.difficulty, `Cannot check the retarget at block ${height}: the start of its period is not in the verified chain.`)
    }
    return nextWorkRequired(prev.bits, prev.time, first.time, this.params.powLimit)
  }
}

/** True for the errors a failed proof raises (as opposed to an unreachable server). */
export function isProofError (err: unknown): boolean {
  return isTornetError(err) && (Object.values(NAMECOIN_PROOF_ERRORS) as string[]).includes(err.code)
}
