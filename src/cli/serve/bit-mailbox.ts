import { parseAddress } from '../../node/services/mail/address.js'
import type { NameSource } from '../../resolvers/namecoin/name-source.js'

/**
 * NAME@bit mail addresses: the Namecoin record d/NAME carries the mailbox's key in a
 * "tornet-mail" item, as a key address (`<52 base32 digits>@tor-net`, what `tornet mail new`
 * prints) or the 52 digits alone. The record comes through the node's Namecoin backend, so on
 * the default ElectrumX path it is proven like any .bit answer. Only the record's top-level
 * object is read (no imports or map entries: a mailbox belongs to the name, not a subdomain).
 */
export const BIT_MAIL_ITEM = 'tornet-mail'

/** The mailbox signing key a d/ value names, or undefined when it names none (or not a valid one). */
export function mailboxKeyOfValue (value: string): Buffer | undefined {
  let parsed: unknown
  try { parsed = JSON.parse(value) } catch { return undefined }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const item = (parsed as Record<string, unknown>)[BIT_MAIL_ITEM]
  if (typeof item !== 'string' || item.length > 200) return undefined
  try {
    const a = parseAddress(item.includes('@') ? item : `${item}@tor-net`)
    return a.kind === 'key' ? a.signingKey : undefined
  } catch {
    return undefined
  }
}

/** A resolveBit for the mail service over a Namecoin backend. */
export function bitMailboxResolver (source: NameSource): (name: string, signal?: AbortSignal) => Promise<Buffer | undefined> {
  return async (name, signal) => {
    const record = await source.nameShow(`d/${name}`, signal)
    return record === undefined ? undefined : mailboxKeyOfValue(record.value)
  }
}
