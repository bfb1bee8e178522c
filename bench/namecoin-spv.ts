import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeaderChain } from '../src/resolvers/namecoin/spv/header-chain.js'
import { TEST_POW_LIMIT, buildChain } from '../test/fixtures/namecoin/spv/synthetic-chain.js'
import { parseArgs } from 'node:util'
import { NAMECOIN_MAINNET } from '../src/resolvers/namecoin/spv/chain-params.js'
import { decodeHeader, sha256d } from '../src/resolvers/namecoin/spv/header-codec.js'
import { verifyHeaderWork } from '../src/resolvers/namecoin/spv/header-verify.js'
import { emit, progress } from './util.js'

/**
 * Namecoin SPV header verification (issue 15), one core:
 *
 *   names.header_verify_per_s        real mainnet AuxPoW headers (blocks 19,414 and 37,174 from
 *                                    Electrum-NMC's tests) decoded and fully checked (chain id,
 *                                    AuxPoW commitments, parent proof of work) per second
 *   names.header_verify_chain_s      projection: --headers headers at that rate (default 470,000,
 *                                    an estimate of mainnet blocks after the shipped checkpoint
 *                                    385,055 by late 2026; target < 60 s)
 *   names.header_chain_accept_per_s  HeaderChain.accept of synthetic AuxPoW headers (test network, real
 *                                    format) in runs of 2016: decode, link, bits, AuxPoW, work, LMDB
 *                                    write — the whole path a sync takes, minus the network
 *   names.header_hash_baseline_per_s native double SHA-256 of 80 bytes per second (the floor)
 *
 * Its own suite (not `names`, which runs the 1,000-node simulator for minutes):
 *   npm run bench -- namecoin-spv [--seconds 3] [--headers 470000]
 */
export const summary = 'Namecoin SPV: AuxPoW headers verified per second, projection for the chain since the checkpoint'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '3' }, headers: { type: 'string', default: '470000' } } })
  const seconds = Number(values.seconds)
  const chainHeaders = Number(values.headers)
  const real = JSON.parse(readFileSync(new URL('../../test/fixtures/namecoin/spv/real-headers.json', import.meta.url), 'utf8')) as { mainnet: Array<{ height: number, hex: string }> }
  const samples = real.mainnet.filter(h => h.height === 19414 || h.height === 37174).map(h => ({ height: h.height, raw: Buffer.from(h.hex, 'hex') }))

  progress(`verifying real AuxPoW headers for ${seconds} s…`)
  let n = 0
  const t0 = performance.now()
  const until = t0 + seconds * 1000
  while (performance.now() < until) {
    for (let k = 0; k < 100; k++) {
      const s = samples[k & 1]
      verifyHeaderWork(decodeHeader(s.raw), s.height, NAMECOIN_MAINNET)
    }
    n += 100
  }
  const rate = n / ((performance.now() - t0) / 1000)
  emit('names.header_verify_per_s', Math.round(rate), 'headers/s', { headers: samples.map(s => s.height), bytes: samples.map(s => s.raw.length) })
  emit('names.header_verify_chain_s', Math.round(chainHeaders / rate * 10) / 10, 's', { headers: chainHeaders, target_s: 60 })

  progress('building 4,032 synthetic AuxPoW headers for the chain figure…')
  const blocks = buildChain({ checkpointHeight: 2015, firstTarget: TEST_POW_LIMIT >> 1n, count: 4032, aux: h => ({ magic: true, chainBranch: h % 4, parentTxs: 200 }) })
  const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-spv-'))
  const chain = HeaderChain.open(dir, { name: 'bench', powLimit: TEST_POW_LIMIT, auxpowChainId: 1, auxpowStartHeight: 0, legacyBlocksBefore: 0, checkpoint: { height: 2015, hash: blocks[0].hash, nextTarget: TEST_POW_LIMIT >> 1n } })
  try {
    chain.anchor(blocks[0].raw80)
    const t2 = performance.now()
    for (let start = 2016; start <= 2015 + 4032; start += 2016) chain.accept(start, Buffer.concat(blocks.slice(start - 2015, start - 2015 + 2016).map(b => b.full)))
    emit('names.header_chain_accept_per_s', Math.round(4032 / ((performance.now() - t2) / 1000)), 'headers/s', { headers: 4032, bytes_per_header: Math.round(blocks[1].full.length) })
  } finally {
    await chain.close()
    rmSync(dir, { recursive: true, force: true })
  }

  const raw80 = samples[0].raw.subarray(0, 80)
  let m = 0
  const t1 = performance.now()
  while (performance.now() < t1 + 1000) { for (let k = 0; k < 1000; k++) sha256d(raw80); m += 1000 }
  emit('names.header_hash_baseline_per_s', Math.round(m / ((performance.now() - t1) / 1000)), 'hashes/s')
}
