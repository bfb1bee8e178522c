import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseServer, serverLabel } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { namecoinConfigWithDefaults } from '../../../../src/resolvers/namecoin/namecoin-config.js'
import { MAX_SERVERS, REFRESHED_LIST_FILE, loadServerList, loadShippedServers, operatorOf, saveRefreshedList, serversFromPeers } from '../../../../src/resolvers/namecoin/server-list.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })
function tempDir (): string { const d = mkdtempSync(join(tmpdir(), 'tornet-servers-')); dirs.push(d); return d }

describe('the shipped ElectrumX server list', () => {
  it('is Electrum-NMC\'s list: TLS servers of several operators, no .onion', () => {
    const servers = loadShippedServers()
    expect(servers.length).toBeGreaterThanOrEqual(10)
    expect(servers.every(s => s.tls)).toBe(true)
    expect(servers.some(s => s.host.endsWith('.onion'))).toBe(false)
    expect(new Set(servers.map(operatorOf)).size).toBeGreaterThanOrEqual(5)
    expect(servers.map(serverLabel)).toContain('electrumx1.nmc.dotbit.zone:50002:s')
  })

  it('is the default backend: "servers": "shipped", certificates pinned on first use', () => {
    expect(namecoinConfigWithDefaults()).toMatchObject({ backend: 'electrumx', electrumx: { servers: 'shipped', trust: 'tofu' } })
    expect(namecoinConfigWithDefaults({ electrumx: { servers: ['127.0.0.1:1:s'] } })).toMatchObject({ backend: 'electrumx', electrumx: { servers: ['127.0.0.1:1:s'], trust: 'tofu' }, cacheTtlMs: 600_000 })
    const rpc = namecoinConfigWithDefaults({ backend: 'rpc', rpc: { url: 'http://127.0.0.1:8336/' } })
    expect(rpc).toMatchObject({ backend: 'rpc', cacheTtlMs: 600_000 })
    expect(() => namecoinConfigWithDefaults({ electrumx: { servers: 'everything' } })).toThrow(/servers/)
    expect(() => namecoinConfigWithDefaults({ electrumx: { trust: 'maybe' } })).toThrow(/trust/)
  })
})

describe('refreshing from server.peers.subscribe', () => {
  it('reads ElectrumX peer entries, skips .onion, bad ports and junk, keeps TLS only when asked', () => {
    const answer = [
      ['83.212.111.114', 'electrum.example.org', ['v1.4', 's50002', 't50001']],
      ['1.2.3.4', 'abcdefghijklmnop.onion', ['v1.4', 's50002']],
      ['5.6.7.8', '', ['v1.4', 's99999', 't51001']],
      'junk', [1, 2, 3], ['9.9.9.9', 'x.example', 'not a list']
    ]
    expect(serversFromPeers(answer).map(serverLabel)).toEqual(['electrum.example.org:50002:s', 'electrum.example.org:50001:t', '5.6.7.8:51001:t'])
    expect(serversFromPeers(answer, { tlsOnly: true }).map(serverLabel)).toEqual(['electrum.example.org:50002:s'])
    expect(serversFromPeers({ not: 'a list' })).toEqual([])
    const many = Array.from({ length: 500 }, (_, i) => [`10.0.${i >> 8}.${i & 255}`, '', ['s50002']])
    expect(serversFromPeers(many)).toHaveLength(MAX_SERVERS)
  })

  it('the refreshed list in the data directory replaces the shipped one; a broken one says to delete it', () => {
    const dir = tempDir()
    expect(loadServerList(dir).from).toMatch(/electrumx-servers\.json$/)
    saveRefreshedList(dir, [parseServer('electrum.example.org:50002:s') as never], 'server.peers.subscribe of test')
    expect(loadServerList(dir)).toMatchObject({ servers: [{ host: 'electrum.example.org', port: 50002, tls: true }], from: join(dir, REFRESHED_LIST_FILE) })
    writeFileSync(join(dir, REFRESHED_LIST_FILE), '{"servers": ["nonsense"]}')
    expect(() => loadServerList(dir)).toThrow(/delete it/)
  })
})

describe('operatorOf', () => {
  it('registrable domain, IPv4 /24, IPv6 /48', () => {
    const op = (spec: string): string => operatorOf(parseServer(spec) as never)
    expect(op('electrumx1.nmc.dotbit.zone:50002:s')).toBe(op('electrumx4.nmc.dotbit.zone:50002:s'))
    expect(op('nmc.bitcoins.sk:50002:s')).not.toBe(op('electrum.namebrow.se:50002:s'))
    expect(op('198.50.223.25:50002:s')).toBe(op('198.50.223.28:50002:s'))
    expect(op('[2607:5300:203:7ac5:198:50:223:25]:50002:s')).toBe(op('[2607:5300:203::1]:50002:s'))
    expect(op('[2607:5300:203::1]:50002:s')).not.toBe(op('[2607:5300:204::1]:50002:s'))
  })
})
