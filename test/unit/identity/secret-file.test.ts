import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { othersMay, readSecretFile, writeSecretFile } from '../../../src/node/identity/secret-file.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

describe('secret files', () => {
  it('writes 0600 in a new 0700 directory, replaces atomically, reads back text and mode', () => {
    const base = mkdtempSync(join(tmpdir(), 'secret-file-'))
    dirs.push(base)
    const file = join(base, 'keys', 'k.json')
    expect(readSecretFile(file)).toBeUndefined()
    writeSecretFile(file, 'one')
    writeSecretFile(file, 'two')
    expect(statSync(join(base, 'keys')).mode & 0o777).toBe(0o700)
    const r = readSecretFile(file)
    expect(r?.text).toBe('two')
    expect((r?.mode ?? 0) & 0o777).toBe(0o600)
    expect(readdirSync(join(base, 'keys'))).toEqual(['k.json'])
    expect(() => readSecretFile(join(base, 'keys'))).toThrow() // a directory is not "absent"
  })

  it('says what others may do with a mode', () => {
    expect(othersMay(0o100600)).toBeUndefined()
    expect(othersMay(0o100400)).toBeUndefined()
    expect(othersMay(0o100640)).toBe('read')
    expect(othersMay(0o100604)).toBe('read')
    expect(othersMay(0o100620)).toBe('write')
  })
})
