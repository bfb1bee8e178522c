import { sha256d } from './header-codec.js'

/**
 * Bitcoin-style Merkle branches (namecoin-core auxpow.cpp CheckMerkleBranch,
 * ElectrumX blockchain.transaction.get_merkle): starting from a leaf, each
 * step hashes with the next sibling, on the left when that level's bit of
 * the index is 1. All hashes in internal byte order.
 */

/** Electrum protocol: a block of up to 2^32 transactions has a branch of at most 32. */
export const MAX_TX_BRANCH = 32

export function merkleRootFromBranch (leaf: Uint8Array, branch: readonly Uint8Array[], index: number): Buffer {
  if (branch.length === 0) return Buffer.from(leaf)
  let hash: Uint8Array = leaf
  let i = index
  for (const sibling of branch) {
    hash = (i & 1) !== 0 ? sha256d(sibling, hash) : sha256d(hash, sibling)
    i = Math.floor(i / 2)
  }
  return hash as Buffer
}

/** A block's Merkle root from its transaction ids (duplicating the last of an odd level, as Bitcoin does). */
export function merkleRoot (leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) throw new RangeError('a block has at least one transaction')
  let level: Buffer[] = leaves.map(l => Buffer.from(l))
  while (level.length > 1) {
    const next: Buffer[] = []
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(level[i], level[i + 1] ?? level[i]))
    level = next
  }
  return level[0]
}

/** The branch for leaf `index`, as ElectrumX's get_merkle computes it. */
export function merkleBranch (leaves: readonly Uint8Array[], index: number): Buffer[] {
  const branch: Buffer[] = []
  let level: Buffer[] = leaves.map(l => Buffer.from(l))
  let i = index
  while (level.length > 1) {
    const sibling = (i ^ 1) < level.length ? level[i ^ 1] : level[i]
    branch.push(sibling)
    const next: Buffer[] = []
    for (let k = 0; k < level.length; k += 2) next.push(sha256d(level[k], level[k + 1] ?? level[k]))
    level = next
    i = Math.floor(i / 2)
  }
  return branch
}
