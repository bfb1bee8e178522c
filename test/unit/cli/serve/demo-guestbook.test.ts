import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startGuestbook, type Guestbook } from '../../../../src/cli/serve/demo-guestbook.js'

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

function call (book: Guestbook, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: book.host, port: book.port, method, path, headers: body === undefined ? headers : { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

let book: Guestbook | undefined
afterEach(async () => { await book?.close(); book = undefined })

describe('demo guestbook', () => {
  it('lists no entries at first, with a form that posts to itself', async () => {
    book = await startGuestbook()
    const res = await call(book, 'GET', '/')
    expect(res.status).toBe(200)
    expect(res.body).toContain('<form method="post" action="/">')
    expect(res.body).toContain('No entries yet')
    expect(res.headers['content-security-policy']).toContain("default-src 'none'")
  })

  it('adds a posted entry, redirects back, and shows it newest first, escaped', async () => {
    let t = Date.UTC(2026, 11, 6, 3, 0)
    book = await startGuestbook({ now: () => t++ })
    const first = await call(book, 'POST', '/', new URLSearchParams({ name: 'Ann', message: 'hello <script>alert(1)</script> & bye' }).toString())
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/')
    await call(book, 'POST', '/', new URLSearchParams({ name: '', message: 'second' }).toString())
    const page = (await call(book, 'GET', '/')).body
    expect(page).toContain('hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; bye')
    expect(page).not.toContain('<script>')
    expect(page.indexOf('second')).toBeLessThan(page.indexOf('hello'))
    expect(book.entries().map(e => e.name)).toEqual(['anonymous', 'Ann'])
    expect(page).toContain('2026-12-06 03:00 UTC')
  })

  it('bounds entry size, message length and the number of entries kept', async () => {
    book = await startGuestbook({ limits: { maxEntries: 3, maxBodyBytes: 200, maxMessageChars: 20 } })
    expect((await call(book, 'POST', '/', 'message=' + 'x'.repeat(300))).status).toBe(413)
    expect((await call(book, 'POST', '/', 'message=' + 'x'.repeat(21))).status).toBe(400)
    expect((await call(book, 'POST', '/', 'message=')).status).toBe(400)
    for (let i = 0; i < 5; i++) expect((await call(book, 'POST', '/', `message=m${i}`)).status).toBe(303)
    expect(book.entries().map(e => e.message)).toEqual(['m4', 'm3', 'm2'])
    const long = await call(book, 'POST', '/', `name=${'n'.repeat(100)}&message=ok`)
    expect(long.status).toBe(303)
    expect(book.entries()[0]!.name).toHaveLength(60)
  })

  it('refuses other forms, methods and paths', async () => {
    book = await startGuestbook()
    expect((await call(book, 'POST', '/', '{"message":"x"}', { 'content-type': 'application/json' })).status).toBe(415)
    expect((await call(book, 'DELETE', '/')).status).toBe(405)
    expect((await call(book, 'GET', '/admin')).status).toBe(404)
    expect(book.entries()).toEqual([])
  })

  it('records the remote addresses it served', async () => {
    book = await startGuestbook()
    await call(book, 'GET', '/')
    expect(book.remoteAddresses()).toEqual(['127.0.0.1'])
  })
})
