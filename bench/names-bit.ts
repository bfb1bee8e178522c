import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NamecoinResolver, namecoinConfigWithDefaults } from '../src/resolvers/namecoin/index.js'
import { addNameTx, emptyChain } from '../test/helpers/electrumx-server.js'
import { startElectrumxTlsServer } from '../test/helpers/electrumx-tls.js'
import { emit, progress } from './util.js'

/**
 * .bit resolution through the default ElectrumX backend (TLS, certificate
 * pinned on first use, two servers of different operators asked at once),
 * against two local protocol-true test servers on 127.0.0.1:
 *
 *   names.bit_resolve_cold_ms    first resolve of a fresh resolver: TLS dial, pin,
 *                                server.version, tip, history, transaction (median of runs)
 *   names.bit_resolve_cached_ms  the same host again (resolver cache hit; median)
 *
 * Proof status: whatever verifier is plugged in (today the `unverifiedAnswers`
 * stand-in, so no SPV work is in these figures). Each cold run has a fresh
 * data directory, so it includes pinning both certificates.
 */
export const summary = '.bit resolution through the ElectrumX backend on local TLS test servers: cold, cached'

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

export async function run (): Promise<void> {
  const TIP = 750_000
  const chain = emptyChain(TIP)
  addNameTx(chain, { name: 'd/site', value: JSON.stringify({ ip: '192.0.2.1' }), height: TIP - 100 })
  const a = await startElectrumxTlsServer(chain)
  const b = await startElectrumxTlsServer(chain)
  const cold: number[] = []
  const cached: number[] = []
  try {
    progress('names-bit: cold and cached .bit resolves')
    for (let i = 0; i < 20; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tornet-bench-bit-'))
      const r = NamecoinResolver.fromConfig(namecoinConfigWithDefaults({ electrumx: { servers: [a.spec, b.spec] } }), {}, { dataDir: dir })
      let t = performance.now()
      await r.resolve('site.bit')
      cold.push(performance.now() - t)
      for (let j = 0; j < 50; j++) {
        t = performance.now()
        await r.resolve('site.bit')
        cached.push(performance.now() - t)
      }
      r.close()
      rmSync(dir, { recursive: true, force: true })
    }
    emit('names.bit_resolve_cold_ms', Math.round(median(cold) * 100) / 100, 'ms', { runs: cold.length, servers: 2, proof: 'unverified (no SPV verifier plugged in)' })
    emit('names.bit_resolve_cached_ms', Math.round(median(cached) * 10000) / 10000, 'ms', { runs: cached.length })
  } finally {
    await a.close()
    await b.close()
  }
}
