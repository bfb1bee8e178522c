/** What a node reads back from its own disk and its user: ledger records, peer accounts, config files. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FuzzTarget } from '../harness.js'
import { sha256 } from '../../src/node/crypto/hash.js'
import { decodeBooks, emptyBooks, encodeBooks } from '../../src/node/accounting/ledger/ledger-codec.js'
import { decodePeerAccount, encodePeerAccount } from '../../src/node/store/peer-account-codec.js'
import { defaultConfig, loadConfig } from '../../src/node/config.js'
import { parseIdentityFile } from '../../src/node/identity/identity-file.js'
import { parseBootstrapList } from '../../src/node/routing/bootstrap-endpoints.js'
import { validateNamecoinConfig } from '../../src/resolvers/namecoin/namecoin-config.js'
import { bytes, isTornetError, isWireError, multi, text } from './helpers.js'

const peerKey = bytes(32, 0x61)
const peerId = sha256(peerKey)

function books (): Buffer {
  const b = emptyBooks(7, 1_765_000_000_000)
  b.paymentRequested = true
  b.paidSats = 1234
  b.lastEntry += 60_000
  for (let i = 0; i < b.rows.length; i++) b.rows[i] = i * 1000
  b.sendAddress = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
  return encodeBooks(b)
}

export const ledgerRecords = multi('ledger-records', 'ledger books and peer accounts as read back from LMDB', isWireError, [
  { decode: decodeBooks, encode: encodeBooks, seeds: () => [books(), encodeBooks(emptyBooks(0, 0))] },
  {
    decode: b => decodePeerAccount(peerId, b),
    encode: encodePeerAccount,
    seeds: () => [
      encodePeerAccount({ id: peerId, publicKey: peerKey, nonce: bytes(8, 2), rank: 9, firstContact: 1000, lastContact: 5000, rttMs: 12.5, endpoint: { address: '192.0.2.5', port: 9151 }, connectionErrors: 2, bytesSent: 1e6, bytesReceived: 2e6 }),
      encodePeerAccount({ id: peerId, publicKey: peerKey, nonce: bytes(8, 3), rank: 0, firstContact: 0, lastContact: 0, rttMs: undefined, endpoint: undefined, connectionErrors: 0, bytesSent: 0, bytesReceived: 0 })
    ]
  }
])

// config.json is read from a real file, as the node reads it (on tmpfs where there is one).
const configDir = join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), `tornet-fuzz-config-${process.pid}`)
let configReady = false

function loadConfigText (b: Uint8Array): unknown {
  if (!configReady) { rmSync(configDir, { recursive: true, force: true }); mkdirSync(configDir, { recursive: true }); configReady = true }
  writeFileSync(join(configDir, 'config.json'), b)
  const config = loadConfig({ dataDir: configDir })
  if (config.namecoin !== undefined) validateNamecoinConfig(config.namecoin)
  return config
}

const configSeeds = (): Uint8Array[] => [
  text(JSON.stringify(defaultConfig())),
  text(JSON.stringify({ listen: { host: '::', port: 9151 }, bootstrap: ['192.0.2.1:9151', '[2001:db8::1]:9151'], gateway: { port: 9150, tunnelHops: 3 }, announce: '198.51.100.4:9151', credit: { factor: 1.5, satsPerMB: 10, concurrency: 8 } })),
  text(JSON.stringify({ namecoin: { backend: 'electrumx', electrumx: { servers: ['electrumx.example.org:50002:s'] } } })),
  text(JSON.stringify({ bitcoin: { network: 'regtest', confirmations: 1 } })),
  text('{}')
]

/** JSON documents with the config's own keys and random values: they get past JSON.parse and into validation. */
function configDocuments (): fc.Arbitrary<Uint8Array> {
  const keys = ['listen', 'host', 'port', 'bootstrap', 'minRank', 'identityRank', 'gateway', 'passThrough', 'tunnelHops', 'names', 'difficulty',
    'mail', 'nat', 'portMapping', 'allowPrivateEndpoints', 'storage', 'cacheBytes', 'announce', 'credit', 'factor', 'satsPerMB', 'concurrency',
    'namecoin', 'backend', 'electrumx', 'servers', 'bitcoin', 'xpub', 'network', 'source', 'confirmations', 'pollMs', '__proto__', 'constructor']
  const leaf = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 40 }),
    fc.constantFrom('127.0.0.1:9151', '[::1]:1', 'mainnet', 'regtest', 'electrumx', 'rpc', 'host:50002:s', '-1', '1e400'))
  const { doc } = fc.letrec<{ doc: unknown, value: unknown }>(tie => ({
    doc: fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 6 }),
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('doc'), fc.array(tie('value'), { maxLength: 4 }))
  }))
  return doc.map(d => Buffer.from(JSON.stringify(d), 'utf8'))
}

export const configFiles = multi('config-files', 'config.json (and its namecoin section), identity.json, bootstrap lists', isTornetError, [
  { decode: loadConfigText, seeds: configSeeds },
  {
    decode: b => parseIdentityFile('identity.json', Buffer.from(b).toString('utf8')),
    seeds: () => [text(JSON.stringify({ version: 1, publicKey: 'ab'.repeat(32), secretKey: 'cd'.repeat(32), nonce: '00'.repeat(8), id: 'ef'.repeat(32), rank: 0 }))]
  },
  { decode: b => parseBootstrapList(Buffer.from(b).toString('utf8')), seeds: () => [text('192.0.2.1:9151, [2001:db8::1]:9151 # seed\nboot.example.org:9151\n')] }
], {
  generate: () => configDocuments().map(b => Buffer.concat([Uint8Array.of(0), b]))
})
