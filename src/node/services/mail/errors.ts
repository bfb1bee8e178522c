import { CodeOf, layerErrorClass } from '../../errors.js'

/**
 * Stable codes of the mail layer (keys, addresses, seals, messages, the store,
 * and the network half: hosts, stamps, pushes, receipts). One table for the
 * layer; each block is kept alphabetical, and new blocks are appended.
 */
export const MailErrorCode = {
  // --- local: keys, addresses, seals, messages, store ---
  /** A message or argument from the local caller that cannot be used (empty recipients, bad folder, ...). */
  BAD_ARGUMENT: 'MAIL_BAD_ARGUMENT',
  /** Text that is not NAME@tor-net, NAME@bit or <52 base32 digits>@tor-net. */
  BAD_ADDRESS: 'MAIL_BAD_ADDRESS',
  /** Bytes that do not parse as an RFC 5322 message. */
  BAD_MESSAGE: 'MAIL_BAD_MESSAGE',
  /** A sealed message whose encryption does not verify (tampered or truncated). */
  BAD_SEAL: 'MAIL_BAD_SEAL',
  /** A sealed message that opens but whose sender signature does not verify. */
  BAD_SIGNATURE: 'MAIL_BAD_SIGNATURE',
  /** The mail key file is damaged (bad JSON, a public key that is not the secret's). */
  KEY_CORRUPT: 'MAIL_KEY_CORRUPT',
  /** The mail key file may be read or written by others (fix: chmod 600). */
  KEY_INSECURE: 'MAIL_KEY_INSECURE',
  /** No message (or attachment) with this id. */
  NOT_FOUND: 'MAIL_NOT_FOUND',
  /** A message over its bound (sealed, plain or decompressed). */
  OVERSIZED: 'MAIL_OVERSIZED',
  /** The mail store was used after close(). */
  STORE_CLOSED: 'MAIL_STORE_CLOSED',
  /** A sealed message of a format version this node does not know. */
  UNKNOWN_VERSION: 'MAIL_UNKNOWN_VERSION',
  /** A sealed message for another mailbox (or another encryption key). */
  WRONG_KEY: 'MAIL_WRONG_KEY',
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
