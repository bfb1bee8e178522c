import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateMailKeys, loadMailKeys, mailKeysPath, mailboxIdOf, saveMailKeys } from '../../../../src/node/services/mail/mail-keys.js'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { isTornetError } from '../../../../src/node/errors.js'

const dirs: string[] = []
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })
const tmp = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'mail-keys-')); dirs.push(d); return d }

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (e) { return isTornetError(e) ? e.code : String(e) }
  return undefined
}

describe('mail keys', () => {
  it('generates distinct key pairs whose id is SHA-256 of the signing key', () => {
    const a = generateMailKeys()
    const b = generateMailKeys()
    expect(a.id.equals(sha256(a.signingKey))).toBe(true)
    expect(mailboxIdOf(a.signingKey).equals(a.id)).toBe(true)
    expect(a.signingKey.equals(b.signingKey)).toBe(false)
    expect(a.encryptionKey.equals(b.encryptionKey)).toBe(false)
    expect(a.encryptionKey.equals(a.signingKey)).toBe(false)
    for (const k of [a.signingKey, a.signingSecret, a.encryptionKey, a.encryptionSecret]) expect(k.length).toBe(32)
  })

  it('saves 0600 and loads the same keys; absent is undefined', async () => {
    const dir = await tmp()
    expect(await loadMailKeys(dir)).toBeUndefined()
    const keys = generateMailKeys()
    await saveMailKeys(dir, keys)
    const st = await stat(mailKeysPath(dir))
    expect(st.mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'mail'))).mode & 0o077).toBe(0)
    const loaded = await loadMailKeys(dir)
    expect(loaded).toBeDefined()
    for (const k of ['id', 'signingKey', 'signingSecret', 'encryptionKey', 'encryptionSecret'] as const) {
      expect(loaded?.[k].equals(keys[k])).toBe(true)
    }
    // Saving again replaces atomically (no temp files left behind).
    const other = generateMailKeys()
    await saveMailKeys(dir, other)
    expect((await loadMailKeys(dir))?.id.equals(other.id)).toBe(true)
    const { readdir } = await import('node:fs/promises')
    expect(await readdir(join(dir, 'mail'))).toEqual(['keys.json'])
  })

  it('refuses a file others may read, and damaged files', async () => {
    const dir = await tmp()
    await saveMailKeys(dir, generateMailKeys())
    const file = mailKeysPath(dir)
    await chmod(file, 0o644)
    expect(await codeOf(loadMailKeys(dir))).toBe('MAIL_KEY_INSECURE')
    await chmod(file, 0o600)
    const good = JSON.parse(await readFile(file, 'utf8'))
    const variants: unknown[] = [
      'not json',
      { ...good, version: 2 },
      { ...good, signingKey: generateMailKeys().signingKey.toString('hex') },
      { ...good, encryptionKey: generateMailKeys().encryptionKey.toString('hex') },
      { ...good, encryptionSecret: 'zz' },
      [1, 2]
    ]
    for (const v of variants) {
      await writeFile(file, typeof v === 'string' ? v : JSON.stringify(v), { mode: 0o600 })
      expect(await codeOf(loadMailKeys(dir))).toBe('MAIL_KEY_CORRUPT')
    }
  })
})
