import { sha256 } from '../../../../src/node/crypto/hash.js'
import type { Identity } from '../../../../src/node/identity/identity.js'
import { mineRegistration } from '../../../../src/node/services/names/pow.js'
import {
  MAX_TERM_MS, NO_PREVIOUS, type NameTarget, type Registration, type RegistrationPolicy, registrationId
} from '../../../../src/node/services/names/registration.js'

/** Low difficulty so that tests mine in microseconds. */
export const TEST_POLICY: RegistrationPolicy = { difficulty: 6, clockSkewMs: 10 * 60_000 }
export const T0 = 1_700_000_000_000

export function contentTarget (seed = 'site'): NameTarget {
  return { kind: 'content', value: Buffer.concat([sha256(Buffer.from(`id:${seed}`)), sha256(Buffer.from(`key:${seed}`))]) }
}

export async function link (identity: Identity, fields: {
  name: string
  created: number
  expires?: number
  target?: NameTarget
  previous?: Registration
  difficulty?: number
}): Promise<Registration> {
  return await mineRegistration(identity, {
    name: fields.name,
    owner: identity.publicKey,
    target: fields.target ?? contentTarget(),
    created: fields.created,
    expires: fields.expires ?? fields.created + MAX_TERM_MS,
    previous: fields.previous === undefined ? NO_PREVIOUS : registrationId(fields.previous)
  }, { difficulty: fields.difficulty ?? TEST_POLICY.difficulty })
}

/** A chain of registrations of `name` by `identity`, one per created time, each renewing the last. */
export async function chainOf (identity: Identity, name: string, created: number[]): Promise<Registration[]> {
  const links: Registration[] = []
  for (const c of created) links.push(await link(identity, { name, created: c, previous: links[links.length - 1] }))
  return links
}
