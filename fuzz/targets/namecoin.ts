/** Namecoin: name values (Domain Name Objects) and what ElectrumX servers answer. */
import { EventEmitter } from 'node:events'
import type { FuzzTarget } from '../harness.js'
import { DomainValueError, parseDomainJson, parseDomainObject } from '../../src/resolvers/namecoin/domain-record.js'
import { decodeHex, parseRawTransaction, RawTxError } from '../../src/resolvers/namecoin/raw-transaction.js'
import { findNameValue, parseNameScript } from '../../src/resolvers/namecoin/name-script.js'
import { decodeHeaders, HeaderDecodeError } from '../../src/resolvers/namecoin/spv/header-codec.js'
import { ElectrumConnection } from '../../src/resolvers/namecoin/electrum-connection.js'
import { serversFromPeers } from '../../src/resolvers/namecoin/server-list.js'
import { TornetError } from '../../src/node/errors.js'
import { fixtureJson } from './fixtures.js'
import { multi, oneOf, splitPieces, text } from './helpers.js'

export const nameValues: FuzzTarget<unknown> = {
  name: 'namecoin-name-values',
  about: 'd/ name values: parseDomainJson + parseDomainObject',
  seeds: () => {
    const answers = fixtureJson<Record<string, { value?: string }>>('namecoin/name-show-answers.json')
    const values = Object.values(answers).flatMap(a => typeof a === 'object' && typeof a.value === 'string' ? [a.value] : [])
    return [
      ...values,
      '{"ip":"192.0.2.1","map":{"www":{"alias":"@"},"*":{"ip6":["2001:db8::2"]}},"tor":"abc.tor-net","import":[["d/other","sub"]]}',
      '{"translate":"example.tor-net.","ns":["ns1.example.bit"],"alias":"other.bit."}',
      '{"map":{"":{"ip":"192.0.2.7"},"a":{"map":{"b":{"tornet":"xyz.tor-net"}}}}}',
      ''
    ].map(text)
  },
  decode: b => {
    const value = Buffer.from(b).toString('utf8')
    return parseDomainObject(parseDomainJson(value), 'd/fuzz')
  },
  expected: oneOf(DomainValueError, TornetError)
}

const NAME = Buffer.from('d/my-cool-domain')

/** Raw transactions, block headers and JSON-RPC lines, as an ElectrumX server sends them. */
export const electrumxAnswers = multi('namecoin-electrumx', 'ElectrumX answers: raw transactions (hex), name scripts, block headers, JSON-RPC lines, peer lists',
  oneOf(RawTxError, HeaderDecodeError, TornetError), [
    {
      decode: b => {
        const tx = parseRawTransaction(decodeHex(Buffer.from(b).toString('latin1'), 'transaction'))
        for (const o of tx.outputs) parseNameScript(o.script)
        return { txid: tx.txid, found: findNameValue(tx.outputs.map(o => o.script), NAME)?.index }
      },
      seeds: () => {
        const t = fixtureJson('namecoin/atomic-trade-tx.json')
        return [text(t.signed.hex), text(t.unsigned.hex)]
      }
    },
    {
      decode: b => parseNameScript(Buffer.from(b)) ?? null,
      seeds: () => fixtureJson<{ scripts: Array<{ hex: string }> }>('namecoin/real-name-scripts.json').scripts.map(s => Buffer.from(s.hex, 'hex'))
    },
    {
      decode: b => decodeHeaders(Buffer.from(b), 4).map(h => h.hash),
      seeds: () => {
        const h = fixtureJson<Record<string, Array<{ hex: string }>>>('namecoin/spv/real-headers.json')
        return [...h.mainnet, ...h.testnet].map(x => Buffer.from(x.hex, 'hex'))
      }
    },
    {
      // The line layer under every request: a fake socket feeds the bytes in odd pieces.
      decode: b => {
        const socket = Object.assign(new EventEmitter(), { unref () {}, write () { return true }, destroy () {} })
        const Ctor = ElectrumConnection as unknown as new (s: unknown, server: unknown, timeoutMs: number, maxLineBytes: number) => ElectrumConnection
        const conn = new Ctor(socket, { host: 'fuzz.invalid', port: 50002, tls: true }, 60_000, 4096)
        const answers: unknown[] = []
        for (let i = 0; i < 2; i++) conn.request('server.version', []).then(v => answers.push(v), () => {})
        for (const piece of splitPieces(b)) socket.emit('data', piece)
        conn.close()
        return conn.closed
      },
      seeds: () => [
        text('{"jsonrpc":"2.0","id":1,"result":["ElectrumX 1.16.0","1.4"]}\n'),
        text('{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"bad"}}\n{"jsonrpc":"2.0","method":"blockchain.headers.subscribe","params":[{"height":5}]}\n'),
        text('{"jsonrpc":"2.0","id":1,"result":[{"tx_hash":"' + 'ab'.repeat(32) + '","height":700000}]}\n')
      ]
    },
    {
      decode: b => {
        let answer: unknown
        try { answer = JSON.parse(Buffer.from(b).toString('utf8')) } catch { return undefined } // the line layer refuses it
        return serversFromPeers(answer).length
      },
      seeds: () => [text('[["107.150.45.210","e.example.org",["v1.4","s50002","t50001"]],["2001:db8::1","nmc.example.com",["v1.4.2","s"]]]')]
    }
  ])
