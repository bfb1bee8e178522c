import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseServer, serverLabel } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { ElectrumxSource } from '../../../../src/resolvers/namecoin/electrumx-source.js'
import { REFRESH_INTERVAL_MS, ServerListRefresher, lastRefreshedAt, refreshServerList, type RefreshResult } from '../../../../src/resolvers/namecoin/server-list-refresh.js'
import { MAX_SERVERS, REFRESHED_LIST_FILE, loadServerList, loadShippedServers, saveRefreshedList } from '../../../../src/resolvers/namecoin/server-list.js'
import { emptyChain, startElectrumxServer, type ElectrumxChain, type ElectrumxTestServer } from '../../../helpers/electrumx-server.js'

// Refreshing the ElectrumX server list from server.peers.subscribe, against the
// protocol-true test server on loopback (the peer entries it returns are made up).
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'tornet-refresh-'))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

async function serverWithPeers (peers: unknown): Promise<{ server: ElectrumxTestServer, chain: ElectrumxChain, source: ElectrumxSource }> {
  const chain = emptyChain(700_000)
  chain.peers = peers
  const server = await startElectrumxServer(chain)
  cleanups.push(server.close)
  const source = new ElectrumxSource({ servers: [parseServer(server.spec)!], timeoutMs: 2_000 })
  cleanups.push(() => source.close())
  return { server, chain, source }
}

const PEERS = [
  ['192.0.2.10', 'nmc1.example.org', ['v1.4', 's50002', 't50001']],
  ['192.0.2.11', 'nmc2.example.net', ['v1.4', 's57002']],
  ['192.0.2.12', 'abcdefghijklmnop.onion', ['v1.4', 's50002']],
  ['192.0.2.13', 'plain.example.com', ['v1.4', 't50001']]
]

const peersAsked = (s: ElectrumxTestServer): number => s.requests.filter(r => r.method === 'server.peers.subscribe').length

describe('refreshing the ElectrumX server list (server.peers.subscribe)', () => {
  it('adds the TLS peers after the known servers, writes the file atomically with its time, and the list loads', async () => {
    const dir = tempDir()
    const { server, source } = await serverWithPeers(PEERS)
    const at = Date.UTC(2026, 11, 1)
    const r = await refreshServerList({ dataDir: dir, peers: async s => await source.peers(s), now: () => at })
    const shipped = loadShippedServers()
    expect(r).toMatchObject({ outcome: 'refreshed', server: server.spec, found: 2, added: 2, total: shipped.length + 2 })
    const { servers, from } = loadServerList(dir)
    expect(from).toBe(join(dir, REFRESHED_LIST_FILE))
    expect(servers.map(serverLabel)).toEqual([...shipped.map(serverLabel), 'nmc1.example.org:50002:s', 'nmc2.example.net:57002:s'])
    expect(lastRefreshedAt(dir)).toBe(at)
    expect(readdirSync(dir)).toEqual([REFRESHED_LIST_FILE])
  })

  it('asks at most once a day: a second check within the day makes no request, a day later it refreshes again', async () => {
    const dir = tempDir()
    const { server, source } = await serverWithPeers(PEERS)
    let now = Date.UTC(2026, 11, 1)
    const check = async (): Promise<RefreshResult> => await refreshServerList({ dataDir: dir, peers: async s => await source.peers(s), now: () => now })
    expect((await check()).outcome).toBe('refreshed')
    now += REFRESH_INTERVAL_MS - 60_000
    expect(await check()).toEqual({ outcome: 'fresh', refreshedAt: Date.UTC(2026, 11, 1), nextAt: Date.UTC(2026, 11, 1) + REFRESH_INTERVAL_MS })
    expect(peersAsked(server)).toBe(1)
    now += 120_000
    expect(await check()).toMatchObject({ outcome: 'refreshed', added: 0 })
    expect(peersAsked(server)).toBe(2)
    // A refresh time in the future (the clock was set back) does not block refreshes.
    now -= 10 * REFRESH_INTERVAL_MS
    expect((await check()).outcome).toBe('refreshed')
  })

  it('never replaces a good list with an empty one: no usable peer, garbage, or no server leaves the file as it was', async () => {
    const dir = tempDir()
    saveRefreshedList(dir, [parseServer('nmc1.example.org:50002:s')!], 'earlier', new Date(Date.UTC(2026, 0, 1)))
    const before = readFileSync(join(dir, REFRESHED_LIST_FILE), 'utf8')
    for (const peers of [[], 'not a list', [['192.0.2.12', 'x.onion', ['s50002']], ['192.0.2.13', 'plain.example.com', ['t50001']]]]) {
      const { source } = await serverWithPeers(peers)
      expect((await refreshServerList({ dataDir: dir, peers: async s => await source.peers(s) })).outcome).toBe('empty')
    }
    const dead = new ElectrumxSource({ servers: [parseServer('127.0.0.1:1:t')!], timeoutMs: 500 })
    cleanups.push(() => dead.close())
    const r = await refreshServerList({ dataDir: dir, peers: async s => await dead.peers(s) })
    expect(r).toMatchObject({ outcome: 'failed', code: 'RESOLVE_UNAVAILABLE' })
    expect(readFileSync(join(dir, REFRESHED_LIST_FILE), 'utf8')).toBe(before)
  })

  it('bounds the list at MAX_SERVERS however many peers a server names', async () => {
    const dir = tempDir()
    const many = Array.from({ length: 300 }, (_, i) => [`198.51.100.${i & 255}`, `nmc${i}.example.org`, ['s50002']])
    const { source } = await serverWithPeers(many)
    const r = await refreshServerList({ dataDir: dir, peers: async s => await source.peers(s) })
    expect(r).toMatchObject({ outcome: 'refreshed', total: MAX_SERVERS })
    expect(loadServerList(dir).servers).toHaveLength(MAX_SERVERS)
  })

  it('leaves a broken list file alone (its error says to delete it)', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, REFRESHED_LIST_FILE), '{"servers": ["nonsense"]}')
    const { server, source } = await serverWithPeers(PEERS)
    const r = await refreshServerList({ dataDir: dir, peers: async s => await source.peers(s) })
    expect(r).toMatchObject({ outcome: 'failed', code: 'RESOLVER_CONFIG_INVALID' })
    expect(peersAsked(server)).toBe(0)
    expect(readFileSync(join(dir, REFRESHED_LIST_FILE), 'utf8')).toBe('{"servers": ["nonsense"]}')
  })

  it('runs in the background: first check after the start delay, then not again while fresh; stop() ends it', async () => {
    const dir = tempDir()
    const { server, source } = await serverWithPeers(PEERS)
    const results: RefreshResult[] = []
    const first = new Promise<void>(resolve => {
      const refresher = new ServerListRefresher({ dataDir: dir, peers: async s => await source.peers(s), firstCheckDelayMs: 20, onResult: r => { results.push(r); resolve() } })
      refresher.start()
      cleanups.push(async () => { await refresher.stop() })
    })
    expect(results).toEqual([])
    await first
    expect(results.map(r => r.outcome)).toEqual(['refreshed'])
    expect(peersAsked(server)).toBe(1)
    expect(loadServerList(dir).servers.map(serverLabel)).toContain('nmc2.example.net:57002:s')
    const again = new ServerListRefresher({ dataDir: dir, peers: async s => await source.peers(s) })
    expect(await again.checkNow()).toMatchObject({ outcome: 'fresh' })
    await again.stop()
    expect(await again.checkNow()).toMatchObject({ outcome: 'failed', code: 'STOPPED' })
    expect(peersAsked(server)).toBe(1)
  })
})
