/**
 * Issue 12, item 3: the gateway's own pages (the dashboard, /api/status with
 * its CSRF token) answer only to the gateway's own hosts, never to a name
 * whose record points at them. Real resolvers (a .bit record in memory, the
 * .tor-net resolver), a real gateway and the real dashboard over a fake node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installDashboard, type Dashboard } from '../../../../src/gateway/apps/dashboard/index.js'
import type { ResolveTarget } from '../../../../src/gateway/ports.js'
import { NamecoinResolver } from '../../../../src/resolvers/namecoin/namecoin-resolver.js'
import type { NameRecord, NameSource } from '../../../../src/resolvers/namecoin/name-source.js'
import { ResolverChain } from '../../../../src/resolvers/resolver-chain.js'
import { TorNetResolver } from '../../../../src/resolvers/tor-net-resolver.js'
import { FakeResolver, FakeSiteContent } from '../../../helpers/fake-site-content.js'
import { httpRequest, parseResponse, proxyGet, requestOverTunnel, socks5Connect, type Reply } from '../clients.js'
import { fakePort } from '../dashboard/fake-port.js'

const RECORDS: Record<string, unknown> = {
  'd/evil': { tornet: 'tornet.tor-net' },
  'd/evilslash': { tornet: 'tornet.tor-net/api/status' },
  'd/aliased': { alias: 'tornet.tor-net.' },
  'd/hop': { alias: 'aliased.bit.' }
}
const EVIL_HOSTS = ['evil.bit', 'evilslash.bit', 'aliased.bit', 'hop.bit']

const memorySource: NameSource = {
  async nameShow (name: string): Promise<NameRecord | undefined> {
    const v = RECORDS[name]
    return v === undefined ? undefined : { value: JSON.stringify(v), height: 1, expiresIn: 1000 }
  }
}

function realChain (): ResolverChain {
  const torNet = new TorNetResolver({ lookupName: async () => undefined, isReferenceHost: () => false })
  const bit = new NamecoinResolver({ source: memorySource, torNetResolver: torNet })
  return new ResolverChain({ torNet, bit })
}

/** A resolver that (wrongly) says some foreign names are the gateway: the gateway must not believe it. */
class LyingResolver extends FakeResolver {
  constructor () {
    super()
    for (const host of EVIL_HOSTS) this.records.set(host, { kind: 'gateway' })
  }

  resolveCached (host: string): ResolveTarget | undefined {
    return host === 'cached-evil.bit' ? { kind: 'gateway' } : undefined
  }
}

function expectNoDashboard (r: Reply, dashboard: Dashboard, what: string): void {
  expect(r.status, what).toBeGreaterThanOrEqual(400)
  const body = r.body.toString()
  expect(body, what).not.toContain(dashboard.token)
  expect(body, what).not.toContain('a1b2c3d4a1b2c3d4') // the fake node's id
}

for (const [label, makeResolver] of [['real .bit and .tor-net resolvers', realChain], ['a resolver that answers "gateway"', () => new LyingResolver()]] as const) {
  describe(`the dashboard under a foreign name (${label})`, () => {
    let gateway: Gateway
    let dashboard: Dashboard
    let port: number

    beforeAll(async () => {
      gateway = await createGateway({ port: 0, resolver: makeResolver(), content: new FakeSiteContent() })
      dashboard = installDashboard(gateway.local, fakePort())
      port = gateway.address.port
    })
    afterAll(async () => { await gateway.close() })

    it('is an error page for GET / and /api/status through the HTTP proxy', async () => {
      for (const host of EVIL_HOSTS) {
        for (const path of ['/', '/api/status']) {
          expectNoDashboard(await proxyGet(port, `http://${host}${path}`), dashboard, `${host}${path}`)
        }
      }
    })

    it('is an error page for plain HTTP with Host: evil.bit', async () => {
      for (const host of EVIL_HOSTS) {
        expectNoDashboard(await httpRequest(port, '/api/status', { host }), dashboard, host)
      }
    })

    it('is an error page inside a SOCKS tunnel to evil.bit', async () => {
      for (const host of EVIL_HOSTS) {
        const { reply, socket } = await socks5Connect(port, host, 80)
        if (reply !== 0) { socket.destroy(); continue } // refusing the tunnel is fine too
        expectNoDashboard(parseResponse(await requestOverTunnel(socket, host, '/api/status')), dashboard, host)
      }
    })

    it('still shows the dashboard at tornet.tor-net and 127.0.0.1', async () => {
      const viaName = await proxyGet(port, 'http://tornet.tor-net/api/status')
      expect(viaName.status).toBe(200)
      const direct = await httpRequest(port, '/', { host: `127.0.0.1:${port}` })
      expect(direct.status).toBe(200)
      expect(direct.body.toString()).toContain(dashboard.token)
    })
  })
}

describe('a cached "gateway" answer for a foreign name', () => {
  it('is refused like a fresh one', async () => {
    const gateway = await createGateway({ port: 0, resolver: new LyingResolver(), content: new FakeSiteContent() })
    const dashboard = installDashboard(gateway.local, fakePort())
    try {
      expectNoDashboard(await proxyGet(gateway.address.port, 'http://cached-evil.bit/api/status'), dashboard, 'cached-evil.bit')
    } finally {
      await gateway.close()
    }
  })
})

// A .tor-net name's record can only name content, a hidden service or a mailbox (never the gateway):
// checked here with every kind, and with sub-domains of a name registered as "tornet".
describe('.tor-net names never lead to the gateway\'s own pages', () => {
  it('whatever a name points at', async () => {
    const torNet = new TorNetResolver({
      isReferenceHost: () => false,
      lookupName: async (name) => name === 'mbox'
        ? { kind: 'mailbox', publicKey: 'ab'.repeat(32) }
        : name === 'hidden' ? { kind: 'hidden-service', publicKey: 'cd'.repeat(32) } : name === 'tornet' ? { kind: 'content', reference: 'x' } : undefined
    })
    const gateway = await createGateway({ port: 0, resolver: new ResolverChain({ torNet }), content: new FakeSiteContent() })
    const dashboard = installDashboard(gateway.local, fakePort())
    try {
      for (const host of ['mbox.tor-net', 'hidden.tor-net', 'api.tornet.tor-net', 'www.tornet.tor-net']) {
        expectNoDashboard(await proxyGet(gateway.address.port, `http://${host}/api/status`), dashboard, host)
      }
    } finally {
      await gateway.close()
    }
  })
})
