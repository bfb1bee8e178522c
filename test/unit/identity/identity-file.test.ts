import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../src/node/errors.js'
import { IdentityErrorCode } from '../../../src/node/identity/errors.js'
import { generateIdentity, identityFromKeys, type Identity } from '../../../src/node/identity/identity.js'
import { identityPath, loadIdentity, saveIdentity } from '../../../src/node/identity/identity-file.js'

let root: string
beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'tornet-idfile-')) })
afterEach(() => { rmSync(root, { recursive: true, force: true }) })

function expectCorrupt (dataDir: string): void {
  let err: unknown
  try {
    loadIdentity(dataDir)
  } catch (e) {
    err = e
  }
  expect(isTornetError(err, IdentityErrorCode.CORRUPT), `expected IDENTITY_CORRUPT, got ${String(err)}`).toBe(true)
}

function fileOf (identity: Identity): Record<string, unknown> {
  return {
    version: 1,
    id: identity.id.toString('hex'),
    rank: identity.rank,
    publicKey: identity.publicKey.toString('hex'),
    secretKey: identity.secretKey.toString('hex'),
    nonce: identity.nonce.toString('hex')
  }
}

describe('identity file', () => {
  it('round-trips an identity', () => {
    const dir = join(root, 'data')
    const keys = generateIdentity()
    const saved = identityFromKeys(keys.secretKey, keys.publicKey, Buffer.from('0102030405060708', 'hex'))
    saveIdentity(dir, saved)
    const loaded = loadIdentity(dir)
    expect(loaded).toBeDefined()
    expect(loaded?.publicKey.equals(saved.publicKey)).toBe(true)
    expect(loaded?.secretKey.equals(saved.secretKey)).toBe(true)
    expect(loaded?.nonce.equals(saved.nonce)).toBe(true)
    expect(loaded?.id.equals(saved.id)).toBe(true)
    expect(loaded?.rank).toBe(saved.rank)
  })

  it('writes the file 0600 in a new 0700 directory and leaves no temp file', () => {
    const dir = join(root, 'nested', 'data')
    saveIdentity(dir, generateIdentity())
    expect(statSync(identityPath(dir)).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(readdirSync(dir)).toEqual(['identity.json'])
  })

  it('replaces an existing file', () => {
    const first = generateIdentity()
    const second = generateIdentity()
    saveIdentity(root, first)
    saveIdentity(root, second)
    expect(loadIdentity(root)?.id.equals(second.id)).toBe(true)
    expect(statSync(identityPath(root)).mode & 0o777).toBe(0o600)
  })

  it('returns undefined when there is no identity', () => {
    expect(loadIdentity(join(root, 'nothing-here'))).toBeUndefined()
  })

  it('stores hex fields a human can read', () => {
    const identity = generateIdentity()
    saveIdentity(root, identity)
    const json = JSON.parse(readFileSync(identityPath(root), 'utf8')) as Record<string, unknown>
    expect(json).toEqual(fileOf(identity))
  })

  const good = generateIdentity()
  const other = generateIdentity()
  const cases: Array<[string, string]> = [
    ['not JSON', '{"version": 1, "id": '],
    ['empty file', ''],
    ['a JSON array', '[]'],
    ['null', 'null'],
    ['wrong version', JSON.stringify({ ...fileOf(good), version: 2 })],
    ['unknown field', JSON.stringify({ ...fileOf(good), extra: 1 })],
    ['missing nonce', JSON.stringify({ ...fileOf(good), nonce: undefined })],
    ['short public key', JSON.stringify({ ...fileOf(good), publicKey: good.publicKey.toString('hex').slice(2) })],
    ['non-hex secret', JSON.stringify({ ...fileOf(good), secretKey: 'zz' + good.secretKey.toString('hex').slice(2) })],
    ['numeric nonce', JSON.stringify({ ...fileOf(good), nonce: 0 })],
    ['id not the hash of the key', JSON.stringify({ ...fileOf(good), id: other.id.toString('hex') })],
    ['secret of another key', JSON.stringify({ ...fileOf(good), secretKey: other.secretKey.toString('hex') })],
    ['rank that the nonce does not prove', JSON.stringify({ ...fileOf(good), rank: good.rank + 1 })],
    ['rank as a string', JSON.stringify({ ...fileOf(good), rank: String(good.rank) })]
  ]
  it.each(cases)('rejects a file with %s as IDENTITY_CORRUPT', (_name, text) => {
    writeFileSync(identityPath(root), text)
    expectCorrupt(root)
  })

  it('rejects an unreadable identity path as IDENTITY_CORRUPT', () => {
    mkdirSync(identityPath(root))
    expectCorrupt(root)
  })
})

// Issue 12, item 13e: identity.json holds the node's secret key; another local user who can read it can be this node.
describe.skipIf(process.platform === 'win32')('identity file permissions', () => {
  function loadError (dataDir: string): { code?: string, message: string } | undefined {
    try {
      loadIdentity(dataDir)
      return undefined
    } catch (err) {
      return { code: (err as { code?: string }).code, message: (err as Error).message }
    }
  }

  it.each(['640', '644', '604', '660', '606', '620', '602'])('refuses a file with mode %s, saying chmod 600 <path>', (octal) => {
    const mode = parseInt(octal, 8)
    const keys = generateIdentity()
    const identity = identityFromKeys(keys.secretKey, keys.publicKey, Buffer.alloc(8))
    saveIdentity(root, identity)
    chmodSync(identityPath(root), mode)
    const err = loadError(root)
    expect(err, 'loaded without complaint').toBeDefined()
    expect(err?.code).toBe(IdentityErrorCode.INSECURE)
    expect(err?.message).toContain(`chmod 600 ${identityPath(root)}`)
    expect(err?.message).not.toContain(identity.secretKey.toString('hex'))
  })

  it('loads a file with mode 600 or 400, as saveIdentity writes it', () => {
    const keys = generateIdentity()
    const identity = identityFromKeys(keys.secretKey, keys.publicKey, Buffer.alloc(8))
    saveIdentity(root, identity)
    expect(statSync(identityPath(root)).mode & 0o777).toBe(0o600)
    expect(loadIdentity(root)?.id.equals(identity.id)).toBe(true)
    chmodSync(identityPath(root), 0o400)
    expect(loadIdentity(root)?.id.equals(identity.id)).toBe(true)
  })
})
