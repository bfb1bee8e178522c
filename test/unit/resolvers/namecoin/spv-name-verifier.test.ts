import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { ResolverErrorCode } from '../../../../src/resolvers/errors.js'
import { ElectrumxSource, NamecoinResolver, namecoinConfigWithDefaults, type HeaderSyncProgress, type NameSourceContext } from '../../../../src/resolvers/namecoin/index.js'
import { NAMECOIN_PROOF_ERRORS } from '../../../../src/resolvers/namecoin/spv/proof-errors.js'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { startElectrumxServer, type ElectrumxChain, type ElectrumxServerOptions, type ElectrumxTestServer } from '../../../helpers/electrumx-server.js'
import { flipBit, provenWorld, type ProvenWorld } from '../../../fixtures/namecoin/spv/proven-names.js'
import { TEST_POW_LIMIT, buildChain } from '../../../fixtures/namecoin/spv/synthetic-chain.js'

// The default ElectrumX path with the SPV verifier plugged in (createNameSource's default), over
// TCP to the protocol-true test server serving the constructed easy-difficulty chain.
const TIP = 4100
const SITE = { name: 'd/site', value: '{"ip":"192.0.2.7"}', height: 4090 }

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function serve (chain: ElectrumxChain, opts: ElectrumxServerOptions = {}): Promise<ElectrumxTestServer> {
  const s = await startElectrumxServer(chain, opts)
  cleanups.push(s.close)
  return s
}

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-spv-default-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function resolver (servers: string[], world: ProvenWorld, ctx: NameSourceContext = {}, timeoutMs = 2000): NamecoinResolver {
  const r = NamecoinResolver.fromConfig(namecoinConfigWithDefaults({ electrumx: { servers }, cacheTtlMs: 0, timeoutMs }), {},
    { chainParams: world.params, ...ctx })
  cleanups.push(async () => { await r.close() })
  return r
}

async function failure (p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try { await p } catch (err) { if (isTornetError(err)) return { code: err.code, message: err.message }; throw err }
  throw new Error('expected a TornetError')
}

describe('default ElectrumX backend: answers proven by the SPV verifier', () => {
  it('syncs headers from the checkpoint, proves the answer, reports "verified" and the verified tip', async () => {
    // 2,085 headers after the checkpoint: batches of 500, across a retarget (block 4032).
    const world = provenWorld({ tip: TIP, txs: [SITE], checkpointHeight: 2015 })
    const server = await serve(world.chain)
    const progress: HeaderSyncProgress[] = []
    const r = resolver([server.spec], world, { dataDir: tempDir(), onHeaderProgress: p => progress.push(p) })
    const res = await r.resolveDetailed('site.bit')
    expect(res.target).toEqual({ kind: 'clearnet', host: 'site.bit', addresses: ['192.0.2.7'] })
    const backend = r.backend as ElectrumxSource
    const trace = backend.trace('d/site')
    expect(trace?.proof?.status).toBe('verified')
    expect(trace?.proof?.detail).toContain(`block ${SITE.height}`)
    const status = backend.status()
    expect(status.proof).toBe('verified')
    expect(status.verifiedTip?.height).toBe(TIP)
    expect(status.verifiedTip?.time).toBe(world.blocks[world.blocks.length - 1].time)
    expect(status.headerSync).toMatchObject({ height: TIP, target: TIP, done: true })
    // Headers-first in batches, from the checkpoint (the checkpoint header itself first).
    const asked = server.requests.filter(q => q.method === 'blockchain.block.headers').map(q => q.params)
    expect(asked[0]).toEqual([world.params.checkpoint.height, 1, 0])
    expect(asked.slice(1)).toEqual([[2016, 500, 0], [2516, 500, 0], [3016, 500, 0], [3516, 500, 0], [4016, 500, 0]])
    expect(progress.at(-1)).toMatchObject({ height: TIP, done: true })
    expect(progress.some(p => !p.done && p.height < TIP)).toBe(true)
    expect(res.record.expiresIn).toBe(SITE.height + 36_000 - TIP)
  })

  it('keeps verified headers in LMDB: a restart asks only for headers above the stored tip', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    world.chain.tip = TIP - 5
    const server = await serve(world.chain)
    const dataDir = tempDir()
    const first = resolver([server.spec], world, { dataDir })
    await first.resolve('site.bit')
    await first.close()
    // Five more blocks on the server's chain.
    world.chain.tip = TIP
    server.requests.length = 0
    const second = resolver([server.spec], world, { dataDir })
    await second.resolve('site.bit')
    const asked = server.requests.filter(q => q.method === 'blockchain.block.headers').map(q => q.params as number[])
    expect(asked.length).toBeGreaterThan(0)
    expect(Math.min(...asked.map(p => p[0]))).toBe(TIP - 4)
    expect((second.backend as ElectrumxSource).status().verifiedTip?.height).toBe(TIP)
    // Closed and used again (as the CLI and gateway may): it reopens the same store.
    await second.close()
    expect((await second.resolveDetailed('site.bit')).record.height).toBe(SITE.height)
    expect((second.backend as ElectrumxSource).status().verifiedTip?.height).toBe(TIP)
  })

  it('a lookup that stops waiting before the first batch of headers lands says "syncing" too', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE], checkpointHeight: 2015 })
    const server = await serve(world.chain, { delayMs: { 'blockchain.block.headers': 1500 } })
    const r = resolver([server.spec], world, { dataDir: tempDir(), headerSyncWaitMs: 100 })
    const f = await failure(r.resolve('site.bit'))
    expect(f.code).toBe(ResolverErrorCode.headersSyncing)
    expect(f.message).toMatch(/block 2,015 of 4,100/)
  })

  it('a lookup waits for the first sync only so long, then says the headers are still syncing (with progress)', async () => {
    // From a checkpoint 2,085 blocks down: five batches of 500, each answered after 400 ms.
    const world = provenWorld({ tip: TIP, txs: [SITE], checkpointHeight: 2015 })
    const server = await serve(world.chain, { delayMs: { 'blockchain.block.headers': 400 } })
    const r = resolver([server.spec], world, { dataDir: tempDir(), headerSyncWaitMs: 1000 })
    const started = Date.now()
    const f = await failure(r.resolve('site.bit'))
    expect(f.code).toBe(ResolverErrorCode.headersSyncing)
    // One wait, not one per step of the lookup (the source prepares, then the verifier proves).
    expect(Date.now() - started).toBeLessThan(1900)
    expect(f.message).toMatch(/block [\d,]+ of 4,100, [\d,]+ headers\/s/)
    // The sync went on in the background; later the same lookup is proven.
    const backend = r.backend as ElectrumxSource
    for (let i = 0; i < 100 && backend.status().headerSync?.done !== true; i++) await new Promise(resolve => setTimeout(resolve, 100))
    expect((await r.resolveDetailed('site.bit')).record.height).toBe(SITE.height)
  })

  it('follows a short reorganisation: a longer branch forking below the verified tip replaces it', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const server = await serve(world.chain)
    const r = resolver([server.spec], world, { dataDir: tempDir() })
    await r.resolve('site.bit')
    // The server's chain reorganises: blocks above 4,097 replaced by a longer branch up to 4,105.
    const cp = world.params.checkpoint.height
    const fork = buildChain({ checkpointHeight: cp, firstTarget: TEST_POW_LIMIT >> 1n, count: TIP + 5 - cp, salt: 'fork', from: { blocks: world.blocks, height: 4097 } })
    for (const b of fork) if (b.height > 4097) world.chain.headers!.set(b.height, b.full)
    world.chain.tip = TIP + 5
    const res = await r.resolveDetailed('site.bit')
    expect(res.record.height).toBe(SITE.height)
    const status = (r.backend as ElectrumxSource).status()
    expect(status.verifiedTip?.height).toBe(TIP + 5)
    expect((r.backend as ElectrumxSource).trace('d/site')?.proof?.detail).toContain('verified tip 4,105')
    // The branch was refetched from below the old tip, not from the checkpoint.
    const starts = server.requests.filter(q => q.method === 'blockchain.block.headers').map(q => (q.params as number[])[0])
    expect(starts.slice(-3)).toEqual([TIP + 1, Math.max(cp + 1, TIP - 99), TIP + 6])
  })

  it('two servers disagree: the later PROVEN update wins and the stale server is noted as a liar', async () => {
    const newer = { name: 'd/site', value: '{"ip":"192.0.2.99"}', height: 4095, seed: 'newer' }
    const full = provenWorld({ tip: TIP, txs: [SITE, newer] })
    const stale: ElectrumxChain = { ...full.chain, histories: new Map([...full.chain.histories].map(([k, v]) => [k, v.slice(0, 1)])) }
    const honest = await serve(full.chain)
    const hiding = await serve(stale)
    const r = resolver([hiding.spec, honest.spec], full, { dataDir: tempDir() })
    expect(await r.resolve('site.bit')).toMatchObject({ addresses: ['192.0.2.99'] })
    const backend = r.backend as ElectrumxSource
    expect(backend.trace('d/site')?.disagreement).toContain(hiding.spec.slice(0, -2))
    expect(backend.status().servers.find(s => s.label === hiding.spec)?.lie?.name).toBe('d/site')
  })

  it('a server whose answer fails its proof loses to one whose answer is proven, and is noted', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const good = await serve(world.chain)
    const liar = await serve({ ...world.chain, merkles: new Map([...world.chain.merkles!].map(([k, v]) => [k, { ...v, pos: v.pos + 1 }])) })
    const r = resolver([liar.spec, good.spec], world, { dataDir: tempDir() })
    expect(await r.resolve('site.bit')).toMatchObject({ addresses: ['192.0.2.7'] })
    const noted = (r.backend as ElectrumxSource).status().servers.find(s => s.label === liar.spec)
    expect(noted?.lie?.detail).toContain(NAMECOIN_PROOF_ERRORS.merkle)
  })
})

describe('bad input on the header path: clear errors, nothing hangs', () => {
  it('headers answered slowly: RESOLVE_TIMEOUT per request, within the time-out', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const server = await serve(world.chain, { delayMs: { 'blockchain.block.headers': 5_000 } })
    const r = resolver([server.spec], world, { dataDir: tempDir() }, 300)
    const started = Date.now()
    const f = await failure(r.resolve('site.bit'))
    expect(f.code).toBe(RESOLVE_ERRORS.timeout)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('garbage in place of headers: NAMECOIN_PROOF_HEADER', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    world.chain.headers!.set(world.params.checkpoint.height + 5, Buffer.from('not a namecoin header at all, just text that is long enough to be 80 bytes or more, really'))
    const server = await serve(world.chain)
    const r = resolver([server.spec], world, { dataDir: tempDir() })
    const f = await failure(r.resolve('site.bit'))
    expect(f.code).toBe(NAMECOIN_PROOF_ERRORS.header)
    // The dashboard's "last failure" names it too; the batch holding the bad header was refused whole.
    const status = (r.backend as ElectrumxSource).status()
    expect(status.lastFailure).toMatchObject({ server: server.spec, code: NAMECOIN_PROOF_ERRORS.header })
    expect(status.verifiedTip?.height).toBe(world.params.checkpoint.height)
  })

  it('a truncated header (AuxPoW cut short): NAMECOIN_PROOF_HEADER', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const h = world.params.checkpoint.height + 7
    world.chain.headers!.set(h, world.chain.headers!.get(h)!.subarray(0, 150))
    const server = await serve(world.chain)
    const f = await failure(resolver([server.spec], world, { dataDir: tempDir() }).resolve('site.bit'))
    expect(f.code).toBe(NAMECOIN_PROOF_ERRORS.header)
    expect(f.message).toMatch(/Malformed Namecoin headers/)
  })

  it('an oversized header (a 1.1 MB AuxPoW) is refused by its bound: NAMECOIN_PROOF_HEADER', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const h = world.params.checkpoint.height + 3
    world.chain.headers!.set(h, Buffer.concat([world.chain.headers!.get(h)!, Buffer.alloc(1_100_000)]))
    const server = await serve(world.chain)
    const f = await failure(resolver([server.spec], world, { dataDir: tempDir() }).resolve('site.bit'))
    expect(f.code).toBe(NAMECOIN_PROOF_ERRORS.header)
  })

  it('a server on another chain (its checkpoint block differs): NAMECOIN_PROOF_CHECKPOINT', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const cp = world.params.checkpoint.height
    world.chain.headers!.set(cp, flipBit(world.chain.headers!.get(cp)!, 40))
    const server = await serve(world.chain)
    const f = await failure(resolver([server.spec], world, { dataDir: tempDir() }).resolve('site.bit'))
    expect(f.code).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
    expect(f.message).toMatch(/not the checkpoint/)
  })

  it('a chain forking below the checkpoint (block after it links elsewhere) is refused: NAMECOIN_PROOF_CHECKPOINT', async () => {
    const world = provenWorld({ tip: TIP, txs: [SITE] })
    const other = provenWorld({ tip: TIP, txs: [SITE], salt: 'fork' })
    const cp = world.params.checkpoint.height
    // The fork's blocks above the checkpoint, re-linked to a different block at the checkpoint's height.
    const forked = new Map(world.chain.headers!)
    forked.set(cp + 1, flipBit(other.chain.headers!.get(cp + 1)!, 4))
    const server = await serve({ ...world.chain, headers: forked })
    const f = await failure(resolver([server.spec], world, { dataDir: tempDir() }).resolve('site.bit'))
    expect(f.code).toBe(NAMECOIN_PROOF_ERRORS.checkpoint)
    expect(f.message).toMatch(/the checkpoint/)
  })
})
