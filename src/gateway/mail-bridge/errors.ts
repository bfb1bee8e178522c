/**
 * Stable codes of the mail bridge (the local SMTP submission and IMAP ports
 * Thunderbird-like clients use). Tests check codes, never message text.
 */
import { layerErrorClass, type CodeOf } from '../../node/index.js'

export const MailBridgeErrorCode = {
  /** A bridge port is taken by another program (fix: choose another port). */
  PORT_IN_USE: 'BRIDGE_PORT_IN_USE',
  /** Asked to listen on a non-loopback address: the bridge's password travels in clear text. */
  PUBLIC_INTERFACE: 'BRIDGE_PUBLIC_INTERFACE',
  /** The password file is readable or writable by others (fix: chmod 600). */
  PASSWORD_INSECURE: 'BRIDGE_PASSWORD_INSECURE',
  /** The password file is not what the bridge wrote (fix: delete it; a new one is made). */
  PASSWORD_CORRUPT: 'BRIDGE_PASSWORD_CORRUPT',
  /** The IMAP UID file is not what the bridge wrote (fix: delete it; clients resynchronise). */
  UID_STATE_CORRUPT: 'BRIDGE_UID_STATE_CORRUPT',
  /** The node has no mail service (this build or configuration runs without mail). */
  NO_MAIL: 'BRIDGE_NO_MAIL'
} as const

export type MailBridgeErrorCodeValue = CodeOf<typeof MailBridgeErrorCode>

export const MailBridgeError = layerErrorClass<MailBridgeErrorCodeValue>('MailBridgeError')
export type MailBridgeError = InstanceType<typeof MailBridgeError>
