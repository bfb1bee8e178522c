import { describe, expect, it } from 'vitest'
import { parseContentAddress } from '../../../src/cli/content-address.js'
import { CliErrorCode } from '../../../src/cli/errors.js'
import { formatReference } from '../../../src/node/index.js'
import { isTornetError } from '../../../src/node/errors.js'

const ref = formatReference({ id: Buffer.alloc(32, 1), key: Buffer.alloc(32, 2) })

function usage (text: string): void {
  let err: unknown
  try { parseContentAddress(text) } catch (e) { err = e }
  expect(isTornetError(err, CliErrorCode.USAGE), `${text}: ${String(err)}`).toBe(true)
}

describe('parseContentAddress', () => {
  it('accepts every written form of a reference with a path', () => {
    for (const text of [`http://${ref}.tor-net/a/b.txt`, `HTTP://${ref.toUpperCase()}.TOR-NET/a/b.txt`, `${ref}.tor-net/a/b.txt`, `${ref}/a/b.txt`, `${ref}.tor-net./a//b.txt?x=1#top`]) {
      expect(parseContentAddress(text)).toEqual({ host: `${ref}.tor-net`, path: 'a/b.txt', isReference: true })
    }
  })

  it('takes the root when there is no path', () => {
    expect(parseContentAddress(`http://${ref}.tor-net/`).path).toBe('')
    expect(parseContentAddress(ref).path).toBe('')
  })

  it('percent-decodes path segments', () => {
    expect(parseContentAddress(`${ref}/caf%C3%A9/a%20b.txt`).path).toBe('café/a b.txt')
  })

  it('keeps names for the resolver', () => {
    expect(parseContentAddress('http://My-Site.tor-net/x')).toEqual({ host: 'my-site.tor-net', path: 'x', isReference: false })
    expect(parseContentAddress('example.bit/x')).toEqual({ host: 'example.bit', path: 'x', isReference: false })
  })

  it('refuses what names no content', () => {
    usage('')
    usage('ftp://x.tor-net/')
    usage('mysite/x') // a bare name: ambiguous, must say .tor-net
    usage(`${ref.slice(0, -1)}/x`) // a damaged reference
    usage(`${ref}/a/%2e%2e/b`) // ".." in disguise
    usage(`${ref}/a%2Fb`) // "/" in a segment
    usage(`${ref}/%E0%A4%A`) // bad percent-encoding
  })
})
