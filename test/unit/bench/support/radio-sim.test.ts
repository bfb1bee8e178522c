import { describe, expect, it } from 'vitest'
import { runRadioSim } from '../../../../bench/support/radio-sim.js'

describe('radio simulation (bench support)', () => {
  it('a small tree on the virtual network: every figure is measured and the source uploads only its roots', async () => {
    const f = await runRadioSim({ nodes: 60, listeners: 40, joinSpreadMs: 10_000, tailMs: 5_000, leaveFraction: 0.1, loss: 0.01, seed: 3, playoutMs: 3_000 })
    expect(f.listenersMeasured).toBeGreaterThanOrEqual(35)
    // Two roots: about two copies of the stream, whatever the audience.
    expect(f.sourceUploadRatio).toBeGreaterThan(1.5)
    expect(f.sourceUploadRatio).toBeLessThan(3)
    expect(f.continuity).toBeGreaterThan(0.95)
    expect(f.joinMsP50).toBeGreaterThan(0) // latency is modelled
    expect(f.maxFanout).toBeLessThanOrEqual(8)
    expect(f.relaysKilled).toBeGreaterThan(0)
  })
})
