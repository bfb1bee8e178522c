import { tryDecode } from '../../wire/codec.js'
import type { ReadableKind, RecordHolder } from '../records/record-kind.js'
import { VALUE_KIND } from '../service-network.js'
import { type VerifiedChain, decodeChain, verifyChain } from './chain.js'
import { NameErrorCode, type NameErrorCodeValue } from './errors.js'
import { NAMES_SERVICE, namesCodecs } from './messages.js'
import { nameKey } from './name.js'
import type { NameRegistry } from './name-registry.js'
import { ownerSettled, pickOwner } from './owner-vote.js'
import type { Registration, RegistrationPolicy } from './registration.js'

/**
 * Names as a record kind: a chain of registrations at SHA-256("name:" ‖ name).
 * A replica keeps the claim it saw first (NameRegistry's conflict rule); a
 * read takes the owner most answers hold (owner-vote.ts).
 */
export function namesRecordKind (now: () => number, policy: RegistrationPolicy): ReadableKind<Registration[], string, NameErrorCodeValue, VerifiedChain> {
  return {
    service: NAMES_SERVICE,
    valueKind: VALUE_KIND.nameRecord,
    ...namesCodecs,
    malformed: NameErrorCode.MALFORMED,
    notReplica: NameErrorCode.NOT_REPLICA,
    decode: decodeChain,
    locationOf: links => {
      const name = links[links.length - 1]?.name
      return name === undefined ? undefined : nameKey(name)
    },
    isValidAt: (key, encoded) => {
      const links = tryDecode(decodeChain, encoded)
      if (links === undefined) return false
      const v = verifyChain(links, now(), policy)
      return v.ok && nameKey(v.chain.name).equals(key)
    },
    winner: answers => pickOwner(answers)?.chain,
    settled: ownerSettled
  }
}

/** A chain from the network, verified, for the name asked; else the reason it is unusable. */
export function verifyAnswer (encoded: Uint8Array, name: string, now: number, policy: RegistrationPolicy): VerifiedChain | NameErrorCodeValue {
  const links = tryDecode(decodeChain, encoded)
  if (links === undefined) return NameErrorCode.MALFORMED
  const verdict = verifyChain(links, now, policy)
  if (!verdict.ok) return verdict.code
  return verdict.chain.name === name ? verdict.chain : NameErrorCode.MALFORMED
}

/** NameRegistry as the records core sees it: a GET's key is the name. */
export function namesHolder (registry: NameRegistry): RecordHolder<Registration[], string, NameErrorCodeValue> {
  return {
    encodedByKey: name => registry.getEncoded(name),
    encodedAt: key => registry.getEncodedByKey(key),
    holds: links => registry.get(links[links.length - 1].name) !== undefined,
    offer: (links, source) => registry.offer(links, source)
  }
}
