import { describe, expect, it } from 'vitest'
import { classifyReachability, describeReachability } from '../../../../src/node/services/reach/reachability.js'

const seen = (port: number, hosts: number): { endpoint: { address: string, port: number }, hosts: number, lastSeen: number } =>
  ({ endpoint: { address: '198.18.0.4', port }, hosts, lastSeen: 0 })

describe('classifyReachability', () => {
  it('public takes dial-backs from two hosts, whatever was observed', () => {
    expect(classifyReachability({ dialedBackHosts: 2, askedHosts: 2, observed: [seen(1, 1), seen(2, 1)], reportingHosts: 2 }).status).toBe('public')
    expect(classifyReachability({ dialedBackHosts: 1, askedHosts: 2, observed: [], reportingHosts: 0 }).status).toBe('unknown')
  })

  it('two hosts seeing one endpoint: a NAT that keeps the mapping; seeing different ports: unreachable', () => {
    const keeps = classifyReachability({ dialedBackHosts: 0, askedHosts: 2, observed: [seen(9151, 2)], reportingHosts: 2 })
    expect(keeps).toMatchObject({ status: 'nat-keeps-mapping', address: { address: '198.18.0.4', port: 9151 } })
    expect(describeReachability(keeps)).toContain('keeps one mapping at 198.18.0.4:9151')
    expect(classifyReachability({ dialedBackHosts: 1, askedHosts: 2, observed: [seen(40000, 1), seen(40001, 1)], reportingHosts: 2 }).status).toBe('unreachable')
  })

  it('one reporting host is not enough to conclude anything', () => {
    expect(classifyReachability({ dialedBackHosts: 0, askedHosts: 1, observed: [seen(9151, 1)], reportingHosts: 1 }).status).toBe('unknown')
  })
})
