/** Link layer: datagrams, handshake payloads, channel frames, stream frames, relay frames. */
import type { FuzzTarget } from '../harness.js'
import {
  COOKIE_BYTES, decodeIkInitPayload, decodeIkRespPayload, decodeLinkPacket, decodeXxFinPayload, decodeXxRespPayload,
  encodeIkInitPayload, encodeIkRespPayload, encodeLinkPacket, encodeXxFinPayload, encodeXxRespPayload,
  type LinkPacket, MIN_INIT_BYTES, PacketType
} from '../../src/node/wire/link-packets.js'
import { type ChannelFrame, decodeFrames, encodeFrames, FrameType } from '../../src/node/wire/channel-frames.js'
import { decodeFrame, encodeAck, encodeData, encodeFin, encodeFrame, encodeRst, type StreamFrame } from '../../src/node/link/stream/frames.js'
import { encodeRelayFrame, type RelayFrame, RelayFrameReader } from '../../src/node/wire/relay-frames.js'
import { bytes, isWireError, multi, splitPieces } from './helpers.js'

const sealed = bytes(40, 0xab)
const isInit = (p: LinkPacket): boolean => p.type === PacketType.IK_INIT || p.type === PacketType.XX_INIT

const linkSamples: LinkPacket[] = [
  { type: PacketType.IK_INIT, senderIndex: 0xdeadbeef, ephemeral: bytes(32, 1), cookie: Buffer.alloc(0), sealed },
  { type: PacketType.IK_INIT, senderIndex: 7, ephemeral: bytes(32, 2), cookie: bytes(COOKIE_BYTES, 9), sealed },
  { type: PacketType.XX_INIT, senderIndex: 1, ephemeral: bytes(32, 3), cookie: Buffer.alloc(0) },
  { type: PacketType.IK_RESP, receiverIndex: 1, senderIndex: 2, ephemeral: bytes(32, 4), sealed },
  { type: PacketType.XX_RESP, receiverIndex: 3, senderIndex: 4, ephemeral: bytes(32, 5), sealed },
  { type: PacketType.XX_FIN, receiverIndex: 5, sealed },
  { type: PacketType.COOKIE, receiverIndex: 6, cookie: bytes(COOKIE_BYTES, 3) },
  { type: PacketType.REFUSE, receiverIndex: 8, reason: 1, text: 'rank 0 is below 4 — sorry' },
  { type: PacketType.DIAL_BACK, nonce: bytes(16, 7) },
  { type: PacketType.DATA, receiverIndex: 9, epoch: 3, counter: 2 ** 40 + 5, sealed: bytes(16, 1) },
  { type: PacketType.DATA, receiverIndex: 10, epoch: 0, counter: 0, sealed: bytes(200, 2) }
]

const encodePacket = (p: LinkPacket): Buffer => encodeLinkPacket(p, isInit(p) ? MIN_INIT_BYTES : 0)

export const linkPackets: FuzzTarget<LinkPacket> = {
  name: 'link-packets',
  about: 'every UDP datagram: decodeLinkPacket',
  seeds: () => linkSamples.map(encodePacket),
  decode: decodeLinkPacket,
  encode: encodePacket,
  expected: isWireError,
  maxBytes: 1500
}

const sig = bytes(64, 0x5a)
export const handshakePayloads = multi('link-handshake-payloads', 'sealed plaintexts of IK_INIT, IK_RESP, XX_RESP, XX_FIN', isWireError, [
  { decode: decodeIkInitPayload, encode: encodeIkInitPayload, seeds: () => [encodeIkInitPayload({ publicKey: bytes(32, 1), rankNonce: bytes(8, 2), timestampMs: 1_765_000_000_000, signature: sig, frames: encodeFrames([{ type: FrameType.PING, id: 1 }]) })] },
  { decode: decodeIkRespPayload, encode: encodeIkRespPayload, seeds: () => [encodeIkRespPayload({ rankNonce: bytes(8, 3), signature: sig, frames: Buffer.alloc(0) })] },
  { decode: decodeXxRespPayload, encode: encodeXxRespPayload, seeds: () => [encodeXxRespPayload({ publicKey: bytes(32, 4), rankNonce: bytes(8, 5), signature: sig })] },
  { decode: decodeXxFinPayload, encode: encodeXxFinPayload, seeds: () => [encodeXxFinPayload({ publicKey: bytes(32, 6), rankNonce: bytes(8, 7), signature: sig, frames: encodeFrames([{ type: FrameType.PONG, id: 2 }]) })] }
])

const channelSamples: ChannelFrame[] = [
  { type: FrameType.REQUEST, reqId: 1, fragIndex: 0, fragCount: 3, service: 'kv', data: Buffer.from('hello') },
  { type: FrameType.RESPONSE, reqId: 0xffffffff, fragIndex: 2, fragCount: 3, data: Buffer.alloc(0) },
  { type: FrameType.ERROR, reqId: 9, code: 'LINK_UNKNOWN_SERVICE', text: 'no service "x" here' },
  { type: FrameType.STREAM_OPEN, channel: 4, service: 'chunks' },
  { type: FrameType.STREAM_ACCEPT, channel: 4 },
  { type: FrameType.STREAM_DATA, channel: 5, data: bytes(100, 3) },
  { type: FrameType.STREAM_RESET, channel: 6, code: 'LINK_BUSY', text: '' },
  { type: FrameType.DATAGRAM, service: 'radio', data: Buffer.from([1, 2, 3]) },
  { type: FrameType.PING, id: 77 },
  { type: FrameType.PONG, id: 77 },
  { type: FrameType.CLOSE, code: 'CLOSE', text: 'bye ✓' },
  { type: FrameType.PATH_CHALLENGE, data: Buffer.from('01234567') },
  { type: FrameType.PATH_RESPONSE, data: Buffer.from('89abcdef') }
]

export const channelFrames: FuzzTarget<ChannelFrame[]> = {
  name: 'channel-frames',
  about: 'the plaintext of a session packet: decodeFrames',
  seeds: () => [
    ...channelSamples.map(f => encodeFrames([f])),
    encodeFrames(channelSamples),
    encodeFrames([channelSamples[0], channelSamples[8], { type: FrameType.PADDING, length: 30 }])
  ],
  decode: decodeFrames,
  encode: encodeFrames,
  expected: isWireError
}

export const streamFrames: FuzzTarget<StreamFrame> = {
  name: 'stream-frames',
  about: 'reliable-stream DATA/ACK/FIN/RST: decodeFrame',
  seeds: () => [
    encodeData(0, 1234, 0, Buffer.from('payload bytes')),
    encodeData(2 ** 40, 0xffffffff, 3, bytes(300, 9)),
    encodeFin(17, 99, 1),
    encodeAck({ probe: false, next: 5, window: 65536, spurious: 0, ranges: [] }),
    encodeAck({ probe: true, echo: 777, next: 100, window: 1 << 20, spurious: 3, ranges: [{ start: 102, end: 105 }, { start: 110, end: 111 }, { start: 200, end: 260 }] }),
    encodeRst(1)
  ],
  decode: decodeFrame,
  encode: encodeFrame,
  expected: isWireError
}

export const relayFrames: FuzzTarget<RelayFrame[]> = {
  name: 'relay-frames',
  about: 'the relay stream, fed in odd-sized pieces: RelayFrameReader',
  seeds: () => [
    encodeRelayFrame({ id: bytes(32, 1), packet: bytes(60, 2) }),
    Buffer.concat([encodeRelayFrame({ id: bytes(32, 3), packet: bytes(1, 4) }), encodeRelayFrame({ id: bytes(32, 5), packet: bytes(300, 6) })])
  ],
  decode: b => {
    const reader = new RelayFrameReader()
    const out: RelayFrame[] = []
    for (const piece of splitPieces(b)) out.push(...reader.push(piece))
    return out
  },
  encode: frames => Buffer.concat(frames.map(encodeRelayFrame)),
  expected: isWireError
}
