/**
 * Issue 17's "done when": `npm start` serves http://guestbook.tor-net/ through
 * a circuit. The demo network (real nodes on 127.0.0.1 UDP) runs the
 * guestbook as a hidden service on a node other than the gateway's; curl
 * through the demo's gateway opens it, signs it, and finds the entry by the
 * service key's own host too.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { curl } from '../helpers/curl.js'
import { describeWithClients } from '../helpers/e2e-clients.js'

let demo: DemoNetwork
let dataDir: string

describeWithClients('the demo guestbook at http://guestbook.tor-net/', ['curl'], () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tornet-guestbook-demo-'))
    demo = await startDemoNetwork({ dataDir, nodes: 8, gatewayPort: 0, rank: 4, nameDifficulty: 8, mailDifficulty: 4 })
  }, 180_000)

  afterAll(async () => {
    await demo?.close()
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  })

  it('is served by a demo node other than the gateway\'s, through circuits, and takes a post', async () => {
    expect(demo.hidden).toBeDefined()
    const hidden = demo.hidden!
    expect(hidden.url).toBe('http://guestbook.tor-net/')
    expect(demo.nodes[0]!.hidden.list()).toEqual([]) // the gateway's node does not host it
    const socks = `127.0.0.1:${demo.served.gateway.address.port}`
    const posted = await curl(dataDir, ['--socks5-hostname', socks, '-L', '--data-urlencode', 'name=demo',
      '--data-urlencode', 'message=hello from npm start', 'http://guestbook.tor-net/'])
    expect(posted.stderr).toBe('')
    expect(posted.status).toBe(200)
    expect(posted.body.toString()).toContain('hello from npm start')
    const byKey = await curl(dataDir, ['--socks5-hostname', socks, hidden.keyUrl])
    expect(byKey.status).toBe(200)
    expect(byKey.body.toString()).toContain('hello from npm start')
    for (const address of hidden.guestbook.remoteAddresses()) expect(address).toBe('127.0.0.1')
  }, 120_000)
})
