import { CodeOf, layerErrorClass } from '../../errors.js'

/**
 * Stable codes of the mail layer (one table; mail-core's block and mail-net's
 * block are kept apart, each alphabetical, so the two merge cleanly).
 */
export const MailErrorCode = {
  // ---- mail-net: mailbox host records, tokens, stamps, pushes, collection, receipts ----
  /** The caller's AbortSignal fired. */
  ABORTED: 'MAIL_ABORTED',
  /** A receipt whose signature does not verify under the key it names. */
  BAD_RECEIPT: 'MAIL_BAD_RECEIPT',
  /** The host looked the referenced chunks up and nobody provides them: a push of a reference to nothing. */
  CHUNKS_MISSING: 'MAIL_CHUNKS_MISSING',
  /** A collect request not signed by the mailbox key, or too old or too far ahead of the host's clock. */
  COLLECT_REFUSED: 'MAIL_COLLECT_REFUSED',
  /** The host remembers as many used stamps as it may; it takes pushes again once some expire. */
  HOST_BUSY: 'MAIL_HOST_BUSY',
  /** The host holds no record for this mailbox, so it takes no pushes for it. */
  MAILBOX_UNKNOWN: 'MAIL_MAILBOX_UNKNOWN',
  /** A host message or mailbox record that does not decode. */
  MALFORMED: 'MAIL_MALFORMED',
  /** No mailbox record for the recipient on the network (it was never created, or its owner is away too long). */
  NO_MAILBOX: 'MAIL_NO_MAILBOX',
  /** Fewer mailbox hosts accepted a push than needed. */
  NOT_DELIVERED: 'MAIL_NOT_DELIVERED',
  /** The service was used before start() or after stop(), or without a mailbox. */
  NOT_RUNNING: 'MAIL_NOT_RUNNING',
  /** A mailbox record for a location this node is no replica of. */
  NOT_REPLICA: 'MAIL_NOT_REPLICA',
  /** The pushing peer already has as many messages queued for this mailbox as one sender may. */
  OVER_SENDER_CAP: 'MAIL_OVER_SENDER_CAP',
  /** The mailbox's queue at this host is full; nothing is evicted to make room. */
  QUEUE_FULL: 'MAIL_QUEUE_FULL',
  /** A mailbox record that is expired, issued in the future, or has a bad signature. */
  RECORD_INVALID: 'MAIL_RECORD_INVALID',
  /** A mailbox record no newer than the one held. */
  RECORD_STALE: 'MAIL_RECORD_STALE',
  /** This host holds as many mailbox records as it may (or the peer is over its quota). */
  RECORD_STORE_FULL: 'MAIL_RECORD_STORE_FULL',
  /** A stamp whose proof of work is below the host's difficulty (or absent). */
  STAMP_INSUFFICIENT: 'MAIL_STAMP_INSUFFICIENT',
  /** A stamp this host already took. */
  STAMP_REPLAYED: 'MAIL_STAMP_REPLAYED',
  /** A push carries no token of this host's for this mailbox. */
  TOKEN_FOREIGN: 'MAIL_TOKEN_FOREIGN',
  /** This host's token, but past its life (or from the future). */
  TOKEN_STALE: 'MAIL_TOKEN_STALE'
} as const

export type MailErrorCodeValue = CodeOf<typeof MailErrorCode>

export const MailError = layerErrorClass<MailErrorCodeValue>('MailError')
export type MailError = InstanceType<typeof MailError>
