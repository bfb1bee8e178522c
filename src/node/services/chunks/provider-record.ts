import { sha256 } from '../../crypto/hash.js'
import { type Identity, nodeIdOf, rankOf, sign, verify } from '../../identity/identity.js'
import { type Contact, makeContact } from '../../routing/contact.js'
import type { Endpoint } from '../../types.js'
import { type Introducer, MAX_INTRODUCERS } from '../../wire/punch-messages.js'
import { type ProviderContact, type ProviderRecord, recordSigningMessage } from './messages.js'

/**
 * A provider record says "node N serves chunk C until time T", signed by N
 * under NS.providerRecord. Anyone may relay a record; nobody can make one
 * for another node, and none outlives its expiry. Pure: no clock, no I/O.
 */

/** Records announcing further ahead than this are refused (a bound on how long a lie can live). */
export const MAX_RECORD_TTL_MS = 24 * 60 * 60_000

export function createProviderRecord (identity: Identity, endpoint: Endpoint, chunkId: Buffer, expiresAt: number, introducers?: Introducer[]): ProviderRecord {
  const provider: ProviderContact = { id: identity.id, endpoint: { ...endpoint }, publicKey: identity.publicKey, nonce: identity.nonce }
  if (introducers !== undefined && introducers.length > 0) provider.introducers = introducers.slice(0, MAX_INTRODUCERS)
  const unsigned = { chunkId: Buffer.from(chunkId), provider, expiresAt }
  return { ...unsigned, signature: sign(identity, recordSigningMessage(unsigned)) }
}

export type RecordProblem = 'expired' | 'too-far-ahead' | 'wrong-chunk' | 'key-mismatch' | 'bad-signature' | 'bad-endpoint'

/**
 * Undefined when the record is usable at `now` (for `chunkId`, when given);
 * else what is wrong with it. Cheap checks first: the signature is checked last.
 */
export function checkProviderRecord (r: ProviderRecord, now: number, chunkId?: Buffer): RecordProblem | undefined {
  if (chunkId !== undefined && !r.chunkId.equals(chunkId)) return 'wrong-chunk'
  if (r.expiresAt <= now) return 'expired'
  if (r.expiresAt > now + MAX_RECORD_TTL_MS) return 'too-far-ahead'
  const { port, address } = r.provider.endpoint
  if (port < 1 || address === '0.0.0.0' || address === '::') return 'bad-endpoint'
  if (!nodeIdOf(r.provider.publicKey).equals(r.provider.id)) return 'key-mismatch'
  const msg = recordSigningMessage(r)
  const memo = sha256(msg, r.provider.publicKey, r.signature).toString('hex')
  if (verified.has(memo)) return undefined
  if (!verify(r.provider.publicKey, msg, r.signature)) return 'bad-signature'
  verified.add(memo)
  if (verified.size > VERIFIED_MEMO) verified.delete(verified.values().next().value as string)
  return undefined
}

/**
 * The same record is checked again and again (every lookup of a chunk brings
 * back the same providers) and an ed25519 verify costs over a millisecond in
 * JS, so records that verified are remembered by the hash of message, key and
 * signature together: another message or key can never hit the memo.
 */
const VERIFIED_MEMO = 8192
const verified = new Set<string>()

/** The routing contact of a (checked) record's provider. */
export function contactOfRecord (r: ProviderRecord): Contact {
  const p = r.provider
  const c = makeContact(p.id, { ...p.endpoint }, { publicKey: p.publicKey, nonce: p.nonce, rank: rankOf(p.publicKey, p.nonce) })
  if (p.introducers !== undefined) c.introducers = p.introducers
  return c
}
