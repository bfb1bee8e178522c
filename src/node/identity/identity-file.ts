import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Identity, NONCE_BYTES, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, nodeIdOf, publicKeyFromSecret, rankOf
} from './identity.js'
import { IdentityErrorCode, identityError } from './errors.js'
import { loadSecretFile, writeSecretFile } from './secret-file.js'

/**
 * `<dataDir>/identity.json`: the node's key pair and rank proof.
 *
 *   { "version": 1, "id": hex32, "rank": n, "publicKey": hex32, "secretKey": hex32, "nonce": hex8 }
 *
 * publicKey, secretKey and nonce are the data; id and rank are there for humans and are checked
 * against the data on load, so a hand-edited or truncated file is caught rather than trusted.
 * The file holds a secret key: it is written 0600 in a 0700 directory, atomically (temp + rename).
 */

export const IDENTITY_FILE_NAME = 'identity.json'
const FILE_VERSION = 1
const KNOWN_KEYS = new Set(['version', 'id', 'rank', 'publicKey', 'secretKey', 'nonce'])

export function identityPath (dataDir: string): string {
  return join(dataDir, IDENTITY_FILE_NAME)
}

export function hasIdentityFile (dataDir: string): boolean {
  return existsSync(identityPath(dataDir))
}

export function saveIdentity (dataDir: string, identity: Identity): void {
  const file = identityPath(dataDir)
  const body = JSON.stringify({
    version: FILE_VERSION,
    id: identity.id.toString('hex'),
    rank: identity.rank,
    publicKey: identity.publicKey.toString('hex'),
    secretKey: identity.secretKey.toString('hex'),
    nonce: identity.nonce.toString('hex')
  }, null, 2) + '\n'
  writeSecretFile(file, body)
}

/**
 * The saved identity, or undefined when there is none. A damaged file throws IDENTITY_CORRUPT;
 * a file that other users may read or write throws IDENTITY_INSECURE.
 */
export function loadIdentity (dataDir: string): Identity | undefined {
  const file = identityPath(dataDir)
  return loadSecretFile(file, text => parseIdentityFile(file, text), {
    unreadable: (reason, cause) => corrupt(file, reason, cause),
    // Refused rather than warned about: whoever reads the secret key can act as this node and
    // spend its mined rank; a warning scrolls past in a log, a refusal gets fixed.
    insecure: (may, mode) => identityError(IdentityErrorCode.INSECURE,
      `the identity file ${file} holds this node's secret key, but other users may ${may} it ` +
      `(mode ${mode.toString(8)}). Run \`chmod 600 ${file}\` and start again; if others may already have read it, ` +
      'make a new identity with `tornet id new --force`')
  })
}

function corrupt (file: string, reason: string, cause?: unknown): Error {
  return identityError(IdentityErrorCode.CORRUPT,
    `the identity file ${file} is damaged: ${reason}. Restore it from a backup, or move it aside and ` +
    'run `tornet id new` to make a new identity (a new identity has a new node id and starts at its own rank)', cause)
}

function hexField (file: string, obj: Record<string, unknown>, key: string, bytes: number): Buffer {
  const v = obj[key]
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(v)) {
    throw corrupt(file, `"${key}" must be ${bytes * 2} hex digits`)
  }
  return Buffer.from(v, 'hex')
}

export function parseIdentityFile (file: string, text: string): Identity {
  let obj: unknown
  try {
    obj = JSON.parse(text)
  } catch (err) {
    throw corrupt(file, 'it is not valid JSON', err)
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw corrupt(file, 'it is not a JSON object')
  const rec = obj as Record<string, unknown>
  for (const key of Object.keys(rec)) {
    if (!KNOWN_KEYS.has(key)) throw corrupt(file, `it has an unknown field "${key}"`)
  }
  if (rec.version !== FILE_VERSION) throw corrupt(file, `"version" must be ${FILE_VERSION}`)
  const publicKey = hexField(file, rec, 'publicKey', PUBLIC_KEY_BYTES)
  const secretKey = hexField(file, rec, 'secretKey', SECRET_KEY_BYTES)
  const nonce = hexField(file, rec, 'nonce', NONCE_BYTES)
  const id = hexField(file, rec, 'id', 32)
  const derived = publicKeyFromSecret(secretKey)
  if (derived === undefined || !derived.equals(publicKey)) throw corrupt(file, 'the public key does not belong to the secret key')
  if (!nodeIdOf(publicKey).equals(id)) throw corrupt(file, 'the id is not the hash of the public key')
  const rank = rankOf(publicKey, nonce)
  if (rec.rank !== rank) throw corrupt(file, `"rank" says ${String(rec.rank)} but the nonce proves ${rank}`)
  return { publicKey, secretKey, nonce, id, rank }
}
