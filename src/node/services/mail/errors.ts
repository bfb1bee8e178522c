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
  WRONG_KEY: 'MAIL_WRONG_KEY'
} as const

export type MailErrorCodeValue = CodeOf<typeof MailErrorCode>

export const MailError = layerErrorClass<MailErrorCodeValue>('MailError')
export type MailError = InstanceType<typeof MailError>
