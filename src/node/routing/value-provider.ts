import type { Contact } from './contact.js'

/**
 * How a service (chunks, kv, names, mailboxes, stations) plugs into
 * FIND_VALUE: it answers for the keys it holds, hears about misses, checks
 * values a lookup brings back, and decides what to cache along lookup paths.
 */
export interface ValueProvider {
  /** The value stored under key, if this node holds it (≤ MAX_VALUE_BYTES). */
  get (key: Buffer): Buffer | undefined | Promise<Buffer | undefined>
  /** Someone asked for a key we lack (after the demand counter was bumped). */
  onMiss? (key: Buffer, from: Contact, notFound: number): void
  /** Checks a value returned by a lookup before it is accepted (e.g. hash or signature); default accepts. */
  validate? (key: Buffer, value: Buffer): boolean
  /** A lookup offers a value to cache here; return true when kept. Default refuses. */
  cache? (key: Buffer, value: Buffer, from: Contact): boolean | Promise<boolean>
}
