import { randomBytes } from 'node:crypto'
import { generateIdentity } from '../../../../../src/node/identity/identity.js'
import { x25519FromSecret } from '../../../../../src/node/link/link-crypto.js'
import { mailboxLocation } from '../../../../../src/node/services/mail/host/mailbox-record.js'
import type { MailboxKeysLike } from '../../../../../src/node/services/mail/mail-network.js'

/** A fresh mailbox's keys (ed25519 signing, X25519 encryption), as mail-keys.ts makes them. */
export function testMailbox (): MailboxKeysLike & { encryptionSecret: Buffer } {
  const signing = generateIdentity()
  const encryptionSecret = randomBytes(32)
  return {
    id: mailboxLocation(signing.publicKey),
    signingKey: signing.publicKey,
    signingSecret: signing.secretKey,
    encryptionKey: x25519FromSecret(encryptionSecret).publicKey,
    encryptionSecret
  }
}
