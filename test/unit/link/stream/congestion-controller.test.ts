import { describe, expect, it } from 'vitest'
import { WestwoodRenoController } from '../../../../src/node/link/stream/congestion-controller.js'
import { RtoEstimator } from '../../../../src/node/link/stream/rto-estimator.js'
import { INITIAL_CWND_FRAMES, MIN_CWND_FRAMES } from '../../../../src/node/link/stream/constants.js'

const MSS = 1000

/** Feeds `rounds` round trips of a full window delivered over `rttMs` each. */
function deliverRounds (cc: WestwoodRenoController, rtt: RtoEstimator, rounds: number, rttMs: number, start: number): number {
  let now = start
  for (let i = 0; i < rounds; i++) {
    const w = cc.cwnd
    for (let k = 0; k < 10; k++) { now += rttMs / 10; cc.onDelivered(w / 10, now, rtt) }
    rtt.sample(rttMs)
  }
  return now
}

describe('WestwoodRenoController', () => {
  it('slow start doubles per round trip, avoidance adds one frame per round trip', () => {
    const cc = new WestwoodRenoController(MSS, 0)
    const rtt = new RtoEstimator()
    expect(cc.cwnd).toBe(INITIAL_CWND_FRAMES * MSS)
    deliverRounds(cc, rtt, 1, 10, 0)
    expect(cc.cwnd).toBeCloseTo(2 * INITIAL_CWND_FRAMES * MSS)
    cc.ssthresh = cc.cwnd
    const before = cc.cwnd
    deliverRounds(cc, rtt, 1, 10, 100)
    expect(cc.cwnd - before).toBeGreaterThan(0.9 * MSS)
    expect(cc.cwnd - before).toBeLessThan(1.1 * MSS)
  })

  it('random loss on a path without a queue barely shrinks the window', () => {
    const cc = new WestwoodRenoController(MSS, 0)
    const rtt = new RtoEstimator()
    cc.ssthresh = 100 * MSS
    cc.cwnd = 100 * MSS
    deliverRounds(cc, rtt, 30, 10, 0) // delivery rate = cwnd / 10 ms, RTT = min RTT
    const before = cc.cwnd
    cc.onCongestionEvent(300, rtt)
    expect(cc.cwnd).toBeGreaterThan(0.85 * before)
    expect(cc.cwnd).toBeLessThanOrEqual(before)
  })

  it('loss with a standing queue cuts toward the bandwidth-delay product, never below half', () => {
    const cc = new WestwoodRenoController(MSS, 0)
    const rtt = new RtoEstimator()
    rtt.sample(10) // the empty path
    cc.ssthresh = 100 * MSS
    cc.cwnd = 100 * MSS
    // The queue doubles the RTT: the delivery rate is cwnd / 20 ms, the BDP half the window.
    deliverRounds(cc, rtt, 30, 20, 0)
    const before = cc.cwnd
    cc.onCongestionEvent(600, rtt)
    expect(cc.cwnd).toBeLessThan(0.6 * before)
    expect(cc.cwnd).toBeGreaterThanOrEqual(0.5 * before - 1)
    expect(cc.ssthresh).toBe(cc.cwnd)
  })

  it('a timeout drops to one frame; the window never goes below the minimum on loss', () => {
    const cc = new WestwoodRenoController(MSS, 0)
    const rtt = new RtoEstimator()
    cc.onTimeout(0, rtt)
    expect(cc.cwnd).toBe(MSS)
    for (let i = 0; i < 10; i++) cc.onCongestionEvent(0, rtt)
    expect(cc.cwnd).toBe(MIN_CWND_FRAMES * MSS)
  })

  it('HyStart: slow start ends when a round\'s minimum RTT rises by the threshold', () => {
    const cc = new WestwoodRenoController(MSS, 0)
    cc.cwnd = 20 * MSS
    const round = (rtt: number): void => {
      cc.onRoundStart()
      for (let i = 0; i < 8; i++) cc.onRttSample(rtt + i * 0.1)
    }
    round(10); round(10); round(13.9)
    expect(cc.ssthresh).toBe(Infinity) // below 10 + max(4, 10/8)
    round(10); round(14)
    expect(cc.ssthresh).toBe(cc.cwnd)
  })

  it('paces at a multiple of cwnd/srtt, unpaced before any RTT sample', () => {
    const cc = new WestwoodRenoController(MSS, 0)
    const rtt = new RtoEstimator()
    expect(cc.pacingRate(rtt)).toBe(Infinity)
    rtt.sample(10)
    expect(cc.pacingRate(rtt)).toBeCloseTo(2 * cc.cwnd / 10) // slow start gain
    cc.ssthresh = cc.cwnd
    expect(cc.pacingRate(rtt)).toBeCloseTo(1.25 * cc.cwnd / 10)
  })
})
