/**
 * The one step between "a server answered" and "the answer counts": given
 * what an ElectrumX server said about a name (the transaction, its block
 * height, the Merkle branch), a verifier proves it against a header chain
 * (SPV: linkage, difficulty, AuxPoW from a shipped checkpoint) or says it
 * could not. The ElectrumX source calls `verify` once per answer and never
 * looks inside; the composition root chooses the verifier.
 *
 * `unverifiedAnswers` is the stand-in used until an SPV verifier is plugged
 * in: it proves nothing and says so (status "unverified"), so no page or
 * command ever presents such an answer as proven.
 */

/** What one server said about a name, as received (hex as sent). */
export interface NameAnswer {
  /** Full Namecoin name, "d/example". */
  name: string
  txid: string
  /** Block height the server put the transaction at. */
  height: number
  /** The server's chain tip height. */
  tip: number
  rawTx: string
  /** The server's `blockchain.transaction.get_merkle` answer; undefined when the verifier does not ask for it. */
  merkle?: unknown
}

/** Requests to the server that gave the answer (e.g. `blockchain.block.headers`), bounded by the source's time-outs. */
export interface ProofChannel {
  request: (method: string, params: unknown[], signal?: AbortSignal) => Promise<unknown>
  /** "host:port:s", for messages. */
  label: string
}

export interface VerifiedAnswer {
  status: 'verified' | 'unverified'
  /** Height and time (Unix seconds) of the verified chain tip, when a header chain was checked. */
  verifiedTip?: { height: number, time: number }
  /** One line for `tornet resolve` and the dashboard. */
  detail: string
}

export interface NameAnswerVerifier {
  /** Whether the source should fetch `blockchain.transaction.get_merkle` for each answer. */
  readonly wantsMerkle: boolean
  /**
   * Resolves when the answer is proven (or, for a non-proving verifier,
   * accepted as is); throws a TornetError naming the proof that failed.
   */
  verify: (answer: NameAnswer, server: ProofChannel, signal?: AbortSignal) => Promise<VerifiedAnswer>
  /** Gets ready to prove answers of a server whose tip is `target` (e.g. syncs headers); the source calls it when it warms up. */
  prepare?: (server: ProofChannel, target: number, signal?: AbortSignal) => Promise<void>
  /** The tip of the verified header chain, when there is one. */
  verifiedTip?: () => { height: number, time: number } | undefined
  /** Header sync progress, when a sync ran. */
  readonly progress?: { height: number, target: number, headersPerSecond: number, server: string, done: boolean }
  /** The last header sync that failed (it may have run in the background, after its lookup stopped waiting). */
  readonly syncFailure?: { server: string, code: string, message: string, at: number }
  close?: () => Promise<void>
}

export const unverifiedAnswers: NameAnswerVerifier = {
  wantsMerkle: false,
  async verify () {
    return { status: 'unverified', detail: 'not proven: no SPV verifier is configured, the server\'s word is taken' }
  }
}
