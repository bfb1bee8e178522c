/**
 * The CI budget of the fuzzer: every target (fuzz/targets) for a few hundred cases with a fixed
 * seed, so a decoder that starts crashing fails the suite. The long runs are `npm run fuzz -- all
 * --runs 1000000` (see README, Reliability).
 */
import { describe, expect, it } from 'vitest'
import { runTarget } from '../../fuzz/harness.js'
import { TARGETS } from '../../fuzz/targets/index.js'

const RUNS = 500

describe('fuzz targets (short CI budget)', () => {
  it('covers every decoder family the issue names', () => {
    const names = TARGETS.map(t => t.name)
    for (const n of ['link-packets', 'channel-frames', 'stream-frames', 'routing-messages', 'chunk-messages', 'kv-messages', 'names-messages',
      'mail-messages', 'radio-messages', 'tunnel-cells', 'tunnel-hidden-messages', 'tunnel-descriptors', 'relay-frames', 'punch-messages',
      'reach-messages', 'ledger-records', 'gateway-socks', 'gateway-http-heads', 'gateway-multipart', 'namecoin-name-values',
      'namecoin-electrumx', 'config-files']) expect(names).toContain(n)
    expect(new Set(names).size).toBe(names.length)
  })

  it.each(TARGETS.map(t => [t.name, t] as const))('%s: no crash, no hang', async (_name, target) => {
    const r = await runTarget(target, { runs: RUNS, seed: 20261206, hangMs: 5000 })
    expect(r.cases).toBe(RUNS)
    expect(r.findings.map(f => `${f.kind}: ${f.detail.split('\n')[0]} (input ${f.inputHex.slice(0, 200)})`)).toEqual([])
    expect(r.crashes).toBe(0)
    expect(r.hangs).toBe(0)
  })
})
