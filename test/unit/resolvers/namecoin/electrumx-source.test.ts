import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { parseServer } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { ElectrumxSource } from '../../../../src/resolvers/namecoin/electrumx-source.js'
import { NamecoinResolver } from '../../../../src/resolvers/namecoin/namecoin-resolver.js'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { addNameTx, addRawTx, emptyChain, startElectrumxServer, type ElectrumxTestServer } from '../../../helpers/electrumx-server.js'
import { checkpointBelow, provenWorld } from '../../../fixtures/namecoin/spv/proven-names.js'

const trade = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))
const TIP = 750_000

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

async function serve (chain = emptyChain(TIP), opts = {}): Promise<ElectrumxTestServer> {
  const s = await startElectrumxServer(chain, opts)
  cleanups.push(s.close)
  return s
}

function source (specs: string[], timeoutMs = 2000): ElectrumxSource {
  const src = new ElectrumxSource({ servers: specs.map(s => parseServer(s) ?? (() => { throw new Error(s) })()), timeoutMs })
  cleanups.push(() => src.close())
  return src
}

async function failure (p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try { await p } catch (err) { if (isTornetError(err)) return { code: err.code, message: err.message }; throw err }
  throw new Error('expected a TornetError')
}

async function deadPort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

describe('parseServer', () => {
  it('reads host:port:t|s, IPv6 in brackets', () => {
    expect(parseServer('electrumx.example.org:50002:s')).toEqual({ host: 'electrumx.example.org', port: 50002, tls: true })
    expect(parseServer('[::1]:50001:t')).toEqual({ host: '::1', port: 50001, tls: false })
    for (const bad of ['host:50001', 'host:0:t', 'host:70000:s', 'host:1:x', ':1:t', 'a b:1:t']) expect(parseServer(bad)).toBeUndefined()
  })
})

describe('ElectrumxSource against an ElectrumX-like server', () => {
  it('reads a real Namecoin name transaction: script hash → history → transaction → value', async () => {
    const chain = emptyChain(TIP)
    addRawTx(chain, 'd/my-cool-domain', trade.signed.hex, trade.signed.txid, TIP - 10)
    const server = await serve(chain)
    const rec = await source([server.spec]).nameShow('d/my-cool-domain')
    expect(rec).toEqual({ value: 'thanks from Sally', height: TIP - 10, expiresIn: 35_990, txid: trade.signed.txid })
    expect(server.requests.map(r => r.method)).toEqual([
      'server.version', 'blockchain.headers.subscribe', 'blockchain.scripthash.get_history', 'blockchain.transaction.get'
    ])
    expect(server.requests[3].params).toEqual([trade.signed.txid])
  })

  it('takes the newest confirmed update, ignoring mempool entries', async () => {
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/example', value: '{"ip":"192.0.2.1"}', op: 'name_firstupdate', height: TIP - 30_000, seed: '1' })
    addNameTx(chain, { name: 'd/example', value: '{"ip":"192.0.2.2"}', height: TIP - 500, seed: '2', segwit: true, nameOutputLast: true })
    addNameTx(chain, { name: 'd/example', value: '{"ip":"192.0.2.3"}', height: 0, seed: '3' })
    const server = await serve(chain)
    expect((await source([server.spec]).nameShow('d/example'))?.value).toBe('{"ip":"192.0.2.2"}')
  })

  it('gives undefined for a name with no history, or only unconfirmed history', async () => {
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/pending', value: '{}', height: -1 })
    const server = await serve(chain)
    const src = source([server.spec])
    expect(await src.nameShow('d/nothing')).toBeUndefined()
    expect(await src.nameShow('d/pending')).toBeUndefined()
  })

  it('expires a name 36,000 blocks after its last update', async () => {
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/edge', value: '{"ip":"192.0.2.1"}', height: TIP - 35_999 })
    addNameTx(chain, { name: 'd/gone', value: '{"ip":"192.0.2.1"}', height: TIP - 36_000 })
    const server = await serve(chain)
    const src = source([server.spec])
    expect((await src.nameShow('d/edge'))?.expiresIn).toBe(1)
    const f = await failure(src.nameShow('d/gone'))
    expect(f.code).toBe(RESOLVE_ERRORS.expired)
    expect(f.message).toMatch(/block 714000, chain tip 750000/)
    expect(server.requests.filter(r => r.method === 'blockchain.transaction.get')).toHaveLength(1)
  })

  it('refuses a transaction whose txid is not the one asked for', async () => {
    const chain = emptyChain(TIP)
    const txid = addNameTx(chain, { name: 'd/liar', value: '{}', height: TIP - 1 })
    chain.transactions.set(txid, trade.signed.hex)
    const server = await serve(chain)
    const f = await failure(source([server.spec]).nameShow('d/liar'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/when asked for/)
  })

  it('refuses an indexed transaction without an operation on the name', async () => {
    const chain = emptyChain(TIP)
    addRawTx(chain, 'd/other', trade.signed.hex, trade.signed.txid, TIP - 1)
    const server = await serve(chain)
    const f = await failure(source([server.spec]).nameShow('d/other'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/no operation on it/)
  })

  it('refuses a malformed transaction', async () => {
    const chain = emptyChain(TIP)
    const txid = addNameTx(chain, { name: 'd/broken', value: '{}', height: TIP - 1 })
    chain.transactions.set(txid, (chain.transactions.get(txid) as string).slice(0, 100))
    const server = await serve(chain)
    const f = await failure(source([server.spec]).nameShow('d/broken'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/malformed transaction/)
  })

  it('reassembles answers split across TCP writes and reuses one connection', async () => {
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/a', value: '{"ip":"192.0.2.1"}', height: TIP - 1 })
    addNameTx(chain, { name: 'd/b', value: '{"ip":"192.0.2.2"}', height: TIP - 1 })
    const server = await serve(chain, { splitWrites: true })
    const src = source([server.spec])
    const [a, b] = await Promise.all([src.nameShow('d/a'), src.nameShow('d/b')])
    expect([a?.value, b?.value]).toEqual(['{"ip":"192.0.2.1"}', '{"ip":"192.0.2.2"}'])
    expect(server.connections).toBe(1)
  })
})

describe('ElectrumxSource failures', () => {
  it('refused connection: RESOLVE_UNAVAILABLE naming the server and what to check', async () => {
    const spec = `127.0.0.1:${await deadPort()}:t`
    const f = await failure(source([spec]).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toContain(spec)
    expect(f.message).toMatch(/ECONNREFUSED/)
  })

  it('a server that never answers: RESOLVE_TIMEOUT, no hang', async () => {
    const server = await serve(emptyChain(TIP), { hang: true })
    const f = await failure(source([server.spec], 200).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.timeout)
  })

  it('a server that sends garbage: RESOLVE_UNAVAILABLE', async () => {
    const server = await serve(emptyChain(TIP), { garbage: true })
    const f = await failure(source([server.spec]).nameShow('d/example'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/not JSON/)
  })

  it('fails over to the next server', async () => {
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/example', value: '{"ip":"192.0.2.1"}', height: TIP - 1 })
    const good = await serve(chain)
    const src = source([`127.0.0.1:${await deadPort()}:t`, good.spec])
    expect((await src.nameShow('d/example'))?.value).toBe('{"ip":"192.0.2.1"}')
  })

  it('reconnects after the server drops the connection', async () => {
    const chain = emptyChain(TIP)
    addNameTx(chain, { name: 'd/example', value: '{"ip":"192.0.2.1"}', height: TIP - 1 })
    const server = await serve(chain)
    const src = source([server.spec])
    await src.nameShow('d/example')
    src.close()
    await src.nameShow('d/example')
    expect(server.connections).toBe(2)
  })
})

describe('NamecoinResolver over the electrumx backend (config)', () => {
  it('resolves records built into real name transactions, and caches them', async () => {
    // The default verifier proves each answer: the chain is the constructed test chain (proven-names.ts).
    const world = provenWorld({
      tip: TIP,
      checkpointHeight: checkpointBelow(TIP - 100),
      txs: [
        { name: 'd/site', value: JSON.stringify({ ip: '192.0.2.10', map: { www: { alias: '@' }, blog: { import: [['dd/blog']] } } }), height: TIP - 100 },
        { name: 'dd/blog', value: JSON.stringify({ ip6: '2001:db8::b' }), height: TIP - 100 },
        { name: 'd/old', value: JSON.stringify({ ip: '192.0.2.11' }), height: TIP - 40_000 },
        { name: 'd/hidden', value: JSON.stringify({ tor: 'd'.repeat(56) + '.onion' }), height: TIP - 100 }
      ]
    })
    const server = await serve(world.chain)
    const r = NamecoinResolver.fromConfig({ backend: 'electrumx', electrumx: { servers: [server.spec] }, cacheTtlMs: 60_000 }, {}, { chainParams: world.params })
    cleanups.push(() => r.close())

    expect(await r.resolve('site.bit')).toEqual({ kind: 'clearnet', host: 'site.bit', addresses: ['192.0.2.10'] })
    expect(await r.resolve('www.site.bit')).toMatchObject({ addresses: ['192.0.2.10'] })
    expect(await r.resolve('blog.site.bit')).toMatchObject({ addresses: ['2001:db8::b'] })
    expect(await r.resolve('hidden.bit')).toMatchObject({ kind: 'unsupported', network: 'tor' })
    expect((await failure(r.resolve('old.bit'))).code).toBe(RESOLVE_ERRORS.expired)
    expect((await failure(r.resolve('nobody.bit'))).code).toBe(RESOLVE_ERRORS.notFound)

    const histories = (): number => server.requests.filter(q => q.method === 'blockchain.scripthash.get_history').length
    const before = histories()
    expect(before).toBe(5) // d/site, dd/blog, d/hidden, d/old, d/nobody
    await r.resolve('site.bit')
    await r.resolve('blog.site.bit')
    await failure(r.resolve('old.bit'))
    await failure(r.resolve('nobody.bit'))
    expect(histories()).toBe(before)
  })

  it('refuses a bad server list', () => {
    expect(() => NamecoinResolver.fromConfig({ backend: 'electrumx', electrumx: { servers: [] }, cacheTtlMs: 1 })).toThrow(/servers/)
    expect(() => NamecoinResolver.fromConfig({ backend: 'electrumx', electrumx: { servers: ['nohost'] }, cacheTtlMs: 1 })).toThrow(/host:port/)
  })
})
