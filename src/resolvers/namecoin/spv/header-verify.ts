import { resolveError } from '../../errors.js'
import { AuxPowFailure, checkAuxPow } from './auxpow.js'
import type { ChainParams } from './chain-params.js'
import { bitsToTarget, hashMeetsTarget } from './difficulty.js'
import { chainIdOf, hashHex, isAuxpowVersion, type BlockHeader } from './header-codec.js'
import { NAMECOIN_PROOF_ERRORS } from './proof-errors.js'

/**
 * One header's proof of work, as namecoin-core's CheckProofOfWork
 * (validation.cpp) and ContextualCheckBlockHeader check it: the chain id,
 * the AuxPoW when the version says so, and the hash — the PARENT block's
 * for merged-mined headers, the header's own otherwise — at or below the
 * target of this header's bits. Linkage and the required bits are the
 * chain's business (header-chain.ts). Failures throw a ResolveError whose
 * code names the proof.
 */
export function verifyHeaderWork (header: BlockHeader, height: number, params: ChainParams): void {
  // Only a failure needs the hex hash: computing it for every header cost a sync ~2%.
  const where = (): string => `Namecoin block ${height} (${hashHex(header.hash)})`
  const legacy = header.version === 1
  if (legacy && height >= params.legacyBlocksBefore) {
    throw resolveError(NAMECOIN_PROOF_ERRORS.auxpow, `${where()} is a legacy version-1 block, not allowed after height ${params.legacyBlocksBefore}.`)
  }
  if (!legacy && chainIdOf(header.version) !== params.auxpowChainId) {
    throw resolveError(NAMECOIN_PROOF_ERRORS.auxpow, `${where()} has chain id ${chainIdOf(header.version)}, not Namecoin's ${params.auxpowChainId}.`)
  }
  const target = bitsToTarget(header.bits)
  if (target === undefined || target > params.powLimit) {
    throw resolveError(NAMECOIN_PROOF_ERRORS.pow, `${where()} has invalid difficulty bits 0x${header.bits.toString(16)}.`)
  }
  let powHash = header.hash
  if (isAuxpowVersion(header.version)) {
    if (header.auxpow === undefined) throw resolveError(NAMECOIN_PROOF_ERRORS.auxpow, `${where()} has the merged-mining version bit but no AuxPoW.`)
    try {
      checkAuxPow(header.auxpow, header.hash, params.auxpowChainId)
    } catch (err) {
      if (err instanceof AuxPowFailure) throw resolveError(NAMECOIN_PROOF_ERRORS.auxpow, `${where()}: merged-mining proof (AuxPoW) invalid: ${err.message}.`, err)
      throw err
    }
    powHash = header.auxpow.parent.hash
  } else if (header.auxpow !== undefined) {
    throw resolveError(NAMECOIN_PROOF_ERRORS.auxpow, `${where()} carries an AuxPoW without the merged-mining version bit.`)
  }
  if (!hashMeetsTarget(powHash, target)) {
    const whose = header.auxpow !== undefined ? 'its parent block' : 'it'
    throw resolveError(NAMECOIN_PROOF_ERRORS.pow, `${where()}: insufficient proof of work (the hash of ${whose}, ${hashHex(powHash)}, is above the target).`)
  }
}
