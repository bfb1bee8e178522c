import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { NamecoinRpcSource } from '../../../../src/resolvers/namecoin/namecoin-rpc-source.js'
import { NamecoinResolver } from '../../../../src/resolvers/namecoin/namecoin-resolver.js'
import { validateNamecoinConfig } from '../../../../src/resolvers/namecoin/namecoin-config.js'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { startNamecoinRpcServer, type NamecoinRpcServer, type RecordedNameShow } from '../../../helpers/namecoin-rpc-server.js'

const recorded = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/name-show-answers.json', import.meta.url), 'utf8'))
const answers: Record<string, RecordedNameShow> = Object.fromEntries(Object.entries(recorded).filter(([k]) => k.startsWith('d/'))) as Record<string, RecordedNameShow>

async function failure (p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try { await p } catch (err) { if (isTornetError(err)) return { code: err.code, message: err.message }; throw err }
  throw new Error('expected a TornetError')
}

/** A port nothing listens on: bind, note the port, close. */
async function deadPort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

describe('NamecoinRpcSource against a Namecoin Core-like JSON-RPC server', () => {
  let server: NamecoinRpcServer
  const dir = mkdtempSync(join(tmpdir(), 'tornet-nmc-'))
  beforeAll(async () => { server = await startNamecoinRpcServer({ user: '__cookie__', password: 'c0ffee', answers }) })
  afterAll(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }) })

  it('shows a name with user/password', async () => {
    const src = new NamecoinRpcSource({ url: server.url, user: '__cookie__', password: 'c0ffee' })
    const rec = await src.nameShow('d/example')
    expect(rec).toEqual({ value: answers['d/example'].value, height: 701234, expiresIn: 30211, txid: answers['d/example'].txid })
    expect(server.requests.at(-1)).toEqual({ method: 'name_show', params: ['d/example'] })
  })

  it('authenticates with the .cookie file, read afresh each time', async () => {
    const cookie = join(dir, '.cookie')
    writeFileSync(cookie, '__cookie__:c0ffee')
    const src = new NamecoinRpcSource({ url: server.url, cookieFile: cookie })
    expect((await src.nameShow('d/example'))?.height).toBe(701234)
    writeFileSync(cookie, '__cookie__:stale')
    expect((await failure(src.nameShow('d/example'))).code).toBe(RESOLVE_ERRORS.unavailable)
  })

  it('says clearly when the credentials are refused', async () => {
    const before = server.unauthorized
    const f = await failure(new NamecoinRpcSource({ url: server.url, user: 'u', password: 'wrong' }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/refused the credentials \(HTTP 401\)/)
    expect(server.unauthorized).toBe(before + 1)
    const noAuth = await failure(new NamecoinRpcSource({ url: server.url }).nameShow('d/example'))
    expect(noAuth.message).toMatch(/401/)
  })

  it('says clearly when the cookie file is missing', async () => {
    const f = await failure(new NamecoinRpcSource({ url: server.url, cookieFile: join(dir, 'nope', '.cookie') }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/cookie file .* \(ENOENT\)/)
  })

  it('maps error -4 (name not found) to undefined', async () => {
    expect(await new NamecoinRpcSource({ url: server.url, user: '__cookie__', password: 'c0ffee' }).nameShow('d/never')).toBeUndefined()
  })

  it('reports an expired name', async () => {
    const f = await failure(new NamecoinRpcSource({ url: server.url, user: '__cookie__', password: 'c0ffee' }).nameShow('d/oldname'))
    expect(f.code).toBe(RESOLVE_ERRORS.expired)
  })

  it('decodes hex-encoded values', async () => {
    const rec = await new NamecoinRpcSource({ url: server.url, user: '__cookie__', password: 'c0ffee' }).nameShow('d/hexval')
    expect(rec?.value).toBe('{"ip":"198.51.100.7"}')
  })
})

describe('NamecoinRpcSource failures', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

  /** A plain HTTP server answering every request the same way. */
  async function fakeHttp (status: number, type: string, body: string): Promise<string> {
    const http = createHttpServer((_req, res) => { res.writeHead(status, { 'content-type': type }).end(body) })
    await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => { http.closeAllConnections(); await new Promise<void>(resolve => http.close(() => resolve())) })
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}/`
  }

  it('refused connection: RESOLVE_UNAVAILABLE naming the URL and what to check', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/`
    const f = await failure(new NamecoinRpcSource({ url, user: 'u', password: 'p' }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toContain(url)
    expect(f.message).toMatch(/connection refused/)
    expect(f.message).toMatch(/server=1/)
  })

  it('a node that never answers: RESOLVE_TIMEOUT, no hang', async () => {
    const stuck = await startNamecoinRpcServer({ user: 'u', password: 'p', answers: {}, hang: true })
    cleanups.push(stuck.close)
    const f = await failure(new NamecoinRpcSource({ url: stuck.url, user: 'u', password: 'p', timeoutMs: 200 }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.timeout)
  })

  it('a server that is not Namecoin Core: RESOLVE_UNAVAILABLE', async () => {
    const url = await fakeHttp(200, 'text/html', '<html>hello</html>')
    const f = await failure(new NamecoinRpcSource({ url, user: 'u', password: 'p' }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/not JSON/)
  })

  it('a node without name_show (Bitcoin Core): RESOLVE_UNAVAILABLE saying so', async () => {
    const url = await fakeHttp(404, 'application/json', JSON.stringify({ result: null, error: { code: -32601, message: 'Method not found' }, id: 1 }))
    const f = await failure(new NamecoinRpcSource({ url, user: 'u', password: 'p' }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/Bitcoin Core/)
  })

  it('an answer larger than the limit: RESOLVE_UNAVAILABLE', async () => {
    const url = await fakeHttp(200, 'application/json', JSON.stringify({ result: { value: 'x'.repeat(5000), height: 1 }, error: null, id: 1 }))
    const f = await failure(new NamecoinRpcSource({ url, user: 'u', password: 'p', maxResponseBytes: 1000 }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/exceeds 1000 bytes/)
  })

  it('a malformed result: RESOLVE_UNAVAILABLE', async () => {
    const url = await fakeHttp(200, 'application/json', JSON.stringify({ result: { value: 42 }, error: null, id: 1 }))
    const f = await failure(new NamecoinRpcSource({ url, user: 'u', password: 'p' }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/unexpected name_show answer/)
  })
})

describe('NamecoinResolver over the rpc backend (config)', () => {
  let server: NamecoinRpcServer
  beforeAll(async () => { server = await startNamecoinRpcServer({ user: 'alice', password: 'secret', answers }) })
  afterAll(async () => { await server.close() })

  it('resolves through the config, and answers again from the cache without a second request', async () => {
    const r = NamecoinResolver.fromConfig({ backend: 'rpc', rpc: { url: server.url, user: 'alice', password: 'secret' }, cacheTtlMs: 60_000 })
    const start = server.requests.length
    expect(await r.resolve('example.bit')).toEqual({ kind: 'clearnet', host: 'example.bit', addresses: ['192.0.2.1', '2001:db8::1'] })
    expect(await r.resolve('www.example.bit')).toMatchObject({ addresses: ['192.0.2.1', '2001:db8::1'] })
    expect(await r.resolve('random.example.bit')).toMatchObject({ addresses: ['192.0.2.9'] })
    expect(server.requests.length - start).toBe(1)
  })

  it('turns recorded answers into clear resolver errors', async () => {
    const r = NamecoinResolver.fromConfig({ backend: 'rpc', rpc: { url: server.url, user: 'alice', password: 'secret' }, cacheTtlMs: 60_000 })
    expect((await failure(r.resolve('oldname.bit'))).code).toBe(RESOLVE_ERRORS.expired)
    expect((await failure(r.resolve('never.bit'))).code).toBe(RESOLVE_ERRORS.notFound)
    expect((await failure(r.resolve('badjson.bit'))).code).toBe(RESOLVE_ERRORS.invalidRecord)
    expect(await r.resolve('hexval.bit')).toMatchObject({ addresses: ['198.51.100.7'] })
  })

  it('refuses a bad config', async () => {
    expect(() => NamecoinResolver.fromConfig({ backend: 'rpc', cacheTtlMs: 1 } as never)).toThrow(/rpc/)
    expect(() => NamecoinResolver.fromConfig({ backend: 'rpc', rpc: { url: 'ftp://x' }, cacheTtlMs: 1 })).toThrow(/http/)
    expect(() => NamecoinResolver.fromConfig({ backend: 'dns' as never, cacheTtlMs: 1 })).toThrow(/backend/)
  })
})

// Issue 12, item 13c: "user:pass@" in rpc.url is a secret; errors end up on pages and in logs.
describe('credentials written into the RPC URL', () => {
  let server: NamecoinRpcServer
  beforeAll(async () => { server = await startNamecoinRpcServer({ user: 'nmcuser7', password: 's3cr3t', answers }) })
  afterAll(async () => { await server.close() })

  const withCredentials = (url: string, password = 's3cr3t'): string => url.replace('http://', `http://nmcuser7:${password}@`)
  const expectNoSecret = (message: string): void => {
    expect(message).not.toContain('s3cr3t')
    expect(message).not.toContain('wr0ng')
    expect(message).not.toContain('nmcuser7')
  }

  it('are used to log in, and never echoed', async () => {
    const src = new NamecoinRpcSource({ url: withCredentials(server.url) })
    expect((await src.nameShow('d/example'))?.height).toBe(701234)
    const refused = await failure(new NamecoinRpcSource({ url: withCredentials(server.url, 'wr0ng') }).nameShow('d/example'))
    expect(refused.code).toBe(RESOLVE_ERRORS.unavailable)
    expectNoSecret(refused.message)
  })

  it('are not in the message of a refused connection', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/`
    const f = await failure(new NamecoinRpcSource({ url: withCredentials(url) }).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toContain(url)
    expectNoSecret(f.message)
  })

  it('are not in the message of a bad config', () => {
    let message = ''
    try { validateNamecoinConfig({ backend: 'rpc', rpc: { url: 'http://nmcuser7:s3cr3t@[not-a-host/' }, cacheTtlMs: 1 }) } catch (err) { message = (err as Error).message }
    expect(message).toMatch(/rpc\.url/)
    expectNoSecret(message)
  })
})
