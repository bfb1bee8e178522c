import { describe, expect, it } from 'vitest'
import { renderListing, sortEntries } from '../../../../src/gateway/apps/directory-listing.js'

describe('directory listing', () => {
  it('escapes names in text and links, and keeps scheme-like names relative', () => {
    const html = renderListing({
      host: 'site.tor-net',
      pathname: '/docs/',
      entries: [{ name: '<img src=x onerror=alert(1)>', kind: 'file', size: 3 }, { name: 'javascript:alert(1)', kind: 'file', size: 1 },
        { name: 'a "quoted" & odd', kind: 'directory', size: 0 }],
      truncated: false
    })
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('href="./javascript%3Aalert(1)"')
    expect(html).toContain('href="./a%20%22quoted%22%20%26%20odd/"')
    expect(html).toContain('href="../"')
  })

  it('has no parent link at the root and says when entries were left out', () => {
    const html = renderListing({ host: 'h.bit', pathname: '/', entries: [], truncated: true })
    expect(html).not.toContain('href="../"')
    expect(html).toContain('more entries')
  })

  it('lists directories first, then names in order', () => {
    const sorted = sortEntries([
      { name: 'b', kind: 'file', size: 1 }, { name: 'z', kind: 'directory', size: 0 }, { name: 'a', kind: 'file', size: 1 }
    ])
    expect(sorted.map(e => e.name)).toEqual(['z', 'a', 'b'])
  })
})
