import { chainIdOf, hashHex, isAuxpowVersion, type AuxPow } from './header-codec.js'
import { merkleRootFromBranch } from './merkle.js'

/**
 * The merged-mining proof, as namecoin-core's CAuxPow::check and
 * CheckProofOfWork (validation.cpp) define it. This checks every Merkle
 * commitment; the parent's proof of work against OUR bits is checked by the
 * caller (header-verify.ts), as Core does.
 *
 * 1. the parent header must not carry our chain id, nor the auxpow version bit;
 * 2. the chain branch is at most 30 long; chain root = branch(our block hash, chainIndex);
 * 3. parent merkle root = branch(coinbase txid, coinbase index 0);
 * 4. the coinbase has an input; its scriptSig holds the chain root (byte-reversed);
 *    with the magic fabe6d6d: exactly one magic, right before the root; without
 *    it: the root starts within the first 20 bytes;
 * 5. after the root: u32 size = 2^(branch length), u32 nonce, and
 *    chainIndex = getExpectedIndex(nonce, chain id, branch length).
 */

export const MERGED_MINING_MAGIC = Buffer.from('fabe6d6d', 'hex')
export const MAX_CHAIN_BRANCH = 30

const reversedRoot = Buffer.alloc(32)

export class AuxPowFailure extends Error {
  override name = 'AuxPowFailure'
}

export function expectedChainIndex (nonce: number, chainId: number, height: number): number {
  // Core computes in 64 bits and reduces mod 2^height; for height ≤ 30 (all consensus allows)
  // only the low 32 bits matter, so Math.imul gives the same answer without BigInt.
  if (Number.isInteger(height) && height >= 0 && height <= MAX_CHAIN_BRANCH && Number.isInteger(chainId) && chainId >= 0 && chainId < 2 ** 31) {
    const mod = 2 ** height
    let rand = ((Math.imul(nonce >>> 0, 1103515245) + 12345) >>> 0) % mod
    rand = ((Math.imul(rand + chainId, 1103515245) + 12345) >>> 0) % mod
    return rand
  }
  const mod = 2n ** BigInt(height)
  let rand = BigInt(nonce >>> 0)
  rand = (rand * 1103515245n + 12345n) % (2n ** 64n)
  rand %= mod
  rand += BigInt(chainId)
  rand = (rand * 1103515245n + 12345n) % (2n ** 64n)
  rand %= mod
  return Number(rand)
}

/** Throws AuxPowFailure saying what is wrong; returns when the proof commits to `blockHash`. */
export function checkAuxPow (auxpow: AuxPow, blockHash: Buffer, chainId: number): void {
  const fail = (why: string): never => { throw new AuxPowFailure(why) }
  if (chainIdOf(auxpow.parent.version) === chainId) fail('the parent block has our own chain id')
  if (isAuxpowVersion(auxpow.parent.version)) fail('the parent block has the auxpow version bit')
  if (auxpow.chainBranch.length > MAX_CHAIN_BRANCH) fail(`the chain Merkle branch has ${auxpow.chainBranch.length} hashes (at most ${MAX_CHAIN_BRANCH})`)
  // The serialized coinbase index is ignored, as in Core: the branch is always checked at index 0.

  const chainRoot = merkleRootFromBranch(blockHash, auxpow.chainBranch, auxpow.chainIndex)
  // Reversed into a scratch buffer: a copy per header showed up in sync profiles.
  const rootInScript = reversedRoot
  for (let i = 0; i < 32; i++) rootInScript[i] = chainRoot[31 - i]

  if (!merkleRootFromBranch(auxpow.coinbaseTxid, auxpow.coinbaseBranch, 0).equals(auxpow.parent.merkleRoot)) {
    fail(`the parent coinbase ${hashHex(auxpow.coinbaseTxid)} is not in the parent block's Merkle tree`)
  }
  const script = auxpow.coinbaseScript
  if (script === undefined) return fail('the parent coinbase has no inputs')

  const head = script.indexOf(MERGED_MINING_MAGIC)
  const at = script.indexOf(rootInScript)
  if (at === -1) fail('the parent coinbase does not commit to this block (chain Merkle root missing)')
  if (head !== -1) {
    if (script.indexOf(MERGED_MINING_MAGIC, head + 1) !== -1) fail('the parent coinbase has more than one merged-mining header')
    if (head + MERGED_MINING_MAGIC.length !== at) fail('the merged-mining header is not just before the chain Merkle root')
  } else if (at > 20) {
    fail('the chain Merkle root starts after the first 20 bytes of the parent coinbase')
  }
  const after = at + rootInScript.length
  if (script.length - after < 8) fail('the parent coinbase lacks the chain Merkle tree size and nonce')
  const size = script.readUInt32LE(after)
  if (size !== 2 ** auxpow.chainBranch.length) fail(`the chain Merkle tree size ${size} does not match a branch of ${auxpow.chainBranch.length}`)
  const nonce = script.readUInt32LE(after + 4)
  if (auxpow.chainIndex !== expectedChainIndex(nonce, chainId, auxpow.chainBranch.length)) fail('the chain Merkle index is not the one the nonce and chain id select')
}
