import { describe, expect, it } from 'vitest'
import { TornetError } from '../../../src/node/errors.js'
import type { ResolveTarget, Resolver } from '../../../src/gateway/ports.js'
import { planTunnel, type TunnelPolicy } from '../../../src/gateway/tunnel-plan.js'

function policy (records: Record<string, ResolveTarget>, passThrough: boolean): TunnelPolicy {
  const resolver: Resolver = {
    async resolve (host) {
      const r = records[host]
      if (r === undefined) throw new TornetError('RESOLVE_NOT_FOUND', 'no')
      return r
    }
  }
  return { resolver, passThrough, tornetSuffixes: ['.tor-net', '.bit'], resolveTimeoutMs: 1000, signal: new AbortController().signal }
}

const site: ResolveTarget = { kind: 'content', reference: 'r' }
const publicIp: ResolveTarget = { kind: 'clearnet', host: 'pub.bit', addresses: ['10.0.0.1', '93.184.216.34'], port: 8080 }
const privateIp: ResolveTarget = { kind: 'clearnet', host: 'lan.bit', addresses: ['192.168.1.2'] }

describe('planTunnel', () => {
  it('serves Tornet hosts itself, with the resolved target', async () => {
    expect(await planTunnel('site.tor-net', 80, policy({ 'site.tor-net': site }, false))).toEqual({ action: 'serve', target: site })
  })

  it('serves an unresolvable Tornet host too, so the HTTP layer can show why', async () => {
    expect(await planTunnel('nope.bit', 80, policy({}, false))).toEqual({ action: 'serve', target: undefined })
  })

  it('refuses port 443 of Tornet hosts', async () => {
    const plan = await planTunnel('site.tor-net', 443, policy({ 'site.tor-net': site }, true))
    expect(plan.action === 'refuse' && (plan.error as TornetError).code).toBe('GATEWAY_NO_TLS')
  })

  it('refuses other hosts unless pass-through is on', async () => {
    const off = await planTunnel('example.com', 443, policy({}, false))
    expect(off.action === 'refuse' && (off.error as TornetError).code).toBe('GATEWAY_NOT_TORNET')
    expect(await planTunnel('example.com', 443, policy({}, true))).toEqual({ action: 'direct', host: 'example.com', port: 443 })
  })

  it('follows a .bit record to its first public address with pass-through, on any port', async () => {
    const p = policy({ 'pub.bit': publicIp, 'lan.bit': privateIp }, true)
    expect(await planTunnel('pub.bit', 443, p)).toEqual({ action: 'direct', host: '93.184.216.34', port: 8080 })
    expect(await planTunnel('lan.bit', 80, p)).toEqual({ action: 'serve', target: privateIp })
    expect(await planTunnel('pub.bit', 80, policy({ 'pub.bit': publicIp }, false))).toEqual({ action: 'serve', target: publicIp })
  })
})
