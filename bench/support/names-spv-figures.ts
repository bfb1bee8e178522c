import { hash as nativeHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { NAMECOIN_MAINNET, type ChainParams } from '../../src/resolvers/namecoin/spv/chain-params.js'
import { HeaderChain, MAX_HEADERS_PER_RUN } from '../../src/resolvers/namecoin/spv/header-chain.js'
import { decodeHeader, decodeHeaders } from '../../src/resolvers/namecoin/spv/header-codec.js'
import { verifyHeaderWork } from '../../src/resolvers/namecoin/spv/header-verify.js'
import { TEST_POW_LIMIT, buildChain, type SyntheticBlock } from '../../test/fixtures/namecoin/spv/synthetic-chain.js'
import { emit, progress } from '../util.js'
import { median, round } from './stats.js'

/**
 * Namecoin SPV header figures (issue 15), one core, each with its baseline from the same run:
 *
 *   names.header_verify_per_s        real mainnet AuxPoW headers (blocks 19,414 and 37,174, from
 *                                    Electrum-NMC's test_auxpow.py) decoded and fully checked
 *                                    (chain id, AuxPoW commitments, parent proof of work) per second
 *   names.header_verify_chain_s      --headers headers at that rate (target < 60 s)
 *   names.header_hash_baseline_per_s native double SHA-256 of 80 bytes per second (node:crypto's
 *                                    one-shot hash, not the code under test: the floor, as a header
 *                                    costs at least two of them, its own and its parent's)
 *   names.header_verify_vs_hash      the ratio of the two
 *   names.header_accept_per_s        HeaderChain.accept of mainnet-shaped synthetic AuxPoW headers
 *                                    (coinbase branch of 12, as a parent block of ~4,000
 *                                    transactions; chain branch 0–3; magic) in runs of 2016, into a
 *                                    fresh LMDB store: decode, link, bits, AuxPoW, work, write —
 *                                    the whole path a sync takes, minus the network (median of rounds)
 *   names.header_accept_chain_s      projection: --headers headers at the accept rate (target < 60 s)
 *   names.header_accept_verify_baseline_per_s  the same synthetic headers decoded and verified
 *                                    (verifyHeaderWork) without the chain or LMDB
 *   names.header_accept_vs_verify    accept ÷ that baseline (what linkage, retarget and storage cost)
 *   names.header_accept_vs_hash      accept ÷ the hash baseline measured in the same round: the
 *                                    figure to compare across runs on a busy machine
 *   names.header_lmdb_put_baseline_per_s  bare LMDB: 80-byte values under 4-byte keys, one
 *                                    transaction per 2016, as the store writes them
 *
 * Rates are per CPU second of this process (process.cpuUsage: "on one core", and steady when
 * other work shares the machine); each line also gives the wall-clock rate (wall_per_s).
 * --headers defaults to 470,000: an estimate of mainnet blocks after the shipped checkpoint
 * (385,055) by late 2026, not a recorded count.
 */

export interface SpvFigureOptions { seconds: number, headers: number, rounds: number }

const CP = 2015

function testParams (checkpoint: SyntheticBlock): ChainParams {
  return { name: 'bench', powLimit: TEST_POW_LIMIT, auxpowChainId: 1, auxpowStartHeight: 0, legacyBlocksBefore: 0, checkpoint: { height: CP, hash: checkpoint.hash, nextTarget: TEST_POW_LIMIT >> 1n } }
}

/** Items per CPU second and per wall second. */
interface Rate { cpu: number, wall: number }

function startClock (): () => { cpuMs: number, wallMs: number } {
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  return () => {
    const d = process.cpuUsage(cpu0)
    return { cpuMs: (d.user + d.system) / 1000, wallMs: performance.now() - wall0 }
  }
}

function rateOf (count: number, t: { cpuMs: number, wallMs: number }): Rate {
  return { cpu: count / (Math.max(t.cpuMs, 0.001) / 1000), wall: count / (t.wallMs / 1000) }
}

function realHeaderRate (seconds: number): Rate & { heights: number[], bytes: number[] } {
  const real = JSON.parse(readFileSync(new URL('../../../test/fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8')) as { mainnet: Array<{ height: number, hex: string }> }
  const samples = real.mainnet.filter(h => h.height === 19414 || h.height === 37174).map(h => ({ height: h.height, raw: Buffer.from(h.hex, 'hex') }))
  let n = 0
  const stop = startClock()
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) {
    for (let k = 0; k < 100; k++) {
      const s = samples[k & 1]
      verifyHeaderWork(decodeHeader(s.raw), s.height, NAMECOIN_MAINNET)
    }
    n += 100
  }
  return { ...rateOf(n, stop()), heights: samples.map(s => s.height), bytes: samples.map(s => s.raw.length) }
}

/** node:crypto's one-shot double SHA-256 of 80 bytes (not the code under test). */
function hashBaseline (seconds: number): Rate {
  const raw80 = Buffer.alloc(80, 0x5a)
  let m = 0
  const stop = startClock()
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) {
    for (let k = 0; k < 1000; k++) { raw80[0] = k; nativeHash('sha256', nativeHash('sha256', raw80, 'buffer'), 'buffer') }
    m += 1000
  }
  return rateOf(m, stop())
}

/** One accept round into a fresh store. */
async function acceptRound (blocks: SyntheticBlock[], runs: Array<{ start: number, raw: Buffer }>): Promise<Rate> {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-spv-'))
  const chain = HeaderChain.open(dir, testParams(blocks[0]))
  try {
    chain.anchor(blocks[0].raw80)
    const stop = startClock()
    for (const r of runs) chain.accept(r.start, r.raw)
    const t = stop()
    if (chain.tipHeight !== CP + blocks.length - 1) throw new Error(`bench: accepted up to ${chain.tipHeight}, expected ${CP + blocks.length - 1}`)
    return rateOf(blocks.length - 1, t)
  } finally {
    await chain.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function verifyOnlyRate (blocks: SyntheticBlock[], runs: Array<{ start: number, raw: Buffer }>): Rate {
  const params = testParams(blocks[0])
  const stop = startClock()
  for (const r of runs) {
    const hs = decodeHeaders(r.raw, MAX_HEADERS_PER_RUN)
    hs.forEach((h, i) => verifyHeaderWork(h, r.start + i, params))
  }
  return rateOf(blocks.length - 1, stop())
}

async function lmdbPutBaseline (count: number): Promise<Rate> {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-lmdb-'))
  const env = open<Buffer, Buffer>({ path: dir, maxDbs: 4, encoding: 'binary', keyEncoding: 'binary' })
  const db = env.openDB<Buffer, Buffer>('headers', { encoding: 'binary', keyEncoding: 'binary' })
  const value = Buffer.alloc(80, 1)
  try {
    const stop = startClock()
    for (let start = 0; start < count; start += MAX_HEADERS_PER_RUN) {
      env.transactionSync(() => {
        for (let h = start; h < Math.min(count, start + MAX_HEADERS_PER_RUN); h++) {
          const k = Buffer.alloc(4)
          k.writeUInt32BE(h)
          db.putSync(k, value)
        }
      })
    }
    return rateOf(count, stop())
  } finally {
    await env.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const cpuMedian = (xs: Rate[]): number => median(xs.map(x => x.cpu))
const wallMedian = (xs: Rate[]): number => median(xs.map(x => x.wall))

export async function spvFigures (opts: SpvFigureOptions): Promise<void> {
  progress(`spv: verifying real AuxPoW headers for ${opts.seconds} s…`)
  const real = realHeaderRate(opts.seconds)
  const hash = hashBaseline(Math.min(opts.seconds, 1))
  const estimate = 'header count since checkpoint 385,055 is an estimate'
  emit('names.header_verify_per_s', Math.round(real.cpu), 'headers/s', { per: 'CPU second', wall_per_s: Math.round(real.wall), headers: real.heights, bytes: real.bytes })
  emit('names.header_verify_chain_s', round(opts.headers / real.cpu, 1), 's', { headers: opts.headers, target_s: 60, note: estimate })
  emit('names.header_hash_baseline_per_s', Math.round(hash.cpu), 'hashes/s', { per: 'CPU second', wall_per_s: Math.round(hash.wall), what: 'double SHA-256 of 80 bytes (node:crypto one-shot hash)' })
  emit('names.header_verify_vs_hash', round(real.cpu / hash.cpu, 4), 'ratio')

  const periods = 4
  const count = periods * MAX_HEADERS_PER_RUN
  progress(`spv: building ${count.toLocaleString('en')} mainnet-shaped synthetic AuxPoW headers…`)
  const blocks = buildChain({ checkpointHeight: CP, firstTarget: TEST_POW_LIMIT >> 1n, count, aux: h => ({ magic: true, chainBranch: h % 4, coinbaseBranch: 12 }) })
  const runs: Array<{ start: number, raw: Buffer }> = []
  for (let start = CP + 1; start <= CP + count; start += MAX_HEADERS_PER_RUN) {
    runs.push({ start, raw: Buffer.concat(blocks.slice(start - CP, start - CP + MAX_HEADERS_PER_RUN).map(b => b.full)) })
  }
  const accept: Rate[] = []
  const verify: Rate[] = []
  const vsHash: number[] = []
  for (let r = 1; r <= opts.rounds; r++) {
    const base = hashBaseline(0.5)
    verify.push(verifyOnlyRate(blocks, runs))
    accept.push(await acceptRound(blocks, runs))
    vsHash.push(accept[r - 1].cpu / base.cpu)
    progress(`spv: round ${r}/${opts.rounds}: accept ${Math.round(accept[r - 1].cpu)} headers/CPU s (${Math.round(accept[r - 1].wall)}/s wall), verify only ${Math.round(verify[r - 1].cpu)}, hash baseline ${Math.round(base.cpu)}/CPU s`)
  }
  const lmdb = await lmdbPutBaseline(count)
  const acceptRate = cpuMedian(accept)
  const worst = Math.min(...accept.map(a => a.cpu))
  const bytes = Math.round(runs.reduce((s, r) => s + r.raw.length, 0) / count)
  emit('names.header_accept_per_s', Math.round(acceptRate), 'headers/s', {
    per: 'CPU second', wall_per_s: Math.round(wallMedian(accept)), headers: count, rounds: opts.rounds, min: Math.round(worst), max: Math.round(Math.max(...accept.map(a => a.cpu))), bytes_per_header: bytes, store: 'LMDB, one transaction per run of 2016'
  })
  emit('names.header_accept_chain_s', round(opts.headers / acceptRate, 1), 's', { headers: opts.headers, target_s: 60, worst_round_s: round(opts.headers / worst, 1), wall_s: round(opts.headers / wallMedian(accept), 1), note: estimate })
  emit('names.header_accept_verify_baseline_per_s', Math.round(cpuMedian(verify)), 'headers/s', { per: 'CPU second', wall_per_s: Math.round(wallMedian(verify)), headers: count })
  emit('names.header_accept_vs_verify', round(acceptRate / cpuMedian(verify), 3), 'ratio')
  emit('names.header_accept_vs_hash', round(median(vsHash), 4), 'ratio', { rounds: opts.rounds })
  emit('names.header_lmdb_put_baseline_per_s', Math.round(lmdb.cpu), 'puts/s', { per: 'CPU second', wall_per_s: Math.round(lmdb.wall), puts: count })
}
