import { describe, expect, it } from 'vitest'
import { parseBootstrapList, resolveBootstrapList } from '../../../src/node/routing/bootstrap-endpoints.js'
import { isTornetError } from '../../../src/node/errors.js'

describe('bootstrap lists', () => {
  it('parses host:port entries with IPv6 in brackets and comments', () => {
    const text = `# seeds
      192.0.2.1:7000, seed.example.org:7001
      [2001:db8::1]:7002  # the IPv6 one
    `
    expect(parseBootstrapList(text)).toEqual([
      { host: '192.0.2.1', port: 7000 },
      { host: 'seed.example.org', port: 7001 },
      { host: '2001:db8::1', port: 7002 }
    ])
  })

  it('rejects entries without a valid port', () => {
    for (const bad of ['1.2.3.4', '1.2.3.4:0', 'host:70000', '2001:db8::1:7000']) {
      let err: unknown
      try { parseBootstrapList(bad) } catch (e) { err = e }
      expect(isTornetError(err, 'ROUTING_BOOTSTRAP_FAILED')).toBe(true)
    }
  })

  it('passes addresses through without a DNS query', async () => {
    expect(await resolveBootstrapList([{ host: '::1', port: 1 }, { host: '127.0.0.1', port: 2 }])).toEqual([
      { address: '::1', port: 1 }, { address: '127.0.0.1', port: 2 }
    ])
  })
})
