/**
 * The one local password both bridge ports accept (the user name is the
 * mailbox address). Generated once, kept 0600 in the data directory, shown
 * by `tornet start --mail-bridge` and `tornet mail-bridge`. It keeps other
 * local users of this machine out of the mailbox; it is not a network secret
 * (the ports listen on 127.0.0.1 only).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { MailBridgeError, MailBridgeErrorCode } from './errors.js'
import { bridgeFile, othersMay, readPrivateFile, writePrivateFile } from './private-file.js'

const FILE = 'password'
const PASSWORD = /^[A-Za-z0-9_-]{20,128}$/

export function bridgePasswordPath (dataDir: string): string {
  return bridgeFile(dataDir, FILE)
}

/** The saved password, or a new one saved now. Throws PASSWORD_INSECURE / PASSWORD_CORRUPT. */
export function loadOrCreateBridgePassword (dataDir: string): string {
  const file = bridgePasswordPath(dataDir)
  const read = readPrivateFile(file)
  if (read === undefined) {
    // 18 random bytes: 24 base64url characters, easy to paste, far beyond guessing.
    const password = randomBytes(18).toString('base64url')
    writePrivateFile(file, password + '\n')
    return password
  }
  const others = othersMay(read.mode)
  if (others !== undefined) {
    throw new MailBridgeError(MailBridgeErrorCode.PASSWORD_INSECURE,
      `other users may ${others} ${file} (mode ${(read.mode & 0o777).toString(8)}): run "chmod 600 ${file}" and start again`)
  }
  const password = read.text.trim()
  if (!PASSWORD.test(password)) {
    throw new MailBridgeError(MailBridgeErrorCode.PASSWORD_CORRUPT,
      `${file} does not hold a bridge password: delete it and start again (a new password is made; update it in your mail client)`)
  }
  return password
}

/** Constant-time comparison (over hashes, so lengths leak nothing either). */
export function passwordMatches (given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}
