/**
 * The gateway under a crowd (issue 21): 1,000 connections open at once on a
 * real loopback test network, half through SOCKS5 and half through the HTTP
 * proxy, half of them for a page the gateway has served before and half for
 * pages of sites it never opened (read from the publishing node as they are
 * asked for). Every one must get its page. The clients come from four
 * loopback addresses, as the gateway caps connections per client address
 * (256 by default). Latency figures are the benchmark's
 * (`npm run bench -- gateway`), not asserted here.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { concurrentGets } from '../../bench/support/concurrent-get.js'
import { writeSmallSite } from '../../bench/support/files.js'
import { serveGateway, type ServedGateway } from '../../src/cli/serve/serve-gateway.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'

const CONNECTIONS = 1000
const UNCACHED_SITES = 10

let net: Testnet
let served: ServedGateway
let scratch: string
const hosts: string[] = []

describe('1,000 concurrent proxy connections', () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tornet-concurrency-'))
    net = await createTestnet(3)
    served = await serveGateway(net.nodes[0]!, { host: '127.0.0.1', port: 0, passThrough: false })
    for (let i = 0; i <= UNCACHED_SITES; i++) {
      const dir = join(scratch, `s${i}`)
      writeSmallSite(dir, `crowd site ${i}`)
      hosts.push((await net.nodes[1]!.publish(dir)).host)
    }
  })

  afterAll(async () => {
    await served?.close()
    await net?.close()
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  })

  it('serves every one, SOCKS5 and HTTP proxy, cached and uncached pages', async () => {
    const proxy = served.gateway.address
    // The cached half: a site the gateway has served before.
    const names = hosts.map(h => `${h}.tor-net`)
    const warm = await concurrentGets({ proxy, hosts: names, targets: [{ host: 0, path: '/index.html' }] })
    expect(warm.errors, warm.failures.join('\n')).toBe(0)

    const pages = ['/index.html', '/style.css', '/page0.html', '/page1.html']
    const targets = Array.from({ length: CONNECTIONS }, (_, i) => {
      const cached = i % 4 < 2
      return { host: cached ? 0 : 1 + (i % UNCACHED_SITES), path: pages[Math.floor(i / 4) % pages.length]! }
    })
    const result = await concurrentGets({ proxy, hosts: names, targets, localAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'] })
    expect(result.failures, `${result.errors} of ${CONNECTIONS} failed`).toEqual([])
    expect(result.ok).toBe(CONNECTIONS)
    expect(result.bySocks).toBe(CONNECTIONS / 2)
    // the gateway closed every connection it was handed
    await expect.poll(() => served.gateway.connections).toBe(0)
  })
})
