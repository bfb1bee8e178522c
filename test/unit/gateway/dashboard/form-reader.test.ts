import { describe, expect, it } from 'vitest'
import { DASHBOARD_ERRORS } from '../../../../src/gateway/apps/dashboard/errors.js'
import { FormReader } from '../../../../src/gateway/apps/dashboard/form-reader.js'

const B = 'bnd'

function form (parts: Array<{ name: string, filename?: string, body: string }>): Buffer {
  return Buffer.from(parts.map(p => `--${B}\r\nContent-Disposition: form-data; name="${p.name}"` +
    `${p.filename === undefined ? '' : `; filename="${p.filename}"`}\r\n\r\n${p.body}\r\n`).join('') + `--${B}--\r\n`)
}

/** An iterator over `bytes` in `size`-byte chunks that records whether return() was called. */
function chunked (bytes: Buffer, size: number): AsyncIterator<Uint8Array> & { returned: boolean, pulls: number } {
  let offset = 0
  const it = {
    returned: false,
    pulls: 0,
    async next (): Promise<IteratorResult<Uint8Array>> {
      it.pulls++
      if (offset >= bytes.length) return { done: true, value: undefined }
      const chunk = bytes.subarray(offset, offset + size)
      offset += size
      return { done: false, value: chunk }
    },
    async return (): Promise<IteratorResult<Uint8Array>> {
      it.returned = true
      return { done: true, value: undefined }
    }
  }
  return it
}

async function codeOf (run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('FormReader', () => {
  const sample = form([
    { name: 'title', body: 'Hi' },
    { name: 'files', filename: 'a.txt', body: 'alpha' },
    { name: 'files', filename: 'b.txt', body: 'bravo' }
  ])

  it('yields fields and files in order with their bodies', async () => {
    for (const size of [1, 3, 16, 4096]) {
      const reader = new FormReader(chunked(sample, size), B)
      const seen: string[] = []
      for await (const part of reader.parts()) seen.push(`${part.name}:${part.filename ?? '-'}=${await part.text(100)}`)
      expect(seen).toEqual(['title:-=Hi', 'files:a.txt=alpha', 'files:b.txt=bravo'])
      expect(reader.ended).toBe(true)
    }
  })

  it('skips the parts whose body is not read', async () => {
    const reader = new FormReader(chunked(sample, 5), B)
    const names: string[] = []
    for await (const part of reader.parts()) names.push(part.filename ?? part.name)
    expect(names).toEqual(['title', 'a.txt', 'b.txt'])
  })

  it('pulls bytes only as the consumer reads', async () => {
    const big = form([{ name: 'f', filename: 'big', body: 'x'.repeat(10_000) }])
    const source = chunked(big, 100)
    const parts = new FormReader(source, B).parts()
    const first = await parts.next()
    const body = first.value!.body()[Symbol.asyncIterator]()
    await body.next()
    expect(source.pulls).toBeLessThan(5)
  })

  it('refuses to read a body twice or after moving on', async () => {
    const parts = new FormReader(chunked(sample, 7), B).parts()
    const title = (await parts.next()).value!
    title.body()
    expect(await codeOf(async () => title.body())).toBe(DASHBOARD_ERRORS.misuse)
    const a = (await parts.next()).value!
    await parts.next() // moves to b.txt without reading a.txt
    expect(await codeOf(async () => { for await (const _ of a.body()) { /* read */ } })).toBe(DASHBOARD_ERRORS.misuse)
  })

  it('bounds a field read as text', async () => {
    const parts = new FormReader(chunked(form([{ name: 'title', body: 'x'.repeat(50) }]), 8), B).parts()
    const title = (await parts.next()).value!
    expect(await codeOf(() => title.text(10))).toBe(DASHBOARD_ERRORS.fieldTooLarge)
  })

  it('reports a truncated body from the file stream, never as a complete file', async () => {
    const cut = sample.subarray(0, sample.indexOf('bravo') + 3)
    const reader = new FormReader(chunked(cut, 4), B)
    const got: string[] = []
    const code = await codeOf(async () => {
      for await (const part of reader.parts()) got.push(await part.text(100))
    })
    expect(code).toBe(DASHBOARD_ERRORS.truncated)
    expect(got).toEqual(['Hi', 'alpha'])
    expect((reader.failure as { code?: string }).code).toBe(DASHBOARD_ERRORS.truncated)
  })

  it('refuses a part without a Content-Disposition', async () => {
    const bad = Buffer.from(`--${B}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${B}--`)
    const reader = new FormReader(chunked(bad, 100), B)
    expect(await codeOf(async () => { for await (const _ of reader.parts()) { /* read */ } })).toBe(DASHBOARD_ERRORS.malformed)
    expect((reader.failure as { code?: string }).code).toBe(DASHBOARD_ERRORS.malformed)
  })

  it('never calls return() on its source, so the caller can drain it', async () => {
    const source = chunked(sample, 3)
    const parts = new FormReader(source, B).parts()
    await parts.next()
    await parts.return(undefined)
    expect(source.returned).toBe(false)
    const rest = await source.next()
    expect(rest.done).toBe(false)
  })
})
