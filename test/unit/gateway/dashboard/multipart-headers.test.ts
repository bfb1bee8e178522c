import { describe, expect, it } from 'vitest'
import { DASHBOARD_ERRORS } from '../../../../src/gateway/apps/dashboard/errors.js'
import { boundaryOf, formDispositionOf, parseHeaderValue } from '../../../../src/gateway/apps/dashboard/multipart-headers.js'

function codeOf (run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('boundaryOf', () => {
  it('reads plain and quoted boundaries', () => {
    expect(boundaryOf('multipart/form-data; boundary=----WebKitFormBoundaryAbC123')).toBe('----WebKitFormBoundaryAbC123')
    expect(boundaryOf('Multipart/Form-Data;boundary="a b:c"')).toBe('a b:c')
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary=x')).toBe('x')
  })

  it('refuses other types and missing or invalid boundaries', () => {
    for (const ct of [undefined, '', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=',
      'multipart/form-data; boundary="unclosed', `multipart/form-data; boundary=${'x'.repeat(71)}`, 'multipart/form-data; boundary="ends in space "',
      'multipart/mixed; boundary=x', 'multipart/form-data; boundary=a;b']) {
      expect(codeOf(() => boundaryOf(ct)), String(ct)).toBe(DASHBOARD_ERRORS.notMultipart)
    }
  })
})

describe('parseHeaderValue', () => {
  it('keeps semicolons inside quotes and treats backslashes literally, as browsers send them', () => {
    const v = parseHeaderValue('form-data; name="a;b"; filename="C:\\dir\\x.txt"')
    expect(v?.value).toBe('form-data')
    expect(v?.params.get('name')).toBe('a;b')
    expect(v?.params.get('filename')).toBe('C:\\dir\\x.txt')
  })

  it('refuses a repeated parameter and junk after a quoted value', () => {
    expect(parseHeaderValue('form-data; name="a"; name="b"')).toBeUndefined()
    expect(parseHeaderValue('form-data; name="a"x')).toBeUndefined()
    expect(parseHeaderValue('form-data; name')).toBeUndefined()
  })
})

describe('formDispositionOf', () => {
  it('reads the field name and the file name, undoing the form encoding of " CR LF', () => {
    const d = formDispositionOf(new Map([['content-disposition', 'form-data; name="files"; filename="say %22hi%22%0A.txt"']]))
    expect(d).toEqual({ name: 'files', filename: 'say "hi"\n.txt' })
    expect(formDispositionOf(new Map([['content-disposition', 'form-data; name="t"']]))).toEqual({ name: 't' })
    expect(formDispositionOf(new Map([['content-disposition', 'form-data; name="f"; filename=""']]))).toEqual({ name: 'f', filename: '' })
    // other percent sequences are literal
    expect(formDispositionOf(new Map([['content-disposition', 'form-data; name="f"; filename="100%25.txt"']])).filename).toBe('100%25.txt')
  })

  it('refuses parts without a form-data disposition or a name', () => {
    expect(codeOf(() => formDispositionOf(new Map()))).toBe(DASHBOARD_ERRORS.malformed)
    expect(codeOf(() => formDispositionOf(new Map([['content-disposition', 'attachment; name="a"']])))).toBe(DASHBOARD_ERRORS.malformed)
    expect(codeOf(() => formDispositionOf(new Map([['content-disposition', 'form-data; filename="a"']])))).toBe(DASHBOARD_ERRORS.malformed)
  })
})
