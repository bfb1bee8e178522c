import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bridgePasswordPath, loadOrCreateBridgePassword, passwordMatches } from '../../../../src/gateway/mail-bridge/bridge-password.js'
import { MailBridgeErrorCode } from '../../../../src/gateway/mail-bridge/errors.js'
import { UidStore } from '../../../../src/gateway/mail-bridge/imap/uid-store.js'
import { bridgeFile } from '../../../../src/gateway/mail-bridge/private-file.js'

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tornet-bridge-files-')) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

describe('bridge password', () => {
  it('is made once and read back the same', () => {
    const a = loadOrCreateBridgePassword(dir)
    expect(loadOrCreateBridgePassword(dir)).toBe(a)
    expect(passwordMatches(a, a)).toBe(true)
    expect(passwordMatches(a + 'x', a)).toBe(false)
    expect(passwordMatches('', a)).toBe(false)
  })

  it('refuses a file others may read, and one that holds no password', () => {
    loadOrCreateBridgePassword(dir)
    chmodSync(bridgePasswordPath(dir), 0o644)
    expect(() => loadOrCreateBridgePassword(dir)).toThrow(expect.objectContaining({ code: MailBridgeErrorCode.PASSWORD_INSECURE }))
    writeFileSync(bridgePasswordPath(dir), 'short\n', { mode: 0o600 })
    chmodSync(bridgePasswordPath(dir), 0o600)
    expect(() => loadOrCreateBridgePassword(dir)).toThrow(expect.objectContaining({ code: MailBridgeErrorCode.PASSWORD_CORRUPT }))
  })
})

describe('UidStore', () => {
  it('gives growing UIDs, forgets ids gone, never reuses a UID, and keeps all of it across a reopen', async () => {
    const a = UidStore.open(dir)
    expect(await a.sync('inbox', ['m1', 'm2'])).toEqual([{ id: 'm1', uid: 1 }, { id: 'm2', uid: 2 }])
    expect(await a.sync('inbox', ['m2', 'm3'])).toEqual([{ id: 'm2', uid: 2 }, { id: 'm3', uid: 3 }])
    // m1 comes back (moved out and in again): a new UID, after the others.
    expect(await a.sync('inbox', ['m1', 'm2', 'm3'])).toEqual([{ id: 'm2', uid: 2 }, { id: 'm3', uid: 3 }, { id: 'm1', uid: 4 }])
    expect(await a.sync('trash', ['m9'])).toEqual([{ id: 'm9', uid: 1 }])
    const validity = a.validity('inbox')
    const b = UidStore.open(dir)
    expect(b.validity('inbox')).toBe(validity)
    expect(b.next('inbox')).toBe(5)
    expect(await b.sync('inbox', ['m3', 'm1', 'm2'])).toEqual([{ id: 'm2', uid: 2 }, { id: 'm3', uid: 3 }, { id: 'm1', uid: 4 }])
  })

  it('refuses a damaged file with a code saying what to do', () => {
    const file = bridgeFile(dir, 'uids.json')
    UidStore.open(dir).validity('inbox')
    for (const text of ['not json', '{"version":2,"folders":{}}', '{"version":1,"folders":{"inbox":{"validity":1,"next":2,"uids":{"a":5}}}}', '{"version":1,"folders":{"inbox":{"validity":0,"next":1,"uids":{}}}}']) {
      writeFileSync(file, text)
      expect(() => UidStore.open(dir), text).toThrow(expect.objectContaining({ code: MailBridgeErrorCode.UID_STATE_CORRUPT }))
    }
  })
})
