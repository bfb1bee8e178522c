import { readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { ElectrumConnection, ElectrumRpcError } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { ElectrumxSource } from '../../../../src/resolvers/namecoin/electrumx-source.js'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { addNameTx, emptyChain, startElectrumxServer } from '../../../helpers/electrumx-server.js'

const tlsFiles = {
  key: readFileSync(new URL('../../../fixtures/namecoin/test-tls-key.pem', import.meta.url), 'utf8'),
  cert: readFileSync(new URL('../../../fixtures/namecoin/test-tls-cert.pem', import.meta.url), 'utf8')
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

/** A raw TCP server whose behaviour per connection the test writes. */
async function rawServer (onSocket: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>()
  const server: Server = createServer(s => { sockets.add(s); s.on('error', () => {}); onSocket(s) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => { for (const s of sockets) s.destroy(); await new Promise<void>(resolve => server.close(() => resolve())) })
  return (server.address() as AddressInfo).port
}

async function open (port: number, maxLineBytes?: number): Promise<ElectrumConnection> {
  const conn = await ElectrumConnection.open({ host: '127.0.0.1', port, tls: false }, { timeoutMs: 2000, maxLineBytes })
  cleanups.push(() => conn.close())
  return conn
}

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  try { await p } catch (err) { return isTornetError(err) ? err.code : String(err) }
  return undefined
}

describe('ElectrumConnection', () => {
  it('ends the connection when a line exceeds the bound, failing pending requests', async () => {
    const port = await rawServer(s => s.once('data', () => s.write('x'.repeat(5000))))
    const conn = await open(port, 1024)
    const f = conn.request('server.version', ['t', '1.4'])
    await expect(f).rejects.toThrow(/longer than 1024 bytes/)
    expect(conn.closed).toBe(true)
    expect(await codeOf(conn.request('server.ping', []))).toBe(RESOLVE_ERRORS.unavailable)
  })

  it('ignores notifications and answers for unknown ids', async () => {
    const port = await rawServer(s => s.on('data', (d: Buffer) => {
      const { id } = JSON.parse(d.toString())
      s.write(JSON.stringify({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [{ height: 5 }] }) + '\n')
      s.write(JSON.stringify({ jsonrpc: '2.0', id: 999, result: 'stray' }) + '\n')
      s.write(JSON.stringify({ jsonrpc: '2.0', id, result: 'mine' }) + '\n')
    }))
    const conn = await open(port)
    expect(await conn.request('server.ping', [])).toBe('mine')
  })

  it('turns a server error answer into ElectrumRpcError (RESOLVE_UNAVAILABLE) and keeps the connection', async () => {
    const port = await rawServer(s => s.on('data', (d: Buffer) => {
      const { id } = JSON.parse(d.toString())
      s.write(JSON.stringify({ jsonrpc: '2.0', id, error: { code: 1, message: 'history too large' } }) + '\n')
    }))
    const conn = await open(port)
    const err: unknown = await conn.request('blockchain.scripthash.get_history', ['00']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ElectrumRpcError)
    expect((err as ElectrumRpcError).code).toBe(RESOLVE_ERRORS.unavailable)
    expect((err as ElectrumRpcError).message).toMatch(/history too large/)
    expect(conn.closed).toBe(false)
  })

  it('stops waiting when the caller aborts, without closing the connection', async () => {
    const port = await rawServer(() => {})
    const conn = await open(port)
    const controller = new AbortController()
    const p = conn.request('server.ping', [], { signal: controller.signal })
    controller.abort(new Error('gone'))
    await expect(p).rejects.toThrow('gone')
    expect(conn.closed).toBe(false)
  })
})

describe('ElectrumX over TLS', () => {
  it('works with a self-signed server when certificate checks are off', async () => {
    const chain = emptyChain(1000)
    addNameTx(chain, { name: 'd/tls', value: '{"ip":"192.0.2.1"}', height: 999 })
    const server = await startElectrumxServer(chain, { tls: tlsFiles })
    cleanups.push(server.close)
    const src = new ElectrumxSource({ servers: [{ host: '127.0.0.1', port: server.port, tls: true }], rejectUnauthorized: false, timeoutMs: 2000 })
    cleanups.push(() => src.close())
    expect((await src.nameShow('d/tls'))?.value).toBe('{"ip":"192.0.2.1"}')
  })

  it('refuses a self-signed certificate by default, saying why', async () => {
    const server = await startElectrumxServer(emptyChain(1000), { tls: tlsFiles })
    cleanups.push(server.close)
    const src = new ElectrumxSource({ servers: [{ host: '127.0.0.1', port: server.port, tls: true }], timeoutMs: 2000 })
    cleanups.push(() => src.close())
    const err = await src.nameShow('d/tls').catch(e => e)
    expect(err.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(err.message).toMatch(/self[- ]signed|certificate/i)
  })
})
