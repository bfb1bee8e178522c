import type { RecordCodecs } from './messages.js'
import type { StoreSource } from './peer-quota.js'

/**
 * A record kind is a policy over the records core: what its records look like
 * on the wire (codecs), which of them a node takes (acceptance rule, limits:
 * the holder's), and which one wins a read (the winner rule, which the core's
 * read applies to every verified answer). kv records, names (with
 * their first-claim conflict rule and majority read) and, later, mailbox hosts
 * and stations (VALUE_KIND.mailbox, .station) are such kinds.
 *
 * `Held` is a decoded record, `Key` what a GET carries (a location or a name),
 * `Code` the kind's error codes.
 */
export interface RecordKind<Held, Key, Code> extends RecordCodecs<Key, Code> {
  /** The service name requests travel on ("kv", "names"). */
  service: string
  /** The FIND_VALUE value kind (VALUE_KIND). */
  valueKind: number
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

/** The part of a kind a read needs besides its codecs; `Answer` is a record as a read checked it (names: a verified chain). */
export interface WinnerRule<Answer> {
  /**
   * The winner rule of a read: which of the verified answers (this node's own
   * copy first, then FIND_VALUE's, then the asked replicas' in order) it
   * returns, or undefined when there are none. kv: the newest; names: the
   * owner most answers hold.
   */
  winner: (answers: readonly Answer[]) => Answer | undefined
  /**
   * True when `pending` more answers could not change whom `winner` picks
   * from `answers` (names: the leading owner is out of reach). A kind that
   * has it is read with records/early-read.ts, which answers as soon as this
   * holds; a kind without it waits for every answer (kv: a newer record may
   * come from any replica).
   */
  settled?: (answers: readonly Answer[], pending: number) => boolean
}

/** A kind that can be read: what records/parallel-find.ts readWinner takes. */
export type ReadableKind<Held, Key, Code, Answer = Held> = RecordKind<Held, Key, Code> & WinnerRule<Answer>

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
