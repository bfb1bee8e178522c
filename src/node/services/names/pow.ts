import type { Identity } from '../../identity/identity.js'
import type { MiningProgress } from '../../identity/miner.js'
import { mineSuffix } from '../../crypto/prefix-pow.js'
import { NameError, NameErrorCode } from './errors.js'
import {
  DEFAULT_DIFFICULTY, type Registration, type UnsignedRegistration, powBits, powPrefix, signRegistration
} from './registration.js'

/**
 * Mines a registration's proof of work in this thread (crypto/prefix-pow.ts:
 * a slice of nonces at a time with a turn of the event loop in between, so the
 * node keeps answering while it mines; a few seconds at the default
 * difficulty; one core). The nonce is the 64-bit little-endian counter
 * 0, 1, 2, ... as in rank mining.
 */

export interface MineRegistrationOptions {
  /** Leading zero bits to reach; default DEFAULT_DIFFICULTY. */
  difficulty?: number
  signal?: AbortSignal
  onProgress?: (p: MiningProgress) => void
  /** How often onProgress fires (ms); default 250. */
  progressIntervalMs?: number
}

/**
 * Finds a nonce whose proof has at least `difficulty` zero bits and signs the
 * registration with it. Rejects with NAME_ABORTED when the signal fires.
 */
export async function mineRegistration (
  identity: Pick<Identity, 'secretKey'>, unsigned: UnsignedRegistration, opts: MineRegistrationOptions = {}
): Promise<Registration> {
  const difficulty = opts.difficulty ?? DEFAULT_DIFFICULTY
  let nonce: Buffer
  try {
    ({ nonce } = await mineSuffix(powPrefix(unsigned), difficulty, opts))
  } catch (err) {
    if (opts.signal?.aborted === true) throw new NameError(NameErrorCode.ABORTED, 'mining was aborted', { cause: opts.signal.reason })
    throw err
  }
  // Trust, but check: the proof is what every replica will test.
  if (powBits({ ...unsigned, nonce }) < difficulty) throw new Error('internal error: mined nonce does not meet the difficulty')
  return signRegistration(identity, unsigned, nonce)
}
