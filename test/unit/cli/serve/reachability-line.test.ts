import { describe, expect, it } from 'vitest'
import { reportReachability } from '../../../../src/cli/serve/reachability-line.js'
import type { Reachability } from '../../../../src/node/index.js'

const unknown: Reachability = { status: 'unknown', dialedBack: 0, asked: 0, reportingHosts: 1 }
const keeps: Reachability = { status: 'nat-keeps-mapping', address: { address: '198.18.0.4', port: 9151 }, dialedBack: 0, asked: 2, reportingHosts: 2 }
const pub: Reachability = { status: 'public', address: { address: '198.18.0.4', port: 9151 }, dialedBack: 2, asked: 2, reportingHosts: 2 }

describe('reportReachability', () => {
  it('retries until it knows, prints each different answer once, and ends on abort', async () => {
    const answers = [unknown, unknown, keeps, keeps, pub]
    const lines: string[] = []
    const stop = new AbortController()
    let checks = 0
    const node = {
      reach: {
        check: async () => {
          const r = answers[Math.min(checks++, answers.length - 1)]
          if (checks === answers.length) setTimeout(() => stop.abort(), 5)
          return r
        }
      }
    }
    await reportReachability(node, (l) => lines.push(l), stop.signal, { retryMs: 1, recheckMs: 1 })
    expect(checks).toBeGreaterThanOrEqual(answers.length)
    expect(lines).toEqual([
      'reachability: behind a NAT that keeps one mapping at 198.18.0.4:9151 (2 peers see it; none reached it unasked)',
      'reachability: public at 198.18.0.4:9151 (2 of 2 peers reached this node from ports it never sent to)'
    ])
  })

  it('a failing check is retried, not thrown', async () => {
    const stop = new AbortController()
    let checks = 0
    const node = { reach: { check: async (): Promise<Reachability> => { if (++checks === 3) stop.abort(); throw new Error('stopping') } } }
    await reportReachability(node, () => {}, stop.signal, { retryMs: 1 })
    expect(checks).toBe(3)
  })
})
