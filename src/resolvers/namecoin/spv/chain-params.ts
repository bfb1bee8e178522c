import { hashFromHex } from './header-codec.js'

/**
 * What the SPV verifier needs to know about a Namecoin network
 * (namecoin-core src/kernel/chainparams.cpp, CMainParams), plus the
 * checkpoint it trusts.
 *
 * The checkpoint is a block that ends a 2016-block period, with the target
 * of the period after it: headers above it are verified, nothing below it
 * is asked for. Its hash is trusted; the header itself is fetched once and
 * must hash to it (that gives its time, which the next retarget needs).
 */
export interface Checkpoint {
  /** Height of the last block of a retarget period (height % 2016 === 2015). */
  height: number
  /** Block hash in internal byte order. */
  hash: Buffer
  /** The target every block of the following period must carry. */
  nextTarget: bigint
}

export interface ChainParams {
  name: string
  powLimit: bigint
  auxpowChainId: number
  /** Blocks at or above this height use the 2016-back retarget span (Namecoin's time-warp fix). */
  auxpowStartHeight: number
  /** Legacy (version 1, no chain id) blocks are refused at or above this height. */
  legacyBlocksBefore: number
  checkpoint: Checkpoint
}

/**
 * Namecoin mainnet. Checkpoint: the last entry of Electrum-NMC's
 * electrum_nmc/electrum/checkpoints.json (namecoin/electrum-nmc, commit
 * e72f8307, entry 190): the hash of block 385,055 (= 191 × 2016 − 1) and the
 * target of blocks 385,056–387,071.
 */
export const NAMECOIN_MAINNET: ChainParams = {
  name: 'Namecoin mainnet',
  powLimit: BigInt('0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff'),
  auxpowChainId: 1,
  auxpowStartHeight: 19_200,
  legacyBlocksBefore: 19_200,
  checkpoint: {
    height: 385_055,
    hash: hashFromHex('39fe14672977543408ad9e20e96904c9ca13785b16ef4a25733aca204e683e0d'),
    nextTarget: 12080948019539978614879407753910677611059720748762141291n
  }
}
