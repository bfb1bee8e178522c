/** DHT messages and the small link services beside them (punch, reach, ledger). */
import type { FuzzTarget } from '../harness.js'
import { sha256 } from '../../src/node/crypto/hash.js'
import { decodeRoutingMessage, encodeRoutingMessage, MAX_VALUE_BYTES, type RoutingMessage, type WireContact } from '../../src/node/wire/routing-messages.js'
import { decodeIntroducers, decodePunchMessage, encodeIntroducers, encodePunchMessage, PunchResult } from '../../src/node/wire/punch-messages.js'
import { decodeObserved, decodeReachMessage, DialBackResult, encodeObserved, encodeReachMessage } from '../../src/node/wire/reach-messages.js'
import { decodeAddressMessage, encodeAddressMessage, type AddressMessage } from '../../src/node/accounting/address-exchange/messages.js'
import { bytes, isWireError, multi } from './helpers.js'

const id = (b: number): Buffer => bytes(32, b)
const v4 = (b: number): WireContact => ({ id: id(b), endpoint: { address: `192.0.2.${b}`, port: 4000 + b } })
const v6key = (b: number): WireContact => ({
  id: sha256(bytes(32, b + 1)), endpoint: { address: '2001:db8::' + b.toString(16), port: 7000 }, publicKey: bytes(32, b + 1), nonce: bytes(8, b + 2)
})

const routingSamples: RoutingMessage[] = [
  { type: 'ping' },
  { type: 'pong', self: v6key(1), observed: { address: '198.51.100.7', port: 9 } },
  { type: 'find', request: { target: id(3), kind: 0, count: 20, wantKeys: false, known: [] } },
  { type: 'find', request: { target: id(4), kind: 2, count: 1, wantKeys: true, known: [0, 1, 0xffff] } },
  { type: 'find', request: { target: id(4), kind: 0, count: 8, wantKeys: true, wantNonces: true, known: [] } },
  { type: 'nodes', contacts: [v4(5), v6key(6), v4(7)] },
  { type: 'value', kind: 1, value: Buffer.from('chunk bytes') },
  { type: 'value', kind: 255, value: bytes(Math.min(MAX_VALUE_BYTES, 1500), 9) },
  { type: 'notFoundCount', notFound: 123456, contacts: [v4(8)] },
  { type: 'cacheValue', target: id(9), kind: 3, value: Buffer.alloc(0) },
  { type: 'cacheAck', accepted: true }
]

export const routingMessages: FuzzTarget<RoutingMessage> = {
  name: 'routing-messages',
  about: 'the "dht" service: PING … CACHE_ACK',
  seeds: () => routingSamples.map(encodeRoutingMessage),
  decode: decodeRoutingMessage,
  encode: encodeRoutingMessage,
  expected: isWireError
}

const ep = { address: '198.18.0.4', port: 9151 }
const ep6 = { address: '2001:db8::7', port: 65535 }
export const punchMessages = multi('punch-messages', 'the "punch" service and the introducer list of a provider record', isWireError, [
  {
    decode: decodePunchMessage,
    encode: encodePunchMessage,
    seeds: () => [
      encodePunchMessage({ type: 'request', target: id(0x11) }),
      encodePunchMessage({ type: 'notify', peer: id(0x11), endpoint: ep6 }),
      encodePunchMessage({ type: 'answer', result: PunchResult.OK, endpoint: ep }),
      encodePunchMessage({ type: 'answer', result: PunchResult.TOO_SOON }),
      encodePunchMessage({ type: 'keep' })
    ]
  },
  {
    decode: decodeIntroducers,
    encode: encodeIntroducers,
    seeds: () => [encodeIntroducers([{ id: id(1), endpoint: ep }, { id: id(2), endpoint: ep6 }])]
  }
])

export const reachMessages = multi('reach-messages', 'the "reach" service and OBSERVED addresses', isWireError, [
  {
    decode: decodeReachMessage,
    encode: encodeReachMessage,
    seeds: () => [
      encodeReachMessage({ type: 'dial-back-request', nonce: bytes(16, 0xab) }),
      encodeReachMessage({ type: 'dial-back-answer', result: DialBackResult.TOO_SOON })
    ]
  },
  { decode: decodeObserved, encode: encodeObserved, seeds: () => [encodeObserved(ep), encodeObserved(ep6)] }
])

export const ledgerAddresses: FuzzTarget<AddressMessage> = {
  name: 'ledger-addresses',
  about: 'the "ledger" service: send addresses (mainnet checks)',
  seeds: () => ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', ''].map(address => encodeAddressMessage({ address })),
  decode: (b) => decodeAddressMessage(b, 'mainnet'),
  encode: encodeAddressMessage,
  expected: isWireError
}
