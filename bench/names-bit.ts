import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NamecoinResolver, namecoinConfigWithDefaults, unverifiedAnswers, type NameSourceContext } from '../src/resolvers/namecoin/index.js'
import { provenWorld } from '../test/fixtures/namecoin/spv/proven-names.js'
import { startElectrumxTlsServer } from '../test/helpers/electrumx-tls.js'
import { emit, progress } from './util.js'

/**
 * .bit resolution through the default ElectrumX backend (TLS, certificate
 * pinned on first use, two servers of different operators asked at once),
 * against two local protocol-true test servers on 127.0.0.1:
 *
 *   names.bit_resolve_cold_ms    first resolve of a fresh resolver on a fresh data directory:
 *                                TLS dial, pin, server.version, tip, history, the header sync
 *                                from the checkpoint (2,065 AuxPoW headers of the constructed
 *                                test chain), transaction, Merkle branch, proof (median of runs)
 *   names.bit_resolve_proven_ms  a fresh resolver on a data directory whose headers are verified
 *                                (a restarted node): dial, pin, lookup and proof, no sync
 *   names.bit_resolve_cached_ms  the same host again (resolver cache hit; median)
 *
 * Baseline in the same run: the same fresh-resolver lookup with the unverified stand-in
 * (`unverifiedAnswers`), so the ratio shows what proving costs. Answers are proven by the
 * default SPV verifier against the constructed test chain (test/fixtures/namecoin/spv).
 */
export const summary = '.bit resolution through the ElectrumX backend on local TLS test servers: cold, cached'

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

export async function run (): Promise<void> {
  const TIP = 750_000
  const world = provenWorld({ tip: TIP, txs: [{ name: 'd/site', value: JSON.stringify({ ip: '192.0.2.1' }), height: TIP - 100 }] })
  const headers = TIP - world.params.checkpoint.height
  const a = await startElectrumxTlsServer(world.chain)
  const b = await startElectrumxTlsServer(world.chain)
  const config = namecoinConfigWithDefaults({ electrumx: { servers: [a.spec, b.spec] } })
  const cold: number[] = []
  const proven: number[] = []
  const unverified: number[] = []
  const cached: number[] = []
  const once = async (ctx: NameSourceContext, into: number[], thenCached = false): Promise<void> => {
    const r = NamecoinResolver.fromConfig(config, {}, { chainParams: world.params, ...ctx })
    let t = performance.now()
    await r.resolve('site.bit')
    into.push(performance.now() - t)
    for (let j = 0; thenCached && j < 50; j++) {
      t = performance.now()
      await r.resolve('site.bit')
      cached.push(performance.now() - t)
    }
    await r.close()
  }
  try {
    progress(`names-bit: cold (header sync of ${headers} headers + proof), proven, unverified and cached .bit resolves`)
    for (let i = 0; i < 10; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-bit-'))
      await once({ dataDir: dir }, cold, true)
      await once({ dataDir: dir }, proven)
      rmSync(dir, { recursive: true, force: true })
      const plain = mkdtempSync(join(tmpdir(), 'tornet-bench-bit-'))
      await once({ dataDir: plain, verifier: unverifiedAnswers }, unverified)
      rmSync(plain, { recursive: true, force: true })
    }
    const base = median(unverified)
    emit('names.bit_resolve_cold_ms', Math.round(median(cold) * 100) / 100, 'ms', { runs: cold.length, servers: 2, proof: 'verified', headersSynced: headers, vsUnverified: Math.round(median(cold) / base * 100) / 100 })
    emit('names.bit_resolve_proven_ms', Math.round(median(proven) * 100) / 100, 'ms', { runs: proven.length, proof: 'verified, headers already in the data dir', vsUnverified: Math.round(median(proven) / base * 100) / 100 })
    emit('names.bit_resolve_unverified_ms', Math.round(base * 100) / 100, 'ms', { runs: unverified.length, proof: 'unverified (baseline: the stand-in verifier)' })
    emit('names.bit_resolve_cached_ms', Math.round(median(cached) * 10000) / 10000, 'ms', { runs: cached.length })
  } finally {
    await a.close()
    await b.close()
  }
}
