/** The mail bridge's public face (the CLI starts it; tests drive it). */
export { startMailBridge, mailClientSettings, lastBridgePorts, DEFAULT_SMTP_PORT, DEFAULT_IMAP_PORT, type MailBridge, type MailBridgeOptions } from './mail-bridge.js'
export { loadOrCreateBridgePassword, bridgePasswordPath } from './bridge-password.js'
export { MailBridgeError, MailBridgeErrorCode, type MailBridgeErrorCodeValue } from './errors.js'
export type { BridgeMail } from './mail-port.js'
export { mailClientsSection } from './dashboard-section.js'
