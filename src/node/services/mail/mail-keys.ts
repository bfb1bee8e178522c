import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { generateIdentity, publicKeyFromSecret } from '../../identity/identity.js'
import { sha256 } from '../../crypto/hash.js'
import { x25519FromSecret } from '../../link/link-crypto.js'
import { loadSecretFile, writeSecretFile } from '../../identity/secret-file.js'
import { MailError, MailErrorCode } from './errors.js'

/**
 * A mailbox's keys: ed25519 to sign (its identity; the id is SHA-256 of the
 * public key, as a node id is) and X25519 to receive sealed mail. Two keys
 * rather than one converted key, so that the encryption key can be replaced
 * later without changing the address.
 *
 * `<dataDir>/mail/keys.json`, 0600 in a 0700 directory, written atomically:
 *   { "version": 1, "signingKey": hex32, "signingSecret": hex32, "encryptionKey": hex32, "encryptionSecret": hex32 }
 * The public keys are checked against the secrets on load.
 */
export interface MailKeys {
  /** SHA-256(signingKey). */
  id: Buffer
  signingKey: Buffer
  signingSecret: Buffer
  encryptionKey: Buffer
  encryptionSecret: Buffer
}

const VERSION = 1

export function mailKeysPath (dataDir: string): string {
  return join(dataDir, 'mail', 'keys.json')
}

export function mailboxIdOf (signingKey: Buffer): Buffer {
  return sha256(signingKey)
}

export function generateMailKeys (): MailKeys {
  const { publicKey, secretKey } = generateIdentity()
  const encryptionSecret = randomBytes(32)
  return {
    id: mailboxIdOf(publicKey),
    signingKey: publicKey,
    signingSecret: secretKey,
    encryptionKey: x25519FromSecret(encryptionSecret).publicKey,
    encryptionSecret
  }
}

export async function saveMailKeys (dataDir: string, keys: MailKeys): Promise<void> {
  const body = JSON.stringify({
    version: VERSION,
    signingKey: keys.signingKey.toString('hex'),
    signingSecret: keys.signingSecret.toString('hex'),
    encryptionKey: keys.encryptionKey.toString('hex'),
    encryptionSecret: keys.encryptionSecret.toString('hex')
  }, null, 2) + '\n'
  writeSecretFile(mailKeysPath(dataDir), body)
}

/** The saved keys, or undefined when there is no mailbox yet; throws KEY_CORRUPT or KEY_INSECURE. */
export async function loadMailKeys (dataDir: string): Promise<MailKeys | undefined> {
  const file = mailKeysPath(dataDir)
  return loadSecretFile(file, text => parseKeys(file, text), {
    unreadable: reason => corrupt(file, reason),
    insecure: (may, mode) => new MailError(MailErrorCode.KEY_INSECURE,
      `the mail key file ${file} holds your mailbox's secret keys, but other users may ${may} it ` +
      `(mode ${mode.toString(8)}). Run \`chmod 600 ${file}\` and try again`)
  })
}

function parseKeys (file: string, text: string): MailKeys {
  let obj: unknown
  try { obj = JSON.parse(text) } catch { throw corrupt(file, 'it is not valid JSON') }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw corrupt(file, 'it is not a JSON object')
  const rec = obj as Record<string, unknown>
  if (rec.version !== VERSION) throw corrupt(file, `"version" must be ${VERSION}`)
  const hex = (k: string): Buffer => {
    const v = rec[k]
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/i.test(v)) throw corrupt(file, `"${k}" must be 64 hex digits`)
    return Buffer.from(v, 'hex')
  }
  const signingKey = hex('signingKey')
  const signingSecret = hex('signingSecret')
  const encryptionKey = hex('encryptionKey')
  const encryptionSecret = hex('encryptionSecret')
  const derived = publicKeyFromSecret(signingSecret)
  if (derived === undefined || !derived.equals(signingKey)) throw corrupt(file, 'the signing key does not belong to its secret')
  if (!x25519FromSecret(encryptionSecret).publicKey.equals(encryptionKey)) throw corrupt(file, 'the encryption key does not belong to its secret')
  return { id: mailboxIdOf(signingKey), signingKey, signingSecret, encryptionKey, encryptionSecret }
}

function corrupt (file: string, reason: string): MailError {
  return new MailError(MailErrorCode.KEY_CORRUPT,
    `the mail key file ${file} is damaged: ${reason}. Restore it from a backup, or move it aside and run ` +
    '"tornet mail new" (a new mailbox has a new address: tell your contacts)')
}
