import { sha256 } from '../../crypto/hash.js'
import { type PrefixPowOptions, mineSuffix } from '../../crypto/prefix-pow.js'
import { leadingZeroBits } from '../../identity/identity.js'
import { Writer } from '../../wire/codec.js'
import { MailError, MailErrorCode } from './errors.js'

/**
 * A stamp: proof of work that prices a push. It covers what is pushed (the
 * digest of the pushed item: a message reference or a receipt), the mailbox
 * it is pushed to, and the fresh tokens of the hosts it is pushed to, so it
 * can neither be moved to another message or mailbox nor replayed later (a
 * host takes a stamp only with its own fresh token in it, and only once).
 * One stamp serves every host of one push: its tokens are all in it.
 *
 *   hash = SHA-256("tornet/mail/stamp/v1" ‖ digest 32 ‖ mailbox id 32 ‖ count u8 ‖ tokens ‖ nonce u64 LE)
 *   valid when hash has at least `difficulty` leading zero bits
 */
const STAMP_TAG = Buffer.from('tornet/mail/stamp/v1')
/** About 2 million hashes: 2-4 s on one core here at 0.5-1 M hashes/s (`npm run bench -- mail`, mail.stamp_s). */
export const DEFAULT_STAMP_DIFFICULTY = 21
export const MAX_STAMP_TOKENS = 8

export interface StampSubject {
  /** SHA-256 of the pushed item's bytes. */
  digest: Buffer
  mailboxId: Buffer
  tokens: readonly Buffer[]
}

export function stampPrefix (s: StampSubject): Buffer {
  if (s.digest.length !== 32 || s.mailboxId.length !== 32) throw new RangeError('digest and mailbox id are 32 bytes')
  if (s.tokens.length < 1 || s.tokens.length > MAX_STAMP_TOKENS) throw new RangeError(`a stamp covers 1 to ${MAX_STAMP_TOKENS} tokens`)
  const w = new Writer(STAMP_TAG.length + 65 + 20 * s.tokens.length).bytes(STAMP_TAG).bytes(s.digest).bytes(s.mailboxId).u8(s.tokens.length)
  for (const t of s.tokens) w.bytes(t)
  return w.finish()
}

/** The stamp's hash: its proof (leading zeros) and its identity (what a host remembers to refuse a replay). */
export function stampHash (s: StampSubject, nonce: Buffer): Buffer {
  return sha256(stampPrefix(s), nonce)
}

export function stampBits (hash: Buffer): number {
  return leadingZeroBits(hash)
}

/** Mines the nonce; onProgress as the name miner's. Rejects with MAIL_ABORTED when the signal fires. */
export async function mineStamp (s: StampSubject, difficulty = DEFAULT_STAMP_DIFFICULTY, opts: PrefixPowOptions = {}): Promise<Buffer> {
  try {
    return (await mineSuffix(stampPrefix(s), difficulty, opts)).nonce
  } catch (err) {
    if (opts.signal?.aborted === true) throw new MailError(MailErrorCode.ABORTED, 'stamping was aborted', { cause: opts.signal.reason })
    throw err
  }
}
