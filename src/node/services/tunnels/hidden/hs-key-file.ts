import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { generateIdentity, publicKeyFromSecret } from '../../../identity/identity.js'
import { loadSecretFile, writeSecretFile } from '../../../identity/secret-file.js'
import { TunnelError, TunnelErrorCode } from '../errors.js'

/**
 * Hidden-service keys, one file per service: `<dataDir>/hidden/<name>.json`
 *
 *   { "version": 1, "name": "...", "publicKey": hex32, "secretKey": hex32, "target": { "host", "port" } }
 *
 * The secret key is the raw ed25519 seed: whoever holds it can publish
 * descriptors as the service and read its introductions. Written 0600 in a
 * 0700 directory, atomically; a file others may read or write is refused
 * (as identity.json and station keys are, see secret-file.ts).
 */
export interface HiddenServiceKey {
  name: string
  publicKey: Buffer
  secretKey: Buffer
  target: { host: string, port: number }
}

const DIR = 'hidden'
const VERSION = 1
/** A label that is also a valid NAME in NAME.tor-net. */
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

export function hiddenKeyPath (dataDir: string, name: string): string {
  return join(dataDir, DIR, `${name}.json`)
}

export function checkServiceName (name: string): void {
  if (!NAME.test(name)) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT,
      `hidden service name "${name}" is not valid: use 1-63 lowercase letters, digits or '-', not starting or ending with '-'`)
  }
}

/** A hidden service forwards only to this machine: its point is that nobody learns where it runs. */
export function checkTarget (target: { host: string, port: number }): void {
  if (!LOOPBACK.has(target.host) || !Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT,
      `a hidden service forwards to 127.0.0.1:PORT (or [::1]:PORT) only, not ${target.host}:${target.port}`)
  }
}

/** The saved key of `name` (its target updated to `target` when given), or a new one saved now. */
export function loadOrCreateHiddenKey (dataDir: string, name: string, target: { host: string, port: number }): HiddenServiceKey {
  checkServiceName(name)
  checkTarget(target)
  const file = hiddenKeyPath(dataDir, name)
  const held = readKey(file)
  if (held !== undefined && held.target.host === target.host && held.target.port === target.port) return held
  const key = held ?? (() => { const id = generateIdentity(); return { name, publicKey: id.publicKey, secretKey: id.secretKey, target } })()
  const saved = { ...key, target }
  writeSecretFile(file, JSON.stringify({
    version: VERSION, name, publicKey: saved.publicKey.toString('hex'), secretKey: saved.secretKey.toString('hex'), target
  }, null, 2) + '\n')
  return saved
}

/** The saved key of `name`, or undefined; throws HS_KEY for a damaged or insecure file. */
export function loadHiddenKey (dataDir: string, name: string): HiddenServiceKey | undefined {
  checkServiceName(name)
  return readKey(hiddenKeyPath(dataDir, name))
}

/** Deletes the key file; false when there was none. */
export function deleteHiddenKey (dataDir: string, name: string): boolean {
  checkServiceName(name)
  const file = hiddenKeyPath(dataDir, name)
  if (!existsSync(file)) return false
  rmSync(file)
  return true
}

/** Every saved service (damaged files are reported, not fatal), sorted by name. */
export function listHiddenKeys (dataDir: string): Array<HiddenServiceKey | { name: string, error: string }> {
  let files: string[]
  try { files = readdirSync(join(dataDir, DIR)) } catch { return [] }
  const out: Array<HiddenServiceKey | { name: string, error: string }> = []
  for (const f of files.filter(n => n.endsWith('.json')).sort()) {
    const name = f.slice(0, -5)
    if (!NAME.test(name)) continue
    try {
      const k = readKey(join(dataDir, DIR, f))
      if (k !== undefined) out.push(k)
    } catch (err) {
      out.push({ name, error: (err as Error).message })
    }
  }
  return out
}

function readKey (file: string): HiddenServiceKey | undefined {
  return loadSecretFile(file, text => parseKey(file, text), {
    unreadable: reason => damaged(file, reason),
    insecure: (may, mode) => new TunnelError(TunnelErrorCode.HS_KEY,
      `the hidden-service key file ${file} holds the service's secret key, but other users may ${may} it ` +
      `(mode ${mode.toString(8)}). Run \`chmod 600 ${file}\` and try again`)
  })
}

function parseKey (file: string, text: string): HiddenServiceKey {
  let obj: unknown
  try { obj = JSON.parse(text) } catch { throw damaged(file, 'it is not valid JSON') }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw damaged(file, 'it is not a JSON object')
  const rec = obj as Record<string, unknown>
  if (rec.version !== VERSION) throw damaged(file, `"version" must be ${VERSION}`)
  if (typeof rec.name !== 'string' || !NAME.test(rec.name)) throw damaged(file, '"name" is missing or not valid')
  const hex = (k: string): Buffer => {
    const v = rec[k]
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/i.test(v)) throw damaged(file, `"${k}" must be 64 hex digits`)
    return Buffer.from(v, 'hex')
  }
  const publicKey = hex('publicKey')
  const secretKey = hex('secretKey')
  if (!(publicKeyFromSecret(secretKey)?.equals(publicKey) ?? false)) throw damaged(file, 'the public key does not belong to the secret key')
  const t = rec.target as Record<string, unknown> | undefined
  if (typeof t !== 'object' || t === null || typeof t.host !== 'string' || typeof t.port !== 'number') throw damaged(file, '"target" must be { "host", "port" }')
  const target = { host: t.host, port: t.port }
  try { checkTarget(target) } catch (err) { throw damaged(file, (err as Error).message) }
  return { name: rec.name, publicKey, secretKey, target }
}

function damaged (file: string, reason: string): Error {
  return new TunnelError(TunnelErrorCode.HS_KEY,
    `the hidden-service key file ${file} is damaged: ${reason}. Restore it from a backup, or remove it ` +
    '("tornet hidden remove NAME") and add the service again (a new key is a new address: update links to it)')
}
