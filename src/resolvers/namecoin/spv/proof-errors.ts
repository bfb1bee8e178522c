/**
 * Stable codes for a Namecoin answer that failed SPV verification. Each names
 * the ONE proof that failed, so the error page and `tornet resolve` can say
 * which (the server lied, or our chain is behind). They join
 * ResolverErrorCode in ../../errors.ts. A proven but expired name is
 * RESOLVE_EXPIRED (types.ts), like every other expired name.
 */
export const NAMECOIN_PROOF_ERRORS = {
  /** The transaction's Merkle branch does not lead to the header's Merkle root. */
  merkle: 'NAMECOIN_PROOF_MERKLE',
  /** A header's previous-block hash is not the hash of the header before it. */
  headerLink: 'NAMECOIN_PROOF_HEADER_LINK',
  /** A header's bits are not the difficulty the retarget rules require. */
  difficulty: 'NAMECOIN_PROOF_DIFFICULTY',
  /** The merged-mining proof (parent coinbase, chain Merkle branch, chain id) is invalid. */
  auxpow: 'NAMECOIN_PROOF_AUXPOW',
  /** The (parent) block hash is above the target: no proof of work. */
  pow: 'NAMECOIN_PROOF_POW',
  /** The headers do not descend from the checkpoint shipped with Tornet (or fork below it). */
  checkpoint: 'NAMECOIN_PROOF_CHECKPOINT',
  /** A header or AuxPoW could not be decoded (truncated, oversized, malformed). */
  header: 'NAMECOIN_PROOF_HEADER',
  /** The proven transaction carries no valid operation on the name asked for. */
  nameScript: 'NAMECOIN_PROOF_NAME_SCRIPT'
} as const

export type NamecoinProofErrorCode = typeof NAMECOIN_PROOF_ERRORS[keyof typeof NAMECOIN_PROOF_ERRORS]
