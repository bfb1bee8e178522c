import type { Codec, RecordRequest, StoreReply } from './messages.js'
import type { StoreSource } from './peer-quota.js'

/**
 * A record kind is a policy over the records core: what its records look like
 * on the wire (codecs), which of them a node takes (acceptance rule, limits:
 * the holder's), and which one wins a read (left to the kind's own read, which
 * gets every verified answer from the core's find). kv records, names (with
 * their first-claim conflict rule and majority read) and, later, mailbox hosts
 * and stations (VALUE_KIND.mailbox, .station) are such kinds.
 *
 * `Held` is a decoded record, `Key` what a GET carries (a location or a name),
 * `Code` the kind's error codes.
 */
export interface RecordKind<Held, Key, Code> {
  /** The service name requests travel on ("kv", "names"). */
  service: string
  /** The FIND_VALUE value kind (VALUE_KIND). */
  valueKind: number
  requests: Codec<RecordRequest<Key>>
  storeReplies: Codec<StoreReply<Code>>
  getReplies: Codec<Buffer | undefined>
  /** The code a request or record that does not decode is refused with. */
  malformed: Code
  /** The code a store for a location this node is no replica of is refused with. */
  notReplica: Code
  /** Throws WireError on bytes that are not one record of this kind. */
  decode: (bytes: Uint8Array) => Held
  /** Where a record lives (its 32-byte location), or undefined when it names none. */
  locationOf: (held: Held) => Buffer | undefined
  /** The acceptance rule for a record a lookup found for `location`: decodes, is for it, passes every check. */
  isValidAt: (location: Buffer, encoded: Buffer) => boolean
}

export type Verdict<Code> = { accepted: true } | { accepted: false, code: Code }

/** What this node holds for others (KvStore, NameRegistry): bounded, persisted, the kind's acceptance rule applied. */
export interface RecordHolder<Held, Key, Code> {
  /** The encoded record held for what a GET asked. */
  encodedByKey: (key: Key) => Buffer | undefined
  /** The encoded record held at a location (what FIND_VALUE asks). */
  encodedAt: (location: Buffer) => Buffer | undefined
  /** True when a version of this record is already held (a replica keeps taking newer versions). */
  holds: (held: Held) => boolean
  /** Takes the record if the kind's rule accepts it; `source` is the peer it came from, for its quota. */
  offer: (held: Held, source?: StoreSource) => Verdict<Code>
}
