import { describe, expect, it } from 'vitest'
import { extract, formatOf, snippetOf } from '../../../../src/node/services/search/extract.js'

const b = (s: string): Buffer => Buffer.from(s, 'utf8')

describe('extraction', () => {
  it('takes title, text and links from HTML, skipping scripts and styles', () => {
    const doc = extract(b('<html><head><title> The  Page </title><style>p{color:red}</style></head><body><h1>Head</h1><p>Hello <b>world</b></p><script>var secret=1</script><a href="/x.html">x</a><a href="http://other.tor-net/">o</a></body></html>'), 'html', 'f')
    expect(doc.title).toBe('The Page')
    expect(doc.text).toContain('Hello world')
    expect(doc.text).not.toContain('secret')
    expect(doc.text).not.toContain('color')
    expect(doc.links).toEqual(['/x.html', 'http://other.tor-net/'])
  })

  it('falls back to the first h1, then the file name, for a title', () => {
    expect(extract(b('<h1>Only heading</h1><p>text</p>'), 'html', 'f').title).toBe('Only heading')
    expect(extract(b('<p>text</p>'), 'html', 'name.html').title).toBe('name.html')
  })

  it('survives broken and deeply nested HTML', () => {
    expect(extract(b('<div>'.repeat(100_000) + 'deep'), 'html', 'f').text).toContain('deep')
    expect(extract(b('<p <<>>< a href=">\u0000\uFFFF'), 'html', 'f').title).toBe('f')
  })

  it('reads Markdown headings and links, and plain text', () => {
    const md = extract(b('Intro line\n# Big Title\nSome *text* with a [link](http://a.tor-net/p) here.\n```\ncode # not a heading\n```\n'), 'markdown', 'f')
    expect(md.title).toBe('Big Title')
    expect(md.text).toContain('Some text with a link here')
    expect(md.links).toEqual(['http://a.tor-net/p'])
    const txt = extract(b('\n\n-----\nFirst real line\nmore'), 'text', 'f')
    expect(txt.title).toBe('First real line')
  })

  it('knows its formats by extension, and cuts snippets at words', () => {
    expect(formatOf('a/b.HTML')).toBe('html')
    expect(formatOf('README.md')).toBe('markdown')
    expect(formatOf('notes.txt')).toBe('text')
    expect(formatOf('pic.png')).toBeUndefined()
    expect(formatOf('dir.html/file')).toBeUndefined()
    expect(snippetOf('one two three four', 9)).toBe('one two…')
  })
})
