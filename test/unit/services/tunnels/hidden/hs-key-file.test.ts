import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../../src/node/errors.js'
import { TunnelErrorCode } from '../../../../../src/node/services/tunnels/errors.js'
import {
  deleteHiddenKey, hiddenKeyPath, listHiddenKeys, loadHiddenKey, loadOrCreateHiddenKey
} from '../../../../../src/node/services/tunnels/hidden/hs-key-file.js'

const dirs: string[] = []
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'hs-key-')); dirs.push(d); return d }
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

describe('hidden-service key file', () => {
  it('is made once (0600), then loaded with the same key; a new target is saved with it', () => {
    const dir = tmp()
    const a = loadOrCreateHiddenKey(dir, 'guestbook', { host: '127.0.0.1', port: 8080 })
    expect(statSync(hiddenKeyPath(dir, 'guestbook')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'hidden')).mode & 0o777).toBe(0o700)
    const b = loadOrCreateHiddenKey(dir, 'guestbook', { host: '127.0.0.1', port: 8080 })
    expect(b.publicKey).toEqual(a.publicKey)
    const c = loadOrCreateHiddenKey(dir, 'guestbook', { host: '127.0.0.1', port: 9090 })
    expect(c.publicKey).toEqual(a.publicKey)
    expect(loadHiddenKey(dir, 'guestbook')?.target).toEqual({ host: '127.0.0.1', port: 9090 })
    expect(listHiddenKeys(dir).map(k => k.name)).toEqual(['guestbook'])
    expect(deleteHiddenKey(dir, 'guestbook')).toBe(true)
    expect(deleteHiddenKey(dir, 'guestbook')).toBe(false)
    expect(loadHiddenKey(dir, 'guestbook')).toBeUndefined()
  })

  it('refuses a file others may read, a damaged one, and a key pair that does not match', () => {
    const dir = tmp()
    loadOrCreateHiddenKey(dir, 'site', { host: '127.0.0.1', port: 80 })
    const file = hiddenKeyPath(dir, 'site')
    chmodSync(file, 0o644)
    expect(code(() => loadHiddenKey(dir, 'site'))).toBe(TunnelErrorCode.HS_KEY)
    chmodSync(file, 0o600)
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    writeFileSync(file, JSON.stringify({ ...saved, publicKey: 'ab'.repeat(32) }), { mode: 0o600 })
    expect(code(() => loadHiddenKey(dir, 'site'))).toBe(TunnelErrorCode.HS_KEY)
    writeFileSync(file, '{not json', { mode: 0o600 })
    expect(code(() => loadHiddenKey(dir, 'site'))).toBe(TunnelErrorCode.HS_KEY)
    expect(listHiddenKeys(dir)).toEqual([expect.objectContaining({ name: 'site', error: expect.stringContaining('damaged') })])
  })

  it('forwards to loopback only, and takes names that are valid NAME.tor-net labels', () => {
    const dir = tmp()
    expect(code(() => loadOrCreateHiddenKey(dir, 'x', { host: '10.0.0.1', port: 80 }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(code(() => loadOrCreateHiddenKey(dir, 'x', { host: '127.0.0.1', port: 0 }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(code(() => loadOrCreateHiddenKey(dir, '../etc', { host: '127.0.0.1', port: 80 }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(code(() => loadOrCreateHiddenKey(dir, 'Bad_Name', { host: '127.0.0.1', port: 80 }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(loadOrCreateHiddenKey(dir, 'ok-1', { host: '::1', port: 80 }).target.host).toBe('::1')
  })
})
