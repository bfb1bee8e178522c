import { existsSync, fstatSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { tornetError } from '../../errors.js'
import { generateIdentity, publicKeyFromSecret } from '../../identity/identity.js'
import type { StationKeyPair } from './radio-api.js'

/**
 * Station key pairs, `<dataDir>/stations/<label>.json`:
 *   { "version": 1, "label": "...", "publicKey": hex32, "secretKey": hex32 }
 * (the raw ed25519 seed), written 0600 in a 0700 directory.
 *
 * Minimal stand-in written by the CLI branch with the core branch's signatures
 * and file format; the core branch's fuller version replaces it on merge.
 */
export interface StationKey extends StationKeyPair {
  label: string
}

const DIR = 'stations'
const LABEL = /^[a-z0-9][a-z0-9_-]{0,62}$/i

export function stationKeyPath (dataDir: string, label: string): string {
  return join(dataDir, DIR, `${label}.json`)
}

function checkLabel (label: string): void {
  if (!LABEL.test(label)) throw tornetError('RADIO_INVALID_ARGUMENT', `station label "${label}" is not valid: use 1-63 letters, digits, '-' or '_', starting with a letter or digit`)
}

export function createStationKey (dataDir: string, label: string): StationKey {
  checkLabel(label)
  mkdirSync(join(dataDir, DIR), { recursive: true, mode: 0o700 })
  const file = stationKeyPath(dataDir, label)
  if (existsSync(file)) throw tornetError('RADIO_KEY_EXISTS', `a station labelled "${label}" already exists (${file}); pick another label or use that one`)
  const { publicKey, secretKey } = generateIdentity()
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  writeFileSync(tmp, JSON.stringify({ version: 1, label, publicKey: publicKey.toString('hex'), secretKey: secretKey.toString('hex') }, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  try { renameSync(tmp, file) } finally { rmSync(tmp, { force: true }) }
  return { label, publicKey, privateKey: secretKey }
}

export function loadStationKey (dataDir: string, label: string): StationKey {
  checkLabel(label)
  const file = stationKeyPath(dataDir, label)
  if (!existsSync(file)) throw tornetError('RADIO_KEY_MISSING', `no station labelled "${label}" in ${dataDir}: create it with "tornet radio create ${label}"`)
  const fd = openSync(file, 'r')
  let text: string
  let mode: number
  try { mode = fstatSync(fd).mode; text = readFileSync(fd, 'utf8') } finally { closeSync(fd) }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw tornetError('RADIO_KEY_INSECURE', `other users may read ${file}: run \`chmod 600 ${file}\` and try again`)
  let rec: { label?: unknown, publicKey?: unknown, secretKey?: unknown }
  try { rec = JSON.parse(text) } catch { rec = {} }
  const secret = typeof rec.secretKey === 'string' && /^[0-9a-f]{64}$/i.test(rec.secretKey) ? Buffer.from(rec.secretKey, 'hex') : undefined
  const publicKey = secret === undefined ? undefined : publicKeyFromSecret(secret)
  if (secret === undefined || publicKey === undefined || rec.publicKey !== publicKey.toString('hex')) {
    throw tornetError('RADIO_KEY_CORRUPT', `the station key file ${file} is damaged: restore it from a backup, or move it aside and create a new station`)
  }
  return { label, publicKey, privateKey: secret }
}

export function listStationKeys (dataDir: string): Array<{ label: string, publicKey: Buffer }> {
  let names: string[]
  try { names = readdirSync(join(dataDir, DIR)) } catch { return [] }
  const out: Array<{ label: string, publicKey: Buffer }> = []
  for (const name of names.filter(n => n.endsWith('.json')).sort()) {
    try { const k = loadStationKey(dataDir, name.slice(0, -5)); out.push({ label: k.label, publicKey: k.publicKey }) } catch { /* loading it names the problem */ }
  }
  return out
}
