/** Onion tunnels: link cells, relay messages and bodies, exit messages, hidden-service messages and descriptors. */
import { createCipheriv, hkdfSync } from 'node:crypto'
import type { FuzzTarget } from '../harness.js'
import { sha256 } from '../../src/node/crypto/hash.js'
import { makeContact } from '../../src/node/routing/contact.js'
import { decodeLinkCell, encodeLinkCell, LinkCommand, type LinkCell } from '../../src/node/services/tunnels/cell.js'
import {
  decodeBegin, decodeExtend, decodeExtended, decodeReason, decodeRelayMessage, decodeRequest, decodeSendme, encodeBegin,
  encodeExtend, encodeExtended, encodeReason, encodeRelayMessage, encodeRequest, encodeSendme, RelayCommand
} from '../../src/node/services/tunnels/relay-message.js'
import { decodeHandshakeBody, encodeHandshakeBody } from '../../src/node/services/tunnels/create-body.js'
import {
  decodeClosestAnswer, decodeClosestQuery, decodeFindValueAnswer, decodeFindValueQuery, decodeRequestAnswer, decodeRequestQuery,
  decodeStreamAnswer, decodeStreamQuery, encodeClosestAnswer, encodeClosestQuery, encodeFindValueAnswer, encodeFindValueQuery,
  encodeRequestAnswer, encodeRequestQuery, encodeStreamAnswer, encodeStreamQuery
} from '../../src/node/services/tunnels/exit-messages.js'
import {
  decodeCookie, decodeEstablishIntro, decodeIntroduce, decodeRendezvous1, decodeReply, encodeEstablishIntro, encodeIntroduce,
  encodeRendezvous1, encodeReply, readStatus
} from '../../src/node/services/tunnels/hidden/hs-messages.js'
import { decodeInner, encodeInner } from '../../src/node/services/tunnels/hidden/introduce-blob.js'
import { decodeDescriptor, encodeDescriptor, type HiddenDescriptor } from '../../src/node/services/tunnels/descriptor.js'
import { END_REASON } from '../../src/node/services/tunnels/tunnel-api.js'
import { bytes, isTornetError, multi } from './helpers.js'

const fixedRandom = (n: number): Buffer => Buffer.alloc(n, 0x33)

export const linkCells: FuzzTarget<LinkCell> = {
  name: 'tunnel-cells',
  about: 'fixed-size link cells between relays: decodeLinkCell',
  seeds: () => [
    encodeLinkCell({ circuitId: 0xfedcba98, command: LinkCommand.create, body: bytes(96, 1) }, fixedRandom),
    encodeLinkCell({ circuitId: 7, command: LinkCommand.relay, body: Buffer.from('x') }, fixedRandom),
    encodeLinkCell({ circuitId: 0, command: LinkCommand.padding, body: Buffer.alloc(0) }, fixedRandom)
  ],
  decode: decodeLinkCell,
  encode: c => encodeLinkCell(c, fixedRandom),
  expected: isTornetError
}

const peerKey = bytes(32, 0x44)
const peer = makeContact(sha256(peerKey), { address: '198.51.100.7', port: 4000 }, { publicKey: peerKey, nonce: bytes(8, 1) })
const peer6 = makeContact(sha256(bytes(32, 0x45)), { address: '2001:db8::7', port: 4001 }, { publicKey: bytes(32, 0x45), nonce: bytes(8, 2) })

export const relayMessages = multi('tunnel-relay-messages', 'onion payloads and their bodies: relay message, EXTEND, BEGIN, END, REQUEST, SENDME, CREATE', isTornetError, [
  {
    decode: decodeRelayMessage,
    encode: encodeRelayMessage,
    seeds: () => [
      encodeRelayMessage({ command: RelayCommand.data, streamId: 3, data: Buffer.from('stream bytes') }),
      encodeRelayMessage({ command: RelayCommand.extend, streamId: 0, data: bytes(200, 5) })
    ]
  },
  { decode: decodeExtend, encode: encodeExtend, seeds: () => [encodeExtend({ id: bytes(32, 1), publicKey: bytes(32, 2), endpoint: { address: '192.0.2.9', port: 9 }, handshake: bytes(96, 3) })] },
  { decode: decodeExtended, encode: encodeExtended, seeds: () => [encodeExtended(bytes(64, 4))] },
  { decode: decodeBegin, encode: encodeBegin, seeds: () => [encodeBegin('kv'), encodeBegin('hs')] },
  { decode: decodeReason, encode: encodeReason, seeds: () => [encodeReason(END_REASON.done)] },
  { decode: decodeRequest, encode: encodeRequest, seeds: () => [encodeRequest({ requestId: 9, name: 'dht.find', payload: bytes(40, 6) })] },
  { decode: decodeSendme, encode: encodeSendme, seeds: () => [encodeSendme(100)] },
  { decode: b => decodeHandshakeBody(Buffer.from(b)), encode: encodeHandshakeBody, seeds: () => [encodeHandshakeBody(bytes(96, 7))] }
])

export const exitMessages = multi('tunnel-exit-messages', 'queries and answers at a circuit\'s exit (closest, find-value, request, stream)', isTornetError, [
  { decode: decodeClosestQuery, encode: encodeClosestQuery, seeds: () => [encodeClosestQuery({ key: bytes(32, 7), count: 8 })] },
  { decode: decodeClosestAnswer, encode: encodeClosestAnswer, seeds: () => [encodeClosestAnswer({ ok: true, contacts: [peer, peer6] }), encodeClosestAnswer({ ok: false, error: { code: 'TUNNEL_TIMEOUT', message: 'no answer' } })] },
  { decode: decodeFindValueQuery, encode: encodeFindValueQuery, seeds: () => [encodeFindValueQuery({ key: bytes(32, 8), kind: 2, notFoundStop: { count: 3, quorum: 2 } }), encodeFindValueQuery({ key: bytes(32, 8), kind: 1 })] },
  {
    decode: decodeFindValueAnswer,
    encode: encodeFindValueAnswer,
    seeds: () => [
      encodeFindValueAnswer({ status: 'value', from: peer, value: bytes(100, 9) }),
      encodeFindValueAnswer({ status: 'miss', notFound: 4, stoppedEarly: true }),
      encodeFindValueAnswer({ status: 'error', error: { code: 'EXIT_FAILED', message: 'über' } })
    ]
  },
  { decode: decodeRequestQuery, encode: encodeRequestQuery, seeds: () => [encodeRequestQuery({ to: peer, service: 'kv', timeoutMs: 5000, payload: bytes(50, 1) })] },
  { decode: decodeRequestAnswer, encode: encodeRequestAnswer, seeds: () => [encodeRequestAnswer({ ok: true, reply: bytes(30, 2) })] },
  { decode: decodeStreamQuery, encode: encodeStreamQuery, seeds: () => [encodeStreamQuery({ to: peer6, service: 'chunks' })] },
  { decode: decodeStreamAnswer, encode: encodeStreamAnswer, seeds: () => [encodeStreamAnswer({ ok: true }), encodeStreamAnswer({ ok: false, error: { code: 'X', message: 'y' } })] }
])

export const hiddenMessages = multi('tunnel-hidden-messages', 'hidden-service intro, introduce, rendezvous messages and the sealed introduction\'s inner part', isTornetError, [
  { decode: decodeEstablishIntro, encode: encodeEstablishIntro, seeds: () => [encodeEstablishIntro({ authKey: bytes(32, 1), timestamp: 1_765_000_000_000, signature: bytes(64, 2) })] },
  { decode: decodeIntroduce, encode: encodeIntroduce, seeds: () => [encodeIntroduce({ authKey: bytes(32, 3), blob: bytes(300, 4) })] },
  { decode: decodeCookie, seeds: () => [bytes(20, 5)] },
  { decode: decodeRendezvous1, encode: encodeRendezvous1, seeds: () => [encodeRendezvous1({ cookie: bytes(20, 6), reply: bytes(64, 7) })] },
  { decode: decodeReply, encode: encodeReply, seeds: () => [encodeReply(bytes(64, 8))] },
  { decode: readStatus, seeds: () => [Uint8Array.of(0)] },
  {
    decode: decodeInner,
    encode: encodeInner,
    seeds: () => [encodeInner({ cookie: bytes(20, 9), rendezvous: { id: bytes(32, 1), publicKey: bytes(32, 2), nonce: bytes(8, 3), endpoint: { address: '192.0.2.1', port: 5 } }, ntor: bytes(96, 4), timestamp: 1_765_000_000_000, early: Buffer.from('GET / HTTP/1.1\r\n\r\n') })]
  }
])

// Descriptors are sealed to the service key and period: the fuzzer mutates the plaintext and
// seals it the way descriptor.ts documents, as a forger who knows the service key could.
const SERVICE_KEY = bytes(32, 0x21)
const PERIOD = 20_428
const NOW = Date.UTC(2026, 11, 6, 12)
const DOMAIN = 'tornet hs descriptor v1'

function periodBytes (): Buffer { const p = Buffer.alloc(8); p.writeBigUInt64LE(BigInt(PERIOD)); return p }

function sealPlain (plain: Uint8Array): Buffer {
  const p = periodBytes()
  const salt = bytes(16, 9)
  const key = Buffer.from(hkdfSync('sha256', Buffer.concat([SERVICE_KEY, p]), salt, DOMAIN, 32))
  const c = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
  c.setAAD(Buffer.concat([Buffer.from(DOMAIN), p]), { plaintextLength: plain.length })
  const body = c.update(plain); c.final()
  return Buffer.concat([Buffer.from([1]), salt, body, c.getAuthTag()])
}

function openSealed (sealed: Buffer): Buffer {
  const p = periodBytes()
  const salt = sealed.subarray(1, 17)
  const key = Buffer.from(hkdfSync('sha256', Buffer.concat([SERVICE_KEY, p]), salt, DOMAIN, 32))
  const d = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
  // ChaCha20 is a stream cipher: encrypting the ciphertext again gives the plaintext back.
  d.setAAD(Buffer.concat([Buffer.from(DOMAIN), p]), { plaintextLength: sealed.length - 33 })
  return d.update(sealed.subarray(17, sealed.length - 16))
}

const descriptor = (n: number): HiddenDescriptor => ({
  servicePublicKey: SERVICE_KEY,
  introPoints: Array.from({ length: n }, (_, i) => ({ id: bytes(32, i + 1), publicKey: bytes(32, 0x40 + i), endpoint: i % 2 === 0 ? { address: `10.0.${i}.1`, port: 4000 + i } : { address: '2001:db8::5', port: 80 }, authKey: bytes(32, 0x80 + i) })),
  expires: NOW + 3_600_000,
  powBits: 3
})

export const hiddenDescriptors: FuzzTarget<HiddenDescriptor> = {
  name: 'tunnel-descriptors',
  about: 'hidden-service descriptors: mutated plaintexts sealed with the service key, then decodeDescriptor',
  seeds: () => [1, 3].map(n => openSealed(encodeDescriptor(descriptor(n), PERIOD, fixedRandom))),
  decode: plain => decodeDescriptor(sealPlain(plain), SERVICE_KEY, PERIOD, NOW),
  encode: d => openSealed(encodeDescriptor(d, PERIOD, fixedRandom)),
  expected: isTornetError
}

export const sealedDescriptors: FuzzTarget<HiddenDescriptor> = {
  name: 'tunnel-descriptors-sealed',
  about: 'hidden-service descriptors as fetched (sealed bytes): decodeDescriptor',
  seeds: () => [encodeDescriptor(descriptor(2), PERIOD, fixedRandom)],
  decode: b => decodeDescriptor(b, SERVICE_KEY, PERIOD, NOW),
  expected: isTornetError
}
