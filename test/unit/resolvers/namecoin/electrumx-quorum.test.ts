import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { parseServer } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { ElectrumxSource } from '../../../../src/resolvers/namecoin/electrumx-source.js'
import type { NameAnswerVerifier } from '../../../../src/resolvers/namecoin/name-answer-verifier.js'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { addNameTx, emptyChain, startElectrumxServer, type ElectrumxChain, type ElectrumxTestServer } from '../../../helpers/electrumx-server.js'

const TIP = 750_000
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

async function serve (chain: ElectrumxChain, opts = {}): Promise<ElectrumxTestServer> {
  const s = await startElectrumxServer(chain, opts)
  cleanups.push(s.close)
  return s
}

function source (specs: string[], extra: Partial<ConstructorParameters<typeof ElectrumxSource>[0]> = {}): ElectrumxSource {
  const src = new ElectrumxSource({ servers: specs.map(s => parseServer(s) ?? (() => { throw new Error(s) })()), timeoutMs: 1000, ...extra })
  cleanups.push(() => src.close())
  return src
}

async function failure (p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try { await p } catch (err) { if (isTornetError(err)) return { code: err.code, message: err.message }; throw err }
  throw new Error('expected a TornetError')
}

/** A server that answers server.version properly and every other request with `reply(method)` (raw bytes, or null for silence). */
async function scripted (reply: (method: string, id: unknown, socket: Socket) => string | null): Promise<string> {
  const sockets = new Set<Socket>()
  const server: Server = createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let buf = ''
    socket.on('error', () => {})
    socket.on('data', d => {
      buf += d.toString()
      let nl: number
      while ((nl = buf.indexOf('\n')) !== -1) {
        const msg = JSON.parse(buf.slice(0, nl)) as { id: unknown, method: string }
        buf = buf.slice(nl + 1)
        const out = msg.method === 'server.version'
          ? JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: ['ElectrumX 1.16.0', '1.4'] }) + '\n'
          : reply(msg.method, msg.id, socket)
        if (out !== null && !socket.destroyed) socket.write(out)
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => { for (const s of sockets) s.destroy(); await new Promise<void>(resolve => server.close(() => resolve())) })
  return `127.0.0.1:${(server.address() as AddressInfo).port}:t`
}

function chainWith (updates: Array<{ value: string, height: number }>): ElectrumxChain {
  const chain = emptyChain(TIP)
  for (const u of updates) addNameTx(chain, { name: 'd/site', value: u.value, height: u.height })
  return chain
}

describe('two servers asked at once', () => {
  it('asks two servers in parallel and keeps both warm (one connection each for many lookups)', async () => {
    const a = await serve(chainWith([{ value: '{"ip":"192.0.2.1"}', height: TIP - 5 }]))
    const b = await serve(chainWith([{ value: '{"ip":"192.0.2.1"}', height: TIP - 5 }]))
    const src = source([a.spec, b.spec])
    for (let i = 0; i < 3; i++) expect((await src.nameShow('d/site'))?.value).toBe('{"ip":"192.0.2.1"}')
    expect([a.connections, b.connections]).toEqual([1, 1])
    const histories = (s: ElectrumxTestServer): number => s.requests.filter(r => r.method === 'blockchain.scripthash.get_history').length
    expect([histories(a), histories(b)]).toEqual([3, 3])
    expect(src.status().servers.map(s => s.state)).toEqual(['warm', 'warm'])
    expect(src.trace('d/site')?.servers.map(s => s.label)).toEqual([a.spec, b.spec])
  })

  it('a server hiding the latest update loses: the later answer wins and the stale one is noted as a liar', async () => {
    const honest = await serve(chainWith([{ value: '{"ip":"192.0.2.1"}', height: TIP - 500 }, { value: '{"ip":"192.0.2.2"}', height: TIP - 5 }]))
    const stale = await serve(chainWith([{ value: '{"ip":"192.0.2.1"}', height: TIP - 500 }]))
    const src = source([stale.spec, honest.spec])
    const rec = await src.nameShow('d/site')
    expect(rec).toMatchObject({ value: '{"ip":"192.0.2.2"}', height: TIP - 5 })
    const status = src.status().servers
    expect(status.find(s => s.label === stale.spec)?.lie?.name).toBe('d/site')
    expect(status.find(s => s.label === honest.spec)?.lie).toBeUndefined()
    expect(src.trace('d/site')?.chosen).toBe(honest.spec)
    expect(src.trace('d/site')?.disagreement).toMatch(/answered the update in block 749500/)
  })

  it('a server denying a name that exists is outvoted too', async () => {
    const honest = await serve(chainWith([{ value: '{"ip":"192.0.2.9"}', height: TIP - 5 }]))
    const denier = await serve(emptyChain(TIP))
    const src = source([denier.spec, honest.spec])
    expect((await src.nameShow('d/site'))?.value).toBe('{"ip":"192.0.2.9"}')
    expect(src.status().servers.find(s => s.label === denier.spec)?.lie).toBeDefined()
  })

  it('fails over: a server that breaks mid-lookup is dropped and the other answer is used; lookups go on', async () => {
    const good = await serve(chainWith([{ value: '{"ip":"192.0.2.3"}', height: TIP - 5 }]))
    const broken = await scripted(() => 'this is not json\n')
    const src = source([broken, good.spec])
    expect((await src.nameShow('d/site'))?.value).toBe('{"ip":"192.0.2.3"}')
    const st = src.status().servers
    expect(st.find(s => s.label === broken)?.state).toBe('failed')
    expect(st.find(s => s.label === broken)?.lastError?.message).toMatch(/not JSON/)
    expect(src.trace('d/site')?.servers.find(s => s.label === broken)?.outcome).toMatch(/^error RESOLVE_UNAVAILABLE/)
    expect((await src.nameShow('d/site'))?.value).toBe('{"ip":"192.0.2.3"}')
    expect(good.connections).toBe(1)
  })

  it('a proof that fails on every server is the error shown, not "unreachable"', async () => {
    const a = await serve(chainWith([{ value: '{"ip":"192.0.2.1"}', height: TIP - 5 }]))
    const { TornetError } = await import('../../../../src/node/errors.js')
    const verifier: NameAnswerVerifier = { wantsMerkle: false, async verify () { throw new TornetError('SPV_MERKLE_MISMATCH', 'Merkle branch does not lead to the header at height 749995') } }
    const f = await failure(source([a.spec], { verifier }).nameShow('d/site'))
    expect(f.code).toBe('SPV_MERKLE_MISMATCH')
  })
})

describe('the verifier port', () => {
  it('gets each answer once with a channel to the answering server; its verified tip sets expiry and the status', async () => {
    const a = await serve(chainWith([{ value: '{"ip":"192.0.2.1"}', height: TIP - 35_990 }]))
    const seen: Array<{ name: string, height: number, tip: number, label: string, txid: string }> = []
    const verifier: NameAnswerVerifier = {
      wantsMerkle: false,
      async verify (answer, server) {
        const tip = await server.request('blockchain.headers.subscribe', []) as { height: number }
        seen.push({ name: answer.name, height: answer.height, tip: tip.height, label: server.label, txid: answer.txid })
        return { status: 'verified', verifiedTip: { height: TIP + 20, time: 1_700_000_000 }, detail: 'test' }
      }
    }
    const src = source([a.spec], { verifier })
    // Alive by the server's tip (10 blocks left), expired by the verified tip (20 blocks later).
    const f = await failure(src.nameShow('d/site'))
    expect(f.code).toBe(RESOLVE_ERRORS.expired)
    expect(seen).toEqual([{ name: 'd/site', height: TIP - 35_990, tip: TIP, label: a.spec, txid: expect.stringMatching(/^[0-9a-f]{64}$/) }])
    expect(src.status()).toMatchObject({ proof: 'verified', verifiedTip: { height: TIP + 20, time: 1_700_000_000 } })
  })
})

describe('bad input from servers', () => {
  it('truncated answer (connection closed mid-line): RESOLVE_UNAVAILABLE', async () => {
    const spec = await scripted((_m, _id, socket) => { socket.end('{"jsonrpc":"2.0","id":'); return null })
    const f = await failure(source([spec]).nameShow('d/site'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
  })

  it('oversized answer: the line is cut off at the bound, RESOLVE_UNAVAILABLE', async () => {
    const spec = await scripted((_m, _id, socket) => { socket.write('"' + 'a'.repeat(9 << 20)); return null })
    const f = await failure(source([spec], { timeoutMs: 5000 }).nameShow('d/site'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/longer than/)
  })

  it('answers of the wrong shape: RESOLVE_UNAVAILABLE saying what was wrong', async () => {
    const cases: Array<[(method: string) => unknown, RegExp]> = [
      [() => ({ height: 'tall' }), /no chain tip/],
      [(m) => m === 'blockchain.headers.subscribe' ? { height: TIP } : { not: 'a list' }, /other than a list/],
      [(m) => m === 'blockchain.headers.subscribe' ? { height: TIP } : [{ tx_hash: 'zz', height: 1 }], /malformed history/],
      [(m) => m === 'blockchain.headers.subscribe' ? { height: TIP } : [{ tx_hash: 'a'.repeat(64), height: TIP + 1 }], /above its own tip/],
      [(m) => m === 'blockchain.headers.subscribe' ? { height: TIP } : m === 'blockchain.scripthash.get_history' ? [{ tx_hash: 'a'.repeat(64), height: TIP - 1 }] : 'zz', /malformed transaction|hex/]
    ]
    for (const [answer, why] of cases) {
      const spec = await scripted((m, id) => JSON.stringify({ jsonrpc: '2.0', id, result: answer(m) }) + '\n')
      const f = await failure(source([spec]).nameShow('d/site'))
      expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
      expect(f.message).toMatch(why)
    }
  })

  it('a slow server: RESOLVE_TIMEOUT within the per-request deadline, never a hang; the source still answers later from a good server', async () => {
    const slow = await scripted(() => null)
    const started = Date.now()
    const f = await failure(source([slow], { timeoutMs: 300 }).nameShow('d/site'))
    expect(f.code).toBe(RESOLVE_ERRORS.timeout)
    expect(Date.now() - started).toBeLessThan(3000)

    const good = await serve(chainWith([{ value: '{"ip":"192.0.2.4"}', height: TIP - 5 }]))
    const src = source([slow, good.spec], { timeoutMs: 300 })
    expect((await src.nameShow('d/site'))?.value).toBe('{"ip":"192.0.2.4"}')
  })

  it('no server reachable: one error naming how many were tried and why each failed', async () => {
    const dead = async (): Promise<string> => {
      const s = createServer()
      await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
      const port = (s.address() as AddressInfo).port
      await new Promise<void>(resolve => s.close(() => resolve()))
      return `127.0.0.1:${port}:t`
    }
    const specs = [await dead(), await dead(), await dead()]
    const f = await failure(source(specs).nameShow('d/site'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/None of the 3 ElectrumX servers/)
    for (const s of specs) expect(f.message).toContain(s)
  })
})
