import { describe, expect, it } from 'vitest'
import { TornetError } from '../../../src/node/errors.js'
import { storeErrorFrom } from '../../../src/node/store/errors.js'

function errno (code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('storeErrorFrom', () => {
  it('maps engine and file-system failures to codes that say what to do', () => {
    const cases: Array<[unknown, string]> = [
      [new Error('MDB_MAP_FULL: Environment mapsize limit reached'), 'STORE_FULL'],
      [errno('ENOSPC', 'no space left on device, write'), 'STORE_FULL'],
      [errno('EACCES', 'permission denied, mkdir'), 'STORE_ACCESS'],
      [errno('ENOTDIR', 'not a directory, mkdir'), 'STORE_ACCESS'],
      [new Error('MDB_INVALID: File is not an LMDB file'), 'STORE_CORRUPT'],
      [new Error('MDB_VERSION_MISMATCH: Database environment version mismatch'), 'STORE_CORRUPT'],
      [new Error('something else'), 'STORE_IO'],
      ['a string', 'STORE_IO']
    ]
    for (const [err, code] of cases) {
      const mapped = storeErrorFrom(err, '/data', 'testing')
      expect(mapped.code).toBe(code)
      expect(mapped.message).toContain('/data')
      expect(mapped.cause).toBe(err)
    }
  })

  it('passes TornetErrors through unchanged', () => {
    const e = new TornetError('STORE_LOCKED', 'x')
    expect(storeErrorFrom(e, '/d', 'y')).toBe(e)
  })
})
