import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { generateIdentity, publicKeyFromSecret } from '../../identity/identity.js'
import { loadSecretFile, writeSecretFile } from '../../identity/secret-file.js'
import type { StationKeyPair } from './radio-api.js'
import { RadioError, RadioErrorCode } from './errors.js'

/**
 * Station key pairs, one file per station: `<dataDir>/stations/<label>.json`
 *
 *   { "version": 1, "label": "...", "publicKey": hex32, "secretKey": hex32 }
 *
 * The secret key is the raw ed25519 seed. As identity.json, the file is
 * written 0600 in a 0700 directory, atomically, and a file that others may
 * read or write is refused: whoever holds the key can broadcast as the station.
 */
export interface StationKey extends StationKeyPair {
  label: string
}

const DIR = 'stations'
const VERSION = 1
const LABEL = /^[a-z0-9][a-z0-9_-]{0,62}$/i

export function stationKeyPath (dataDir: string, label: string): string {
  return join(dataDir, DIR, `${label}.json`)
}

function checkLabel (label: string): void {
  if (!LABEL.test(label)) {
    throw new RadioError(RadioErrorCode.INVALID_ARGUMENT,
      `station label "${label}" is not valid: use 1-63 letters, digits, '-' or '_', starting with a letter or digit`)
  }
}

/** Makes a new station key pair and saves it; refuses to replace an existing one. */
export function createStationKey (dataDir: string, label: string): StationKey {
  checkLabel(label)
  const file = stationKeyPath(dataDir, label)
  if (existsSync(file)) {
    throw new RadioError(RadioErrorCode.KEY_EXISTS, `a station labelled "${label}" already exists (${file}); pick another label or use that one`)
  }
  const { publicKey, secretKey } = generateIdentity()
  const body = JSON.stringify({ version: VERSION, label, publicKey: publicKey.toString('hex'), secretKey: secretKey.toString('hex') }, null, 2) + '\n'
  writeSecretFile(file, body)
  return { label, publicKey, privateKey: secretKey }
}

/** The saved station key pair; throws KEY_MISSING, KEY_CORRUPT or KEY_INSECURE. */
export function loadStationKey (dataDir: string, label: string): StationKey {
  checkLabel(label)
  const file = stationKeyPath(dataDir, label)
  const key = readStation(file)
  if (key === undefined) {
    throw new RadioError(RadioErrorCode.KEY_MISSING, `no station labelled "${label}" in ${dataDir}: create it with "tornet radio create ${label}"`)
  }
  return key
}

/** Every saved station (label and id), sorted by label. Damaged files are skipped, not fatal. */
export function listStationKeys (dataDir: string): Array<{ label: string, publicKey: Buffer }> {
  let names: string[]
  try {
    names = readdirSync(join(dataDir, DIR))
  } catch {
    return []
  }
  const out: Array<{ label: string, publicKey: Buffer }> = []
  for (const name of names.filter(n => n.endsWith('.json')).sort()) {
    const label = name.slice(0, -5)
    if (!LABEL.test(label)) continue
    try {
      const k = readStation(join(dataDir, DIR, name))
      if (k !== undefined) out.push({ label: k.label, publicKey: k.publicKey })
    } catch { /* listed by `radio list` elsewhere as unreadable; loading it reports why */ }
  }
  return out
}

function readStation (file: string): StationKey | undefined {
  return loadSecretFile(file, text => parseStation(file, text), {
    unreadable: reason => corrupt(file, reason),
    insecure: (may, mode) => new RadioError(RadioErrorCode.KEY_INSECURE,
      `the station key file ${file} holds the station's secret key, but other users may ${may} it ` +
      `(mode ${mode.toString(8)}). Run \`chmod 600 ${file}\` and try again`)
  })
}

function parseStation (file: string, text: string): StationKey {
  let obj: unknown
  try { obj = JSON.parse(text) } catch { throw corrupt(file, 'it is not valid JSON') }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw corrupt(file, 'it is not a JSON object')
  const rec = obj as Record<string, unknown>
  if (rec.version !== VERSION) throw corrupt(file, `"version" must be ${VERSION}`)
  if (typeof rec.label !== 'string' || !LABEL.test(rec.label)) throw corrupt(file, '"label" is missing or not a valid label')
  const hex = (k: string): Buffer => {
    const v = rec[k]
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/i.test(v)) throw corrupt(file, `"${k}" must be 64 hex digits`)
    return Buffer.from(v, 'hex')
  }
  const publicKey = hex('publicKey')
  const secretKey = hex('secretKey')
  const derived = publicKeyFromSecret(secretKey)
  if (derived === undefined || !derived.equals(publicKey)) throw corrupt(file, 'the public key does not belong to the secret key')
  return { label: rec.label, publicKey, privateKey: secretKey }
}

function corrupt (file: string, reason: string): Error {
  return new RadioError(RadioErrorCode.KEY_CORRUPT,
    `the station key file ${file} is damaged: ${reason}. Restore it from a backup, or move it aside and create a new station ` +
    '(a new station has a new id: listeners and names pointing at the old one must be updated)')
}
