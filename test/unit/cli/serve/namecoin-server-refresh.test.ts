import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startServerListRefresh } from '../../../../src/cli/serve/namecoin-server-refresh.js'
import { NamecoinResolver, namecoinConfigWithDefaults, unverifiedAnswers } from '../../../../src/resolvers/namecoin/index.js'
import { parseServer, serverLabel } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { loadServerList, saveRefreshedList } from '../../../../src/resolvers/namecoin/server-list.js'
import { addNameTx, emptyChain, startElectrumxServer } from '../../../helpers/electrumx-server.js'

// The node's background refresh of the ElectrumX list: the default ("shipped") list, here
// pointed at the local test server through the data directory's list file, as a node sees it.
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function setup (): Promise<{ dir: string, spec: string, peersAsked: () => number }> {
  const chain = emptyChain(700_000)
  addNameTx(chain, { name: 'd/site', value: JSON.stringify({ ip: '192.0.2.1' }), height: 699_000 })
  chain.peers = [['192.0.2.10', 'nmc1.example.org', ['v1.4', 's50002']]]
  const server = await startElectrumxServer(chain)
  cleanups.push(server.close)
  const dir = mkdtempSync(join(tmpdir(), 'tornet-serve-refresh-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  saveRefreshedList(dir, [parseServer(server.spec)!], 'test', new Date(Date.now() - 2 * 24 * 3600_000))
  return { dir, spec: server.spec, peersAsked: () => server.requests.filter(r => r.method === 'server.peers.subscribe').length }
}

describe('the background ElectrumX list refresh of a running node', () => {
  it('waits for a connection .bit lookups opened, then refreshes the list in the data directory', async () => {
    const { dir, spec, peersAsked } = await setup()
    const namecoin = NamecoinResolver.fromConfig(namecoinConfigWithDefaults(undefined), {}, { dataDir: dir, verifier: unverifiedAnswers })
    cleanups.push(() => namecoin.close())
    const refresher = startServerListRefresh(namecoin, undefined, dir)
    if (refresher === undefined) throw new Error('no refresher for the default list')
    cleanups.push(async () => { await refresher.stop() })
    expect(await refresher.checkNow()).toMatchObject({ outcome: 'failed', code: 'RESOLVE_UNAVAILABLE' })
    expect(peersAsked()).toBe(0)
    expect((await namecoin.resolve('site.bit')).kind).toBe('clearnet')
    expect(await refresher.checkNow()).toMatchObject({ outcome: 'refreshed', added: 1, total: 2 })
    expect(loadServerList(dir).servers.map(serverLabel)).toEqual([spec, 'nmc1.example.org:50002:s'])
    expect(await refresher.checkNow()).toMatchObject({ outcome: 'fresh' })
    expect(peersAsked()).toBe(1)
  })

  it('leaves a list the user wrote in config.json alone, and needs a data directory', async () => {
    const { dir, spec } = await setup()
    const config = { electrumx: { servers: [spec] } }
    const namecoin = NamecoinResolver.fromConfig(namecoinConfigWithDefaults(config), {}, { dataDir: dir })
    cleanups.push(() => namecoin.close())
    expect(startServerListRefresh(namecoin, config, dir)).toBeUndefined()
    expect(startServerListRefresh(namecoin, undefined, undefined)).toBeUndefined()
  })
})
