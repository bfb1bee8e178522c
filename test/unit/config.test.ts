import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../src/node/errors.js'
import {
  ConfigErrorCode, type ConfigOverrides, configPath, defaultConfig, loadConfig, parseEndpoint, resolveDataDir
} from '../../src/node/config.js'

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tornet-config-')) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

function writeConfig (value: unknown): void {
  writeFileSync(configPath(dir), typeof value === 'string' ? value : JSON.stringify(value))
}

function expectInvalid (flags?: ConfigOverrides): void {
  let err: unknown
  try {
    loadConfig({ dataDir: dir, flags })
  } catch (e) {
    err = e
  }
  expect(isTornetError(err, ConfigErrorCode.INVALID), `expected CONFIG_INVALID, got ${String(err)}`).toBe(true)
}

describe('resolveDataDir', () => {
  it('prefers --data-dir, then $TORNET_HOME, then ~/.tornet', () => {
    expect(resolveDataDir({ dataDir: '/a', env: { TORNET_HOME: '/b' } })).toBe('/a')
    expect(resolveDataDir({ env: { TORNET_HOME: '/b' } })).toBe('/b')
    expect(resolveDataDir({ env: {} })).toBe(join(homedir(), '.tornet'))
  })

  it('treats empty values as absent and makes paths absolute', () => {
    expect(resolveDataDir({ dataDir: '', env: { TORNET_HOME: '' } })).toBe(join(homedir(), '.tornet'))
    expect(resolveDataDir({ dataDir: 'rel/dir', env: {} })).toBe(resolve('rel/dir'))
  })
})

describe('parseEndpoint', () => {
  it.each([
    ['1.2.3.4:9151', { address: '1.2.3.4', port: 9151 }],
    ['seed.example.org:1', { address: 'seed.example.org', port: 1 }],
    ['[::1]:65535', { address: '::1', port: 65535 }],
    ['[2001:db8::7]:9151', { address: '2001:db8::7', port: 9151 }]
  ])('parses %s', (text, endpoint) => {
    expect(parseEndpoint(text)).toEqual(endpoint)
  })

  it.each(['1.2.3.4', '1.2.3.4:0', 'host:65536', '::1:9151', '[nope]:1', '[::1]', 'a b:1', ':1', 'host:', '-x:1', 'host:1x'])(
    'rejects %s', (text) => {
      expect(parseEndpoint(text)).toBeUndefined()
    })
})

describe('loadConfig', () => {
  it('gives the defaults when there is no config.json', () => {
    expect(loadConfig({ dataDir: dir })).toEqual(defaultConfig())
    expect(defaultConfig()).toEqual({
      listen: { host: '0.0.0.0', port: 9151 },
      bootstrap: [],
      minRank: 21,
      identityRank: 22,
      gateway: { host: '127.0.0.1', port: 9150, passThrough: false, tunnelHops: 0 },
      storage: { cacheBytes: 1024 ** 3 },
      names: { difficulty: 22 },
      mail: { difficulty: 21 },
      nat: { portMapping: true },
      allowPrivateEndpoints: false,
      search: { trust: ['self'] }
    })
    writeConfig({ search: { trust: ['self', 'ab'.repeat(32)] } })
    expect(loadConfig({ dataDir: dir }).search.trust).toEqual(['self', 'ab'.repeat(32)])
    writeConfig({ search: { trust: ['nobody'] } })
    expect(() => loadConfig({ dataDir: dir })).toThrow(/search\.trust must be a list of builder public keys/)
    writeConfig({ mail: { difficulty: 41 } })
    expect(() => loadConfig({ dataDir: dir })).toThrow(/mail\.difficulty/)
    writeConfig({ nat: { portMapping: 'yes' } })
    expect(() => loadConfig({ dataDir: dir })).toThrow(/nat\.portMapping must be true or false/)
    writeConfig({ nat: { portMapping: false } })
    expect(loadConfig({ dataDir: dir }).nat.portMapping).toBe(false)
  })

  it('layers defaults <- file <- flags, merging nested objects key by key', () => {
    writeConfig({ listen: { port: 7000 }, minRank: 4, bootstrap: ['a.example:1', 'b.example:2'], gateway: { host: '::1' } })
    const config = loadConfig({ dataDir: dir, flags: { minRank: 12, listen: { host: '127.0.0.1' }, bootstrap: ['[::1]:3'] } })
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 7000 })
    expect(config.minRank).toBe(12)
    expect(config.bootstrap).toEqual(['[::1]:3']) // lists are replaced, not appended
    expect(config.gateway).toEqual({ host: '::1', port: 9150, passThrough: false, tunnelHops: 0 })
    expect(config.identityRank).toBe(22)
  })

  it('ignores flags that are present but undefined', () => {
    writeConfig({ minRank: 4 })
    expect(loadConfig({ dataDir: dir, flags: { minRank: undefined, listen: undefined } }).minRank).toBe(4)
  })

  it('does not share state between calls', () => {
    const a = loadConfig({ dataDir: dir, flags: { listen: { port: 1 } } })
    a.bootstrap.push('x:1')
    expect(loadConfig({ dataDir: dir })).toEqual(defaultConfig())
  })

  it.each([
    ['not JSON', '{ "minRank": '],
    ['an array', '[]'],
    ['unknown top-level key', { minrank: 3 }],
    ['unknown nested key', { listen: { hots: 'x' } }],
    ['port out of range', { listen: { port: 65536 } }],
    ['fractional port', { gateway: { port: 1.5 } }],
    ['port as string', { gateway: { port: '9150' } }],
    ['empty host', { gateway: { host: '' } }],
    ['tunnelHops above MAX_HOPS', { gateway: { tunnelHops: 9 } }],
    ['negative tunnelHops', { gateway: { tunnelHops: -1 } }],
    ['delegate without a port', { routing: { delegate: 'peer.example' } }],
    ['object where a number belongs', { minRank: {} }],
    ['number where an object belongs', { storage: 5 }],
    ['rank above 64', { identityRank: 65 }],
    ['negative cache', { storage: { cacheBytes: -1 } }],
    ['bootstrap not a list', { bootstrap: 'a:1' }],
    ['bootstrap entry without port', { bootstrap: ['a:1', 'b'] }],
    ['allowPrivateEndpoints not a boolean', { allowPrivateEndpoints: 'yes' }]
  ])('rejects a config.json with %s', (_name, value) => {
    writeConfig(value)
    expectInvalid()
  })

  it('rejects invalid flags even when the file is fine', () => {
    writeConfig({ minRank: 4 })
    expectInvalid({ listen: { port: -1 } })
    expectInvalid({ bootstrap: ['[::1]'] })
    expectInvalid({ minRank: 2.5 })
  })

  it('rejects unknown keys in flags', () => {
    expectInvalid({ nope: 1 } as unknown as ConfigOverrides)
  })

  it('accepts port 0 (any free port) for listening', () => {
    expect(loadConfig({ dataDir: dir, flags: { listen: { port: 0 }, gateway: { port: 0 } } }).listen.port).toBe(0)
  })
})
