import { describe, expect, it } from 'vitest'
import { DASHBOARD_ERRORS } from '../../../../src/gateway/apps/dashboard/errors.js'
import { UploadPathSet, uploadPath } from '../../../../src/gateway/apps/dashboard/upload-path.js'

function codeOf (run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('uploadPath', () => {
  it('keeps a file’s name, and drops a chosen folder’s own name', () => {
    expect(uploadPath('index.html', false)).toBe('index.html')
    expect(uploadPath('site/index.html', true)).toBe('index.html')
    expect(uploadPath('site/css/main.css', true)).toBe('css/main.css')
    expect(uploadPath('lonely.txt', true)).toBe('lonely.txt') // nothing to strip
    expect(uploadPath('a/b.txt', false)).toBe('a/b.txt')
  })

  it('drops empty and "." segments and normalises to NFC', () => {
    expect(uploadPath('/a//./b/', false)).toBe('a/b')
    expect(uploadPath('cafe\u0301.html', false)).toBe('caf\u00e9.html')
  })

  it('refuses "..", control characters, empty and over-long names', () => {
    for (const name of ['../etc/passwd', 'a/../../b', 'a\u0000b', 'line\nbreak', '', '/', './.', 'x'.repeat(256), `${'d/'.repeat(40)}f`, `${'abcdefgh/'.repeat(120)}f`]) {
      expect(codeOf(() => uploadPath(name, false)), JSON.stringify(name.slice(0, 20))).toBe(DASHBOARD_ERRORS.badPath)
    }
  })
})

describe('UploadPathSet', () => {
  it('refuses a path twice, and a path that is both a file and a folder', () => {
    const set = new UploadPathSet()
    set.add('a/b.txt')
    set.add('a/c.txt')
    expect(codeOf(() => set.add('a/b.txt'))).toBe(DASHBOARD_ERRORS.duplicatePath)
    expect(codeOf(() => set.add('a'))).toBe(DASHBOARD_ERRORS.duplicatePath)
    set.add('f')
    expect(codeOf(() => set.add('f/g'))).toBe(DASHBOARD_ERRORS.duplicatePath)
    expect(set.size).toBe(3)
  })
})
