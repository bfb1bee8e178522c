import { describe, expect, it } from 'vitest'
import { RtoEstimator } from '../../../../src/node/link/stream/rto-estimator.js'
import { RTO_INITIAL_MS, RTO_MAX_MS, RTO_MIN_MS } from '../../../../src/node/link/stream/constants.js'

describe('RtoEstimator (RFC 6298)', () => {
  it('starts from the initial RTO and takes the first sample whole', () => {
    const r = new RtoEstimator()
    expect(r.rto).toBe(RTO_INITIAL_MS)
    r.sample(100)
    expect(r.srtt).toBe(100)
    expect(r.rttvar).toBe(50)
    expect(r.rto).toBe(300)
  })

  it('smooths later samples with 1/8 and 1/4', () => {
    const r = new RtoEstimator()
    r.sample(100); r.sample(200)
    expect(r.rttvar).toBeCloseTo(0.75 * 50 + 0.25 * 100)
    expect(r.srtt).toBeCloseTo(0.875 * 100 + 0.125 * 200)
    expect(r.minRtt).toBe(100)
    expect(r.latest).toBe(200)
  })

  it('clamps to the bounds, backs off exponentially up to the maximum, and a sample clears the backoff', () => {
    const r = new RtoEstimator()
    r.sample(0.1)
    expect(r.rto).toBe(RTO_MIN_MS)
    r.backOff(); expect(r.rto).toBe(2 * RTO_MIN_MS)
    r.backOff(); expect(r.rto).toBe(4 * RTO_MIN_MS)
    for (let i = 0; i < 40; i++) r.backOff()
    expect(r.rto).toBe(RTO_MAX_MS)
    r.sample(0.1)
    expect(r.rto).toBe(RTO_MIN_MS)
  })

  it('ignores nonsense samples', () => {
    const r = new RtoEstimator()
    r.sample(Number.NaN); r.sample(-1)
    expect(r.hasSample).toBe(false)
  })
})
