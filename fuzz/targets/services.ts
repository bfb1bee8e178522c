/** Service messages: chunks, kv, names, mail, radio. */
import { ed25519 } from '@noble/curves/ed25519.js'
import type { FuzzTarget } from '../harness.js'
import { identityFromKeys } from '../../src/node/identity/identity.js'
import { sha256 } from '../../src/node/crypto/hash.js'
import { describeChunk } from '../../src/node/services/chunks/chunk-format.js'
import { FrameParser } from '../../src/node/services/chunks/frame-parser.js'
import {
  type ChunkMessage, decodeChunkMessage, decodeProviderList, decodeStreamFrame, encodeChunkMessage, encodeProviderList,
  encodeStreamFrame, MAX_FRAME_BODY, type StreamFrame
} from '../../src/node/services/chunks/messages.js'
import { createProviderRecord } from '../../src/node/services/chunks/provider-record.js'
import { decodeRecord as decodeKvRecord, encodeRecord as encodeKvRecord, signRecord } from '../../src/node/services/kv/record.js'
import { decodeKvRequest, encodeKvRequest, kvCodecs } from '../../src/node/services/kv/messages.js'
import { decodeNamesRequest, encodeNamesRequest, namesCodecs } from '../../src/node/services/names/messages.js'
import { decodeRegistration, encodeRegistration, NO_PREVIOUS, type Registration, signRegistration } from '../../src/node/services/names/registration.js'
import { decodeChain, encodeChain } from '../../src/node/services/names/chain.js'
import {
  collectReplyCodec, decodePushItem, encodePushItem, mailRequestCodec, pushReplyCodec, signCollect, signReceipt, tokenReplyCodec
} from '../../src/node/services/mail/messages.js'
import { decodeMailboxRecord, encodeMailboxRecord, signMailboxRecord } from '../../src/node/services/mail/host/mailbox-record.js'
import { mailboxRecordCodecs } from '../../src/node/services/mail/host/mailbox-records.js'
import { MailErrorCode } from '../../src/node/services/mail/errors.js'
import {
  decodeOffer, decodePushReply, decodeRequest as decodeRadioRequest, decodeSubscribeReply, encodeOffer, encodePushReply,
  encodeRequest as encodeRadioRequest, encodeSubscribeReply
} from '../../src/node/services/radio/messages.js'
import { decodeSegment, signSegment } from '../../src/node/services/radio/segment.js'
import { decodeStationInfo, encodeStationInfo } from '../../src/node/services/radio/station-info.js'
import { KvErrorCode } from '../../src/node/services/kv/errors.js'
import { NameErrorCode } from '../../src/node/services/names/errors.js'
import { bytes, isWireError, multi, splitPieces } from './helpers.js'

const secret = bytes(32, 7)
const identity = identityFromKeys(secret, Buffer.from(ed25519.getPublicKey(secret)), Buffer.from('0102030405060708', 'hex'))
const NOW = 1_700_000_000_000
const chunkId = bytes(32, 0xab)

function fakeCipher (length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let o = 0; o < length; o += 32) sha256(Buffer.from(`chunk ${o}`)).copy(out, o, 0, Math.min(32, length - o))
  return out
}

const record = (address = '192.0.2.1', port = 4000): ReturnType<typeof createProviderRecord> =>
  createProviderRecord(identity, { address, port }, chunkId, NOW + 3600_000)

const chunkMessages = (): ChunkMessage[] => [
  { type: 'addProvider', record: record() },
  { type: 'addProvider', record: createProviderRecord(identity, { address: '2001:db8::1', port: 65535 }, chunkId, NOW, [{ id: bytes(32, 3), endpoint: { address: '198.18.0.1', port: 7 } }]) },
  { type: 'added', accepted: true },
  { type: 'getProviders', chunkId },
  { type: 'providers', records: [record(), record('10.1.2.3', 1)] },
  { type: 'getDescriptor', chunkId },
  { type: 'descriptor', descriptor: describeChunk(fakeCipher(200_000)) },
  { type: 'notFound', count: 0xffffffff },
  { type: 'cacheRequest', chunkId },
  { type: 'cacheAck', accepted: false },
  { type: 'error', reason: 1 },
  { type: 'hasChunk', chunkId },
  { type: 'hosting', held: true, servedBytes: 123_456, since: NOW },
  { type: 'publishOffer', chunkId, size: 200_000, maxCredit: 5_000_000 },
  { type: 'publishReply', status: 3, price: 400_000, paidUntil: 0 }
]

export const chunkRequests = multi('chunk-messages', 'the "chunks" service requests and replies, and provider lists', isWireError, [
  { decode: decodeChunkMessage, encode: encodeChunkMessage, seeds: () => chunkMessages().map(encodeChunkMessage) },
  { decode: decodeProviderList, encode: encodeProviderList, seeds: () => [encodeProviderList([record(), record('2001:db8::2', 9)])] }
])

const streamSamples: StreamFrame[] = [
  { type: 'sliceRequest', chunkId, first: 0, count: 16 },
  { type: 'slice', index: 3, bytes: bytes(300, 9) },
  { type: 'sliceNotFound', count: 42 },
  { type: 'sliceRefused', reason: 2 },
  { type: 'sliceOwed', owedCredit: 123456, sats: 789, uri: 'bitcoin:bc1qexample?amount=0.0001' }
]

export const chunkStream: FuzzTarget<StreamFrame[]> = {
  name: 'chunk-stream',
  about: 'a chunk slice stream in odd-sized pieces: FrameParser + decodeStreamFrame',
  seeds: () => [...streamSamples.map(encodeStreamFrame), Buffer.concat(streamSamples.map(encodeStreamFrame))],
  decode: b => {
    const parser = new FrameParser(MAX_FRAME_BODY)
    const out: StreamFrame[] = []
    for (const piece of splitPieces(b)) for (const body of parser.push(piece)) out.push(decodeStreamFrame(body))
    return out
  },
  encode: frames => Buffer.concat(frames.map(encodeStreamFrame)),
  expected: isWireError
}

const kvRecord = (): Buffer => encodeKvRecord(signRecord(identity, { key: Buffer.from('greeting'), value: Buffer.from('hello'), sequence: 5, expires: NOW + 60_000 }))

export const kvMessages = multi('kv-messages', 'the "kv" service: requests, replies, records', isWireError, [
  { decode: decodeKvRequest, encode: encodeKvRequest, seeds: () => [encodeKvRequest({ type: 'store', record: kvRecord() }), encodeKvRequest({ type: 'get', location: bytes(32, 4) })] },
  { decode: kvCodecs.storeReplies.decode, encode: kvCodecs.storeReplies.encode, seeds: () => [kvCodecs.storeReplies.encode({ accepted: true }), kvCodecs.storeReplies.encode({ accepted: false, code: KvErrorCode.OVER_QUOTA })] },
  { decode: kvCodecs.getReplies.decode, encode: kvCodecs.getReplies.encode, seeds: () => [kvCodecs.getReplies.encode(kvRecord()), kvCodecs.getReplies.encode(undefined)] },
  { decode: decodeKvRecord, encode: encodeKvRecord, seeds: () => [kvRecord()] }
])

function registration (name: string, created = NOW): Registration {
  return signRegistration(identity, {
    name,
    owner: identity.publicKey,
    target: { kind: 'content', value: Buffer.concat([bytes(32, 1), bytes(32, 2)]) },
    created,
    expires: created + 30 * 86_400_000,
    previous: NO_PREVIOUS
  }, bytes(8, 9))
}

export const namesMessages = multi('names-messages', 'the "names" service: requests, replies, chains, registrations', isWireError, [
  {
    decode: decodeNamesRequest,
    encode: encodeNamesRequest,
    seeds: () => [encodeNamesRequest({ type: 'get', name: 'alice' }), encodeNamesRequest({ type: 'store', chain: encodeChain([registration('alice')]) })]
  },
  { decode: namesCodecs.storeReplies.decode, encode: namesCodecs.storeReplies.encode, seeds: () => [namesCodecs.storeReplies.encode({ accepted: false, code: NameErrorCode.TAKEN })] },
  { decode: namesCodecs.getReplies.decode, encode: namesCodecs.getReplies.encode, seeds: () => [namesCodecs.getReplies.encode(encodeChain([registration('bob')]))] },
  { decode: decodeChain, encode: encodeChain, seeds: () => [encodeChain([registration('carol', NOW), registration('carol', NOW + 1000)])] },
  { decode: decodeRegistration, encode: encodeRegistration, seeds: () => [encodeRegistration(registration('dave'))] }
])

const mailSecret = bytes(32, 11)
const mailKey = Buffer.from(ed25519.getPublicKey(mailSecret))
const mailboxRecord = (): Buffer => encodeMailboxRecord(signMailboxRecord(mailSecret, { signingKey: mailKey, encryptionKey: bytes(32, 12), issuedAt: NOW, seq: 3 }))

export const mailMessages = multi('mail-messages', 'the "mail" service: requests, replies, items, mailbox records', isWireError, [
  {
    decode: mailRequestCodec.decode,
    encode: mailRequestCodec.encode,
    seeds: () => [
      mailRequestCodec.encode({ type: 'token', mailboxId: bytes(32, 1) }),
      mailRequestCodec.encode({ type: 'push', mailboxId: bytes(32, 1), nonce: bytes(8, 2), tokens: [bytes(20, 3), bytes(20, 4)], item: encodePushItem({ kind: 'message', rootId: bytes(32, 5), rootKey: bytes(32, 6) }) }),
      mailRequestCodec.encode(signCollect(mailSecret, bytes(32, 7), { mailboxId: bytes(32, 1), time: NOW, acks: [bytes(32, 8)] })),
      mailRequestCodec.encode({ type: 'notify', mailboxId: bytes(32, 1) })
    ]
  },
  { decode: decodePushItem, encode: encodePushItem, seeds: () => [encodePushItem(signReceipt(mailSecret, mailKey, bytes(32, 9)))] },
  { decode: pushReplyCodec.decode, encode: pushReplyCodec.encode, seeds: () => [pushReplyCodec.encode({ accepted: false, code: MailErrorCode.QUEUE_FULL })] },
  { decode: tokenReplyCodec.decode, encode: tokenReplyCodec.encode, seeds: () => [tokenReplyCodec.encode({ ok: true, token: bytes(20, 1) })] },
  { decode: collectReplyCodec.decode, encode: collectReplyCodec.encode, seeds: () => [collectReplyCodec.encode({ ok: true, more: true, items: [{ id: bytes(32, 1), item: bytes(65, 2) }] })] },
  { decode: decodeMailboxRecord, encode: encodeMailboxRecord, seeds: () => [mailboxRecord()] },
  { decode: mailboxRecordCodecs.requests.decode, encode: mailboxRecordCodecs.requests.encode, seeds: () => [mailboxRecordCodecs.requests.encode({ type: 'store', record: mailboxRecord() })] }
])

const station = bytes(32, 0x5a)
const path = [bytes(8, 1), bytes(8, 2)]
const offer = { path, price: 3400, children: 2, capacity: 8, info: Buffer.from('signed info bytes') }
const stationSeed = bytes(32, 9)
const stationKey = { publicKey: Buffer.from(ed25519.getPublicKey(stationSeed)), privateKey: stationSeed }

export const radioMessages = multi('radio-messages', 'the "radio" service: requests, offers, replies, signed segments, station info', isWireError, [
  {
    decode: decodeRadioRequest,
    encode: encodeRadioRequest,
    seeds: () => [
      encodeRadioRequest({ type: 'subscribe', station, burst: true }),
      encodeRadioRequest({ type: 'adopt', station }),
      encodeRadioRequest({ type: 'leave', station }),
      encodeRadioRequest({ type: 'push', path, segment: bytes(300, 9) })
    ]
  },
  { decode: decodeOffer, encode: encodeOffer, seeds: () => [encodeOffer(offer)] },
  {
    // Alternatives carry contacts whose ids are re-derived from their keys: no exact round trip.
    decode: decodeSubscribeReply,
    seeds: () => [encodeSubscribeReply({ status: 'full', offer, alternatives: [] }), encodeSubscribeReply({ status: 'not-carrying', alternatives: [] })]
  },
  { decode: decodePushReply, encode: encodePushReply, seeds: () => [encodePushReply({ taken: true, price: 5, listeners: 100, relays: 40 })] },
  {
    decode: decodeSegment,
    encode: s => s.bytes,
    seeds: () => [
      signSegment(stationKey, { seq: 5, timestampMs: NOW, codec: 'mp3', kind: 'audio', durationMs: 26, payload: Buffer.from('frames') }).bytes,
      signSegment(stationKey, { seq: 6, timestampMs: NOW, codec: 'ogg', kind: 'info', durationMs: 0, payload: encodeStationInfo({ label: 'Radio ✓', bitrateKbps: 128, ended: false }) }).bytes
    ]
  },
  { decode: decodeStationInfo, encode: encodeStationInfo, seeds: () => [encodeStationInfo({ label: 'Radio Tornet', bitrateKbps: 96, ended: true })] }
])
