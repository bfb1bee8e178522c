import type { NameAnswer, NameAnswerVerifier, ProofChannel, VerifiedAnswer } from '../../src/resolvers/namecoin/name-answer-verifier.js'
import { electrumHeaderSource } from '../../src/resolvers/namecoin/spv/electrum-header-source.js'
import type { HeaderChain } from '../../src/resolvers/namecoin/spv/header-chain.js'
import { verifyNameAnswer, type MerkleAnswer } from '../../src/resolvers/namecoin/spv/name-proof.js'

/**
 * The proof steps of the SPV path, put together for the `.bit` benchmark
 * where the default ElectrumX path does not prove answers yet: bring the
 * header chain (HeaderChain over LMDB, verified from its checkpoint) up to
 * the answering server's tip, then verifyNameAnswer (txid, Merkle branch to
 * a verified header, name script, expiry against the verified tip). Once
 * the default path proves answers, the benchmark measures that instead.
 */
export const BENCH_VERIFIER_LABEL = 'SPV via bench verifier (HeaderChain + verifyNameAnswer on the constructed test chain; the default path does not prove answers in this branch)'

export function benchSpvVerifier (chain: HeaderChain): NameAnswerVerifier {
  return {
    wantsMerkle: true,
    async verify (answer: NameAnswer, server: ProofChannel, signal?: AbortSignal): Promise<VerifiedAnswer> {
      if (!chain.anchored || chain.tipHeight < answer.tip) {
        await chain.sync(electrumHeaderSource(async (method, params, o) => await server.request(method, params, o?.signal ?? signal), server.label), { signal })
      }
      const proven = verifyNameAnswer({ name: answer.name, txid: answer.txid, txRaw: answer.rawTx, merkle: answer.merkle as MerkleAnswer, chain })
      const tip = chain.headerAt(chain.tipHeight)
      return {
        status: 'verified',
        verifiedTip: tip === undefined ? undefined : { height: chain.tipHeight, time: tip.time },
        detail: `transaction ${proven.txid} is in block ${proven.height} (${proven.blockHash}); headers verified to ${chain.tipHeight}`
      }
    }
  }
}
