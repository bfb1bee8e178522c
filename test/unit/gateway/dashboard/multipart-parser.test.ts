import { describe, expect, it } from 'vitest'
import { DASHBOARD_ERRORS } from '../../../../src/gateway/apps/dashboard/errors.js'
import { MultipartParser, type MultipartEvent, type MultipartLimits } from '../../../../src/gateway/apps/dashboard/multipart-parser.js'

const B = 'XyZ-boundary-42'

interface Part { headers: Record<string, string>, body: Buffer }

function body (parts: Array<{ headers: string[], body: Buffer | string }>, opts: { preamble?: string, epilogue?: string, padding?: string } = {}): Buffer {
  const out: Buffer[] = [Buffer.from(opts.preamble ?? '')]
  for (const [i, p] of parts.entries()) {
    out.push(Buffer.from(`${i === 0 && opts.preamble === undefined ? '' : '\r\n'}--${B}${opts.padding ?? ''}\r\n${p.headers.map(h => `${h}\r\n`).join('')}\r\n`))
    out.push(Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body))
  }
  out.push(Buffer.from(`\r\n--${B}--${opts.epilogue ?? ''}`))
  return Buffer.concat(out)
}

/** Runs the parser over `chunks`, collecting parts; returns them, or the error code thrown. */
function parse (chunks: Buffer[], limits: Partial<MultipartLimits> = {}): { parts: Part[], ended: boolean } {
  const parser = new MultipartParser(B, limits)
  const parts: Part[] = []
  let ended = false
  let current: Buffer[] = []
  const take = (events: MultipartEvent[]): void => {
    for (const e of events) {
      if (e.type === 'part') {
        parts.push({ headers: Object.fromEntries(e.headers), body: Buffer.alloc(0) })
        current = []
      } else if (e.type === 'data') {
        current.push(Buffer.from(e.bytes))
      } else if (e.type === 'part-end') {
        parts[parts.length - 1]!.body = Buffer.concat(current)
      } else {
        ended = true
      }
    }
  }
  for (const c of chunks) take(parser.push(c))
  parser.finish()
  return { parts, ended }
}

function codeOf (run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

// Bodies that look like the delimiter's start, to catch partial-match bugs.
const tricky = Buffer.concat([
  Buffer.from('line one\r\nline two\r\n-'),
  Buffer.from(`\r\n--${B.slice(0, 5)}`),
  Buffer.from('\r\r\n\r\n--'),
  Buffer.from([0, 255, 13, 10, 45, 45, 13]),
  Buffer.from(`--${B}`) // a boundary not preceded by CRLF is data
])

const sample = body([
  { headers: ['Content-Disposition: form-data; name="title"'], body: 'Hello' },
  { headers: ['Content-Disposition: form-data; name="files"; filename="a.bin"', 'Content-Type: application/octet-stream'], body: tricky },
  { headers: ['Content-Disposition: form-data; name="files"; filename="empty.txt"'], body: '' },
  { headers: ['Content-Disposition: form-data; name="files"; filename="b.txt"'], body: 'bee\r\n' }
])

function expectSample (parts: Part[]): void {
  expect(parts.map(p => p.headers['content-disposition'])).toEqual([
    'form-data; name="title"',
    'form-data; name="files"; filename="a.bin"',
    'form-data; name="files"; filename="empty.txt"',
    'form-data; name="files"; filename="b.txt"'
  ])
  expect(parts[1]!.headers['content-type']).toBe('application/octet-stream')
  expect(parts.map(p => p.body.toString('latin1'))).toEqual(['Hello', tricky.toString('latin1'), '', 'bee\r\n'])
}

describe('MultipartParser', () => {
  it('parses fields and files, fed whole', () => {
    const { parts, ended } = parse([sample])
    expect(ended).toBe(true)
    expectSample(parts)
  })

  it('gives the same parts when the body is split in two at every offset', () => {
    for (let cut = 0; cut <= sample.length; cut++) {
      const { parts } = parse([sample.subarray(0, cut), sample.subarray(cut)])
      expectSample(parts)
    }
  })

  it('gives the same parts when fed one byte at a time, and in three pieces at many offsets', () => {
    expectSample(parse([...sample].map(b => Buffer.of(b))).parts)
    for (let a = 0; a < sample.length; a += 7) {
      for (let b = a; b <= sample.length; b += 5) {
        expectSample(parse([sample.subarray(0, a), sample.subarray(a, b), sample.subarray(b)]).parts)
      }
    }
  })

  it('holds back no more than a delimiter’s length of a large body', () => {
    const parser = new MultipartParser(B)
    const head = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n`)
    parser.push(head)
    let emitted = 0
    const chunk = Buffer.alloc(64 * 1024, 0x41)
    for (let i = 0; i < 16; i++) {
      for (const e of parser.push(chunk)) if (e.type === 'data') emitted += e.bytes.length
    }
    expect(emitted).toBe(16 * chunk.length) // no CR in the data: nothing is held back
  })

  it('ignores a preamble, an epilogue and padding after boundaries', () => {
    const b = body([{ headers: ['Content-Disposition: form-data; name="a"'], body: 'x' }], { preamble: 'This is a preamble.', epilogue: '\r\nbye', padding: ' \t ' })
    const { parts, ended } = parse([b])
    expect(ended).toBe(true)
    expect(parts.map(p => p.body.toString())).toEqual(['x'])
  })

  it('accepts a part with no headers (the reader then refuses it)', () => {
    const b = Buffer.from(`--${B}\r\n\r\nxyz\r\n--${B}--`)
    const { parts } = parse([b])
    expect(parts).toEqual([{ headers: {}, body: Buffer.from('xyz') }])
  })

  it('refuses a body without its boundary', () => {
    expect(codeOf(() => parse([Buffer.from('just some text, no multipart here')]))).toBe(DASHBOARD_ERRORS.malformed)
    expect(codeOf(() => parse([Buffer.alloc(0)]))).toBe(DASHBOARD_ERRORS.malformed)
    const other = Buffer.from('--another-boundary\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--another-boundary--')
    expect(codeOf(() => parse([other]))).toBe(DASHBOARD_ERRORS.malformed)
    // A long body without the boundary fails as soon as the preamble bound is passed, not at the end.
    const parser = new MultipartParser(B, { maxPreambleBytes: 100 })
    expect(codeOf(() => parser.push(Buffer.alloc(200, 0x61)))).toBe(DASHBOARD_ERRORS.malformed)
  })

  it('refuses a truncated body at every cut', () => {
    const boundaryLine = `--${B}`.length
    for (let cut = 0; cut < sample.length; cut++) {
      const code = codeOf(() => parse([sample.subarray(0, cut)]))
      // Before the first boundary is complete there is no multipart at all; after it, the body is cut short
      // (down to a close delimiter missing its last "-").
      expect(code, `cut ${cut}`).toBe(cut < boundaryLine ? DASHBOARD_ERRORS.malformed : DASHBOARD_ERRORS.truncated)
    }
  })

  it('refuses bytes after a boundary that are neither "--" nor a line end', () => {
    const b = Buffer.from(`--${B}X\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--${B}--`)
    expect(codeOf(() => parse([b]))).toBe(DASHBOARD_ERRORS.malformed)
  })

  it('enforces the total size bound while streaming', () => {
    const parser = new MultipartParser(B, { maxTotalBytes: 1000 })
    parser.push(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n`))
    expect(codeOf(() => parser.push(Buffer.alloc(2000)))).toBe(DASHBOARD_ERRORS.tooLarge)
    // and stays failed
    expect(codeOf(() => parser.push(Buffer.alloc(1)))).toBe(DASHBOARD_ERRORS.tooLarge)
    expect(codeOf(() => parser.finish())).toBe(DASHBOARD_ERRORS.tooLarge)
  })

  it('enforces the part count and header size bounds', () => {
    const many = body(Array.from({ length: 5 }, (_, i) => ({ headers: [`Content-Disposition: form-data; name="f${i}"`], body: 'x' })))
    expect(parse([many], { maxParts: 5 }).parts).toHaveLength(5)
    expect(codeOf(() => parse([many], { maxParts: 4 }))).toBe(DASHBOARD_ERRORS.tooManyParts)

    const longHeader = body([{ headers: [`Content-Disposition: form-data; name="${'n'.repeat(500)}"`], body: 'x' }])
    expect(codeOf(() => parse([longHeader], { maxHeaderBytes: 200 }))).toBe(DASHBOARD_ERRORS.headerTooLarge)
    // fails while the header is still arriving, without waiting for its end
    const parser = new MultipartParser(B, { maxHeaderBytes: 200 })
    expect(codeOf(() => parser.push(Buffer.from(`--${B}\r\nX-Long: ${'y'.repeat(300)}`)))).toBe(DASHBOARD_ERRORS.headerTooLarge)
  })

  it('refuses malformed header lines', () => {
    const folded = Buffer.from(`--${B}\r\nContent-Disposition: form-data;\r\n name="a"\r\n\r\nx\r\n--${B}--`)
    expect(codeOf(() => parse([folded]))).toBe(DASHBOARD_ERRORS.malformed)
    const noColon = Buffer.from(`--${B}\r\nContent-Disposition form-data\r\n\r\nx\r\n--${B}--`)
    expect(codeOf(() => parse([noColon]))).toBe(DASHBOARD_ERRORS.malformed)
  })
})
