import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { ConfigErrorCode, configPath, loadConfig } from '../../../../src/node/config.js'
import { regtestTpub } from '../../../helpers/bitcoin-chain.js'

/** The `bitcoin` key of config.json (issue 19, item 5). */

const V = JSON.parse(readFileSync(new URL('../../../fixtures/bitcoin/bip84-vectors.json', import.meta.url), 'utf8')) as { account0Xpub: string, account0Xprv: string }

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tornet-btc-config-')) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

function load (bitcoin: unknown): ReturnType<typeof loadConfig> {
  writeFileSync(configPath(dir), JSON.stringify({ bitcoin }))
  return loadConfig({ dataDir: dir })
}
function problem (bitcoin: unknown): string {
  try { load(bitcoin) } catch (err) {
    expect((err as { code?: string }).code).toBe(ConfigErrorCode.INVALID)
    return (err as Error).message
  }
  throw new Error('expected CONFIG_INVALID')
}

describe('bitcoin config', () => {
  test('absent means no bitcoin; given, the defaults fill in', () => {
    writeFileSync(configPath(dir), '{}')
    expect(loadConfig({ dataDir: dir }).bitcoin).toBeUndefined()
    expect(load({ xpub: V.account0Xpub }).bitcoin).toEqual({ xpub: V.account0Xpub, network: 'mainnet', confirmations: 1, pollMs: 30_000 })
  })

  test('a full regtest config with a bitcoind source, and one with an Electrum source', () => {
    const tpub = regtestTpub()
    const source = { kind: 'bitcoind', url: 'http://127.0.0.1:18443/', user: 'u', password: 'p', wallet: 'tornet' }
    expect(load({ xpub: tpub, network: 'regtest', source, confirmations: 2, pollMs: 5000 }).bitcoin)
      .toEqual({ xpub: tpub, network: 'regtest', source, confirmations: 2, pollMs: 5000 })
    expect(load({ xpub: V.account0Xpub, source: { kind: 'electrum', host: 'electrum.example', port: 50002, tls: true } }).bitcoin?.source)
      .toEqual({ kind: 'electrum', host: 'electrum.example', port: 50002, tls: true })
  })

  test('a bad xpub is a config error naming bitcoin.xpub, and a private key is never echoed', () => {
    expect(problem({ xpub: 'zpub123' })).toMatch(/bitcoin\.xpub/)
    const flipped = V.account0Xpub.slice(0, 60) + (V.account0Xpub[60] === 'a' ? 'b' : 'a') + V.account0Xpub.slice(61)
    expect(problem({ xpub: flipped })).toMatch(/bitcoin\.xpub .*base58check/)
    expect(problem({ xpub: V.account0Xpub, network: 'regtest' })).toMatch(/bitcoin\.xpub .*mainnet key/)
    const msg = problem({ xpub: V.account0Xprv })
    expect(msg).toMatch(/bitcoin\.xpub/)
    expect(msg).not.toContain(V.account0Xprv.slice(10, 40))
  })

  test.each([
    ['unknown network', { network: 'signet' }],
    ['negative confirmations', { confirmations: -1 }],
    ['poll faster than a second', { pollMs: 10 }],
    ['source without kind', { source: { url: 'http://127.0.0.1:8332/' } }],
    ['bitcoind source without url', { source: { kind: 'bitcoind', user: 'u' } }],
    ['bitcoind url not http', { source: { kind: 'bitcoind', url: 'ftp://x' } }],
    ['electrum source without tls', { source: { kind: 'electrum', host: 'h', port: 50001 } }],
    ['electrum port out of range', { source: { kind: 'electrum', host: 'h', port: 0, tls: false } }],
    ['rejectUnauthorized not a boolean', { source: { kind: 'electrum', host: 'h', port: 1, tls: true, rejectUnauthorized: 'no' } }],
    ['unknown source key', { source: { kind: 'electrum', host: 'h', port: 1, tls: false, pasword: 'x' } }],
    ['unknown bitcoin key', { xpubs: [] }]
  ])('rejects %s, naming the key', (_name, bitcoin) => {
    expect(problem(bitcoin)).toMatch(/bitcoin\./)
  })

  test('a bad password is not echoed', () => {
    expect(problem({ source: { kind: 'bitcoind', url: 'http://127.0.0.1:8332/', password: 12345678 } })).not.toContain('12345678')
  })
})
