import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ElectrumConnection, parseServer } from '../../src/resolvers/namecoin/electrum-connection.js'
import { NamecoinResolver, namecoinConfigWithDefaults, unverifiedAnswers, type NameSourceContext } from '../../src/resolvers/namecoin/index.js'
import { HEADERS_DIR } from '../../src/resolvers/namecoin/spv-name-verifier.js'
import type { ChainParams } from '../../src/resolvers/namecoin/spv/chain-params.js'
import type { ResolveTarget } from '../../src/resolvers/types.js'
import { TEST_POW_LIMIT, buildChain, sha256d } from '../../test/fixtures/namecoin/spv/synthetic-chain.js'
import { addNameTx, emptyChain, nameScriptHash } from '../../test/helpers/electrumx-server.js'
import { startElectrumxTlsServer, type ElectrumxTlsServer } from '../../test/helpers/electrumx-tls.js'
import { emit, progress } from '../util.js'
import { median, percentile, round } from './stats.js'

/**
 * `.bit` resolution through the ElectrumX backend (TLS, certificate pinned on
 * first use, two servers asked per name), against two local protocol-true
 * test servers on 127.0.0.1 serving a constructed Namecoin-format chain
 * (AuxPoW headers from a test checkpoint; test/fixtures/namecoin/spv) with a
 * name transaction in it and its Merkle branch:
 *
 *   names.bit_resolve_cold_ms        first resolve of a fresh resolver, proofs checked: TLS dial and
 *                                    pin of both servers, server.version, tip, history, transaction,
 *                                    get_merkle, then the proof (Merkle branch to a header of the
 *                                    chain verified from the checkpoint, name script, expiry). The
 *                                    header chain is already in LMDB (a restart); opening it is in
 *                                    the figure. The line's "proof" says which verifier ran.
 *   names.bit_first_resolve_ms       the very first resolve, header store empty: includes syncing
 *                                    and verifying every header from the checkpoint (one sample)
 *   names.bit_resolve_cold_unverified_ms  baseline: the same first resolve with no proof
 *                                    (unverifiedAnswers); ..._cold_vs_unverified is the ratio
 *   names.bit_tls_baseline_ms        baseline: one bare TLS connection to one server and the same
 *                                    five requests in sequence (the network floor of a lookup);
 *                                    ..._cold_vs_tls is the ratio
 *   names.bit_resolve_cached_ms      the same host again on a warm resolver (its cache; median)
 *   names.bit_cached_baseline_ms     baseline: a Map lookup of the same target (what any cache
 *                                    costs at least); ..._cached_vs_map is the ratio
 */

export interface BitFigureOptions { runs: number, cachedPerRun: number }

const CP = 2015
const TIP = CP + 2016
const NAME_HEIGHT = TIP - 30

interface TestNet { a: ElectrumxTlsServer, b: ElectrumxTlsServer, checkpointHash: Buffer, close: () => Promise<void> }

async function startTestNet (): Promise<TestNet> {
  const server = emptyChain(TIP)
  const txid = addNameTx(server, { name: 'd/site', value: JSON.stringify({ ip: '192.0.2.1' }), height: NAME_HEIGHT })
  if (server.histories.get(nameScriptHash('d/site'))?.length !== 1) throw new Error('bench: the name transaction was not indexed')
  // The block holding the name: two transactions, a made-up coinbase and the name transaction.
  const sibling = sha256d(Buffer.from('bench coinbase'))
  const root = sha256d(sibling, Buffer.from(txid, 'hex').reverse())
  const blocks = buildChain({
    checkpointHeight: CP,
    firstTarget: TEST_POW_LIMIT >> 1n,
    count: TIP - CP,
    merkleRootAt: h => h === NAME_HEIGHT ? root : undefined,
    aux: h => ({ magic: true, chainBranch: h % 4, coinbaseBranch: 12 })
  })
  server.headers = new Map(blocks.map(b => [b.height, b.full]))
  server.merkles = new Map([[txid, { merkle: [Buffer.from(sibling).reverse().toString('hex')], block_height: NAME_HEIGHT, pos: 1 }]])
  const a = await startElectrumxTlsServer(server)
  const b = await startElectrumxTlsServer(server)
  return { a, b, checkpointHash: blocks[0].hash, close: async () => { await a.close(); await b.close() } }
}

/** Which proofs ran: the node's default path (SpvNameVerifier), only with the test chain's parameters. */
const PROOF_LABEL = 'SPV, the default ElectrumX path (SpvNameVerifier) with the constructed test chain\'s parameters'

function testChainParams (checkpointHash: Buffer): ChainParams {
  return { name: 'bench test chain', powLimit: TEST_POW_LIMIT, auxpowChainId: 1, auxpowStartHeight: 0, legacyBlocksBefore: 0, checkpoint: { height: CP, hash: checkpointHash, nextTarget: TEST_POW_LIMIT >> 1n } }
}

type ProofMode = { unverified: true } | { params: ChainParams, headersDir: string }

/**
 * One first resolve of a fresh resolver on a fresh data directory (fresh
 * certificate pins). With proofs, its header store is the shared one (a
 * symbolic link), as after a restart, unless that is still empty.
 */
async function coldResolve (net: TestNet, mode: ProofMode, keep?: (r: NamecoinResolver) => Promise<void>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-bit-'))
  let ctx: NameSourceContext = { dataDir: dir, verifier: unverifiedAnswers }
  if (!('unverified' in mode)) {
    symlinkSync(mode.headersDir, join(dir, HEADERS_DIR))
    ctx = { dataDir: dir, chainParams: mode.params, headerSyncWaitMs: Infinity }
  }
  const r = NamecoinResolver.fromConfig(namecoinConfigWithDefaults({ electrumx: { servers: [net.a.spec, net.b.spec] } }), {}, ctx)
  try {
    const t = performance.now()
    const target = await r.resolve('site.bit')
    const ms = performance.now() - t
    if (target.kind !== 'clearnet') throw new Error(`bench: site.bit resolved to ${target.kind}`)
    await keep?.(r)
    return ms
  } finally {
    await r.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function tlsBaseline (net: TestNet): Promise<number> {
  const t = performance.now()
  const conn = await ElectrumConnection.open(parseServer(net.a.spec) ?? (() => { throw new Error('bench: bad spec') })(), { timeoutMs: 5000, rejectUnauthorized: false })
  try {
    await conn.request('server.version', ['bench', '1.4'])
    await conn.request('blockchain.headers.subscribe', [])
    const history = await conn.request('blockchain.scripthash.get_history', [nameScriptHash('d/site')]) as Array<{ tx_hash: string, height: number }>
    await conn.request('blockchain.transaction.get', [history[0].tx_hash])
    await conn.request('blockchain.transaction.get_merkle', [history[0].tx_hash, history[0].height])
    return performance.now() - t
  } finally {
    conn.close()
  }
}

export async function bitFigures (opts: BitFigureOptions): Promise<void> {
  progress(`bit: building a ${(TIP - CP).toLocaleString('en')}-header test chain with a name in block ${NAME_HEIGHT}, two local TLS ElectrumX servers…`)
  const net = await startTestNet()
  const headersDir = mkdtempSync(join(tmpdir(), 'tornet-bench-bit-headers-'))
  try {
    // The first resolve ever: the header store is empty, so the proof syncs every header.
    const proven: ProofMode = { params: testChainParams(net.checkpointHash), headersDir }
    const first = await coldResolve(net, proven)

    progress(`bit: ${opts.runs} cold resolves with proofs, ${opts.runs} without, ${opts.runs} bare TLS baselines, ${opts.cachedPerRun} cached resolves per run…`)
    const cold: number[] = []
    const unverified: number[] = []
    const tls: number[] = []
    const cached: number[] = []
    const mapHits: number[] = []
    for (let i = 0; i < opts.runs; i++) {
      tls.push(await tlsBaseline(net))
      unverified.push(await coldResolve(net, { unverified: true }))
      cold.push(await coldResolve(net, proven, async (r) => {
        for (let j = 0; j < opts.cachedPerRun; j++) {
          const t = performance.now()
          await r.resolve('site.bit')
          cached.push(performance.now() - t)
        }
      }))
      const map = new Map<string, ResolveTarget>([['site.bit', { kind: 'clearnet', host: 'site.bit', addresses: ['192.0.2.1'] }]])
      for (let j = 0; j < opts.cachedPerRun; j++) {
        const t = performance.now()
        if (map.get('site.bit') === undefined) throw new Error('unreachable')
        mapHits.push(performance.now() - t)
      }
    }
    const coldMs = median(cold)
    emit('names.bit_resolve_cold_ms', round(coldMs, 2), 'ms', {
      proof: PROOF_LABEL, runs: cold.length, p90: round(percentile(cold, 90), 2), servers: 2, headers_in_store: TIP - CP, includes: 'TLS dial + pin of 2 servers, 5 requests each, LMDB open, Merkle proof'
    })
    emit('names.bit_first_resolve_ms', round(first, 1), 'ms', { proof: PROOF_LABEL, headers_synced: TIP - CP, samples: 1 })
    emit('names.bit_resolve_cold_unverified_ms', round(median(unverified), 2), 'ms', { proof: 'none (unverifiedAnswers)', runs: unverified.length })
    emit('names.bit_cold_vs_unverified', round(coldMs / median(unverified), 3), 'ratio')
    emit('names.bit_tls_baseline_ms', round(median(tls), 2), 'ms', { what: 'one bare TLS connection, the same 5 requests in sequence', runs: tls.length })
    emit('names.bit_cold_vs_tls', round(coldMs / median(tls), 3), 'ratio')
    const cachedMs = median(cached)
    emit('names.bit_resolve_cached_ms', round(cachedMs, 4), 'ms', { proof: PROOF_LABEL, samples: cached.length, p99: round(percentile(cached, 99), 4) })
    emit('names.bit_cached_baseline_ms', round(median(mapHits), 5), 'ms', { what: 'Map.get of the same target', samples: mapHits.length })
    emit('names.bit_cached_vs_map', round(cachedMs / Math.max(median(mapHits), 1e-6), 1), 'ratio')
  } finally {
    await net.close()
    rmSync(headersDir, { recursive: true, force: true })
  }
}
