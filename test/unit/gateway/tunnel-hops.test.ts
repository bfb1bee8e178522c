/** Which content a site request reads: directly, or through a circuit of its hops for its user name. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../../src/gateway/index.js'
import { tunnelHopsFor } from '../../../src/gateway/tunnel-hops.js'
import { loadConfig } from '../../../src/node/config.js'
import { FAKE_REFERENCE_HOST, FakeSiteContent, createFakeNetwork, fakeSiteFiles } from '../../helpers/fake-site-content.js'
import { parseResponse, proxyGet, requestOverTunnel, socks5Connect } from './clients.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

describe('tunnelHopsFor', () => {
  it('reads N from tornet-hops-N, with or without a suffix, and the default otherwise', () => {
    expect(tunnelHopsFor('tornet-hops-3', 0, 8)).toBe(3)
    expect(tunnelHopsFor('tornet-hops-1-tab7', 0, 8)).toBe(1)
    expect(tunnelHopsFor('tornet-hops-0', 3, 8)).toBe(0)
    expect(tunnelHopsFor('tornet-hops-9', 2, 8)).toBe(2)
    expect(tunnelHopsFor('tornet-hops-', 2, 8)).toBe(2)
    expect(tunnelHopsFor('alice', 2, 8)).toBe(2)
    expect(tunnelHopsFor('', 0, 8)).toBe(0)
  })
})

describe('gateway.tunnelHops in the configuration', () => {
  it('defaults to 0 and takes 0..8 only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tornet-hops-'))
    try {
      expect(loadConfig({ dataDir: dir }).gateway.tunnelHops).toBe(0)
      expect(loadConfig({ dataDir: dir, flags: { gateway: { tunnelHops: 3 } } }).gateway.tunnelHops).toBe(3)
      expect(() => loadConfig({ dataDir: dir, flags: { gateway: { tunnelHops: 9 } } })).toThrow(/tunnelHops/)
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ routing: { delegate: 'nonsense' } }))
      expect(() => loadConfig({ dataDir: dir })).toThrow(/routing.delegate/)
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ routing: { delegate: `${'ab'.repeat(32)}@127.0.0.1:9151` } }))
      expect(loadConfig({ dataDir: dir }).routing?.delegate).toBe(`${'ab'.repeat(32)}@127.0.0.1:9151`)
    } finally { rmSync(dir, { recursive: true, force: true }) }
  })
})

describe('the site app reads through circuits per user name', () => {
  let gateway: Gateway
  const asked: Array<[number, string]> = []
  const anonymousFiles = fakeSiteFiles()
  anonymousFiles.set('index.html', Buffer.from('<p>through a circuit</p>'))
  const anonymous = new FakeSiteContent(undefined, anonymousFiles)

  beforeAll(async () => {
    const net = createFakeNetwork()
    gateway = await createGateway({
      port: 0,
      resolver: net.resolver,
      content: net.content,
      anonymous: { defaultHops: 0, maxHops: 8, contentFor: (hops, isolation) => { asked.push([hops, isolation]); return anonymous } },
      // Every request asks the content layer (the file cache would answer repeats from memory).
      limits: { fileCacheBytes: 0 }
    })
  })
  afterAll(async () => { await gateway.close() })

  const viaSocks = async (user?: string): Promise<string> => {
    const { reply, socket } = await socks5Connect(gateway.address.port, FAKE_REFERENCE_HOST, 80, user === undefined ? undefined : { user, password: 'x' })
    expect(reply).toBe(0)
    return parseResponse(await requestOverTunnel(socket, FAKE_REFERENCE_HOST, '/')).body.toString()
  }

  it('reads directly without a hops user name, through a circuit of N hops with tornet-hops-N, one per user name', async () => {
    expect(await viaSocks()).toContain('Hello from Tornet')
    expect(await viaSocks('alice')).toContain('Hello from Tornet')
    expect(asked).toEqual([])
    expect(await viaSocks('tornet-hops-3')).toContain('through a circuit')
    expect(await viaSocks('tornet-hops-1-b')).toContain('through a circuit')
    const proxied = await proxyGet(gateway.address.port, `http://${FAKE_REFERENCE_HOST}/`, { 'proxy-authorization': `Basic ${Buffer.from('tornet-hops-2:').toString('base64')}` })
    expect(proxied.body.toString()).toContain('through a circuit')
    expect(asked).toContainEqual([3, 'tornet-hops-3'])
    expect(asked).toContainEqual([1, 'tornet-hops-1-b'])
    expect(asked).toContainEqual([2, 'tornet-hops-2'])
  })
})
