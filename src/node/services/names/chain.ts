/**
 * A name's chain, as replicas store and serve it: one owner's registrations of
 * one name, oldest first, each renewing the one before it; the last is the
 * head (the current target). Bytes:
 *
 *   version u8 = 1
 *   count   u8                         1..12
 *   count × (u16 len + registration)   see registration.ts
 *
 * The chain is what makes seniority checkable: a claim's start is the created
 * time of the oldest link present, so a renewal that arrives without its
 * history counts only from its own date, and a fabricated "old" renewal gains
 * nothing over a fresh claim. Twelve links cover a year of monthly renewals;
 * older links are dropped and the start moves forward with them, which keeps a
 * year-old name far ahead of any fresh claim.
 */
import { Reader, WireError, Writer } from '../../wire/codec.js'
import { NameErrorCode, type NameErrorCodeValue } from './errors.js'
import {
  DEFAULT_REGISTRATION_POLICY, type Registration, type RegistrationPolicy,
  checkRegistration, decodeRegistration, encodeRegistration, registrationId
} from './registration.js'

export const CHAIN_VERSION = 1
export const MAX_CHAIN_LINKS = 12
/** A generous bound on one encoded registration (the largest is about 250 bytes). */
const MAX_LINK_BYTES = 512
export const MAX_ENCODED_CHAIN_BYTES = 2 + MAX_CHAIN_LINKS * (2 + MAX_LINK_BYTES)

export interface VerifiedChain {
  name: string
  owner: Buffer
  /** Oldest first; the last is the head. */
  links: Registration[]
  /** registrationId of each link, in the same order. */
  ids: Buffer[]
  head: Registration
  headId: Buffer
  /** The claim's seniority: created time of the oldest link present. */
  start: number
}

export type ChainVerdict = { ok: true, chain: VerifiedChain } | { ok: false, code: NameErrorCodeValue }

export function encodeChain (links: readonly Registration[]): Buffer {
  if (links.length === 0 || links.length > MAX_CHAIN_LINKS) throw new RangeError(`a chain has 1 to ${MAX_CHAIN_LINKS} links`)
  const w = new Writer(300 * links.length).u8(CHAIN_VERSION).u8(links.length)
  for (const link of links) w.bytes16(encodeRegistration(link))
  return w.finish()
}

/** Throws WireError on anything but one well-formed chain encoding. */
export function decodeChain (b: Uint8Array): Registration[] {
  if (b.length > MAX_ENCODED_CHAIN_BYTES) throw new WireError(`name chain: ${b.length} bytes exceeds ${MAX_ENCODED_CHAIN_BYTES}`)
  const r = new Reader(b, 'name chain')
  const version = r.u8()
  if (version !== CHAIN_VERSION) throw new WireError(`name chain: unknown version ${version}`)
  const count = r.u8()
  if (count < 1 || count > MAX_CHAIN_LINKS) throw new WireError(`name chain: ${count} links, not 1..${MAX_CHAIN_LINKS}`)
  const links: Registration[] = []
  for (let i = 0; i < count; i++) links.push(decodeRegistration(r.bytes16(MAX_LINK_BYTES)))
  r.end()
  return links
}

/** The last MAX_CHAIN_LINKS links. */
export function trimChain (links: readonly Registration[]): Registration[] {
  return links.slice(Math.max(0, links.length - MAX_CHAIN_LINKS))
}

/**
 * Every link valid on its own (expired history allowed), the head unexpired,
 * one name and one owner throughout, each link naming its predecessor's id,
 * dated no earlier than it and before it expired. `skipSignatures` is for
 * chains read back from our own disk (see checkRegistration).
 */
export function verifyChain (
  links: readonly Registration[], now: number, policy: RegistrationPolicy = DEFAULT_REGISTRATION_POLICY,
  opts: { skipSignatures?: boolean } = {}
): ChainVerdict {
  if (links.length === 0 || links.length > MAX_CHAIN_LINKS) return { ok: false, code: NameErrorCode.MALFORMED }
  const head = links[links.length - 1]
  const ids: Buffer[] = []
  for (let i = 0; i < links.length; i++) {
    const link = links[i]
    const code = checkRegistration(link, now, policy, { allowExpired: true, skipSignature: opts.skipSignatures })
    if (code !== undefined) return { ok: false, code }
    if (i > 0) {
      const prev = links[i - 1]
      if (link.name !== head.name || !link.owner.equals(head.owner) || !link.previous.equals(ids[i - 1]) || link.created < prev.created) {
        return { ok: false, code: NameErrorCode.BROKEN_CHAIN }
      }
      // A renewal must come before the registration it renews expires; after that the name was free.
      if (link.created >= prev.expires) return { ok: false, code: NameErrorCode.EXPIRED }
    } else if (link.name !== head.name || !link.owner.equals(head.owner)) {
      return { ok: false, code: NameErrorCode.BROKEN_CHAIN }
    }
    ids.push(registrationId(link))
  }
  if (head.expires <= now) return { ok: false, code: NameErrorCode.EXPIRED }
  return {
    ok: true,
    chain: { name: head.name, owner: head.owner, links: [...links], ids, head, headId: ids[ids.length - 1], start: links[0].created }
  }
}

/**
 * An order on competing claims by what they say of themselves: the earlier
 * start wins; at the same start the lower owner key. Negative when `a` wins.
 * 0 means the same owner (the same claimant, whatever its links). Replicas do
 * NOT decide ownership by it (a start is the claimant's word; they keep the
 * claim they saw first): it only breaks ties where no arrival order is known,
 * such as two chains for one name found on disk.
 */
export function compareClaims (a: VerifiedChain, b: VerifiedChain): number {
  if (a.owner.equals(b.owner)) return 0
  if (a.start !== b.start) return a.start < b.start ? -1 : 1
  return Buffer.compare(a.owner, b.owner)
}

/**
 * Between two chains of the same owner: the one with the later head (the
 * owner's latest word), then the earlier start, then the lower head id.
 * Negative when `a` is preferred.
 */
export function compareSameOwner (a: VerifiedChain, b: VerifiedChain): number {
  if (a.head.created !== b.head.created) return a.head.created > b.head.created ? -1 : 1
  if (a.start !== b.start) return a.start < b.start ? -1 : 1
  return Buffer.compare(a.headId, b.headId)
}
