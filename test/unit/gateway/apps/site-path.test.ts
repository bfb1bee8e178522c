import { describe, expect, it } from 'vitest'
import { GATEWAY_ERRORS } from '../../../../src/gateway/errors.js'
import { joinPath, sitePath } from '../../../../src/gateway/apps/site-path.js'

describe('sitePath', () => {
  it('turns URL paths into relative content paths', () => {
    expect(sitePath('/')).toEqual({ path: '', name: '', trailingSlash: true })
    expect(sitePath('/a/b.txt')).toEqual({ path: 'a/b.txt', name: 'b.txt', trailingSlash: false })
    expect(sitePath('/docs/')).toEqual({ path: 'docs', name: 'docs', trailingSlash: true })
    expect(sitePath('/%C3%BC%20x.txt').path).toBe('ü x.txt')
  })

  it('prefixes the path a name record points at', () => {
    expect(sitePath('/readme.txt', 'docs').path).toBe('docs/readme.txt')
    expect(sitePath('/', '/docs/sub/').path).toBe('docs/sub')
  })

  it('refuses encoded separators, dot segments, NUL and broken encoding', () => {
    for (const bad of ['/a%2Fb', '/a%5Cb', '/%2E%2E/x', '/%2e', '/a%00b', '/%E0%A4%A']) {
      expect(() => sitePath(bad), bad).toThrow(expect.objectContaining({ code: GATEWAY_ERRORS.badRequest }))
    }
  })

  it('joins paths', () => {
    expect(joinPath('', 'index.html')).toBe('index.html')
    expect(joinPath('a', 'index.html')).toBe('a/index.html')
  })
})
