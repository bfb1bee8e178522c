import { describe, expect, it } from 'vitest'
import { WireError } from '../../../src/node/wire/codec.js'
import { decodeLinkPacket, encodeLinkPacket, PacketType } from '../../../src/node/wire/link-packets.js'
import { decodeObserved, decodeReachMessage, DialBackResult, encodeObserved, encodeReachMessage } from '../../../src/node/wire/reach-messages.js'

describe('reach messages', () => {
  it('OBSERVED: golden bytes, and IPv6 round trip', () => {
    // version 1 ‖ flags 0 (IPv4) ‖ 198.18.0.4 ‖ port 9151 little-endian
    expect(encodeObserved({ address: '198.18.0.4', port: 9151 }).toString('hex')).toBe('0100c6120004bf23')
    expect(decodeObserved(Buffer.from('0100c6120004bf23', 'hex'))).toEqual({ address: '198.18.0.4', port: 9151 })
    const v6 = { address: '2001:db8::7', port: 65535 }
    expect(decodeObserved(encodeObserved(v6))).toEqual(v6)
  })

  it('OBSERVED: a wrong version, unknown flags, port 0, short or trailing bytes are rejected', () => {
    for (const hex of ['0200c6120004bf23', '0102c6120004bf23', '0100c61200040000', '0100c6120004bf', '0100c6120004bf2300', '01', '']) {
      expect(() => decodeObserved(Buffer.from(hex, 'hex')), hex).toThrow(WireError)
    }
  })

  it('dial-back request and answer round trip; golden request bytes', () => {
    const nonce = Buffer.alloc(16, 0xab)
    const req = encodeReachMessage({ type: 'dial-back-request', nonce })
    expect(req.toString('hex')).toBe('01' + 'ab'.repeat(16))
    expect(decodeReachMessage(req)).toEqual({ type: 'dial-back-request', nonce })
    for (const result of [DialBackResult.SENT, DialBackResult.TOO_SOON]) {
      expect(decodeReachMessage(encodeReachMessage({ type: 'dial-back-answer', result }))).toEqual({ type: 'dial-back-answer', result })
    }
    expect(() => encodeReachMessage({ type: 'dial-back-request', nonce: Buffer.alloc(15) })).toThrow(RangeError)
  })

  it('reach messages: unknown type or result, short nonce and trailing bytes are rejected', () => {
    for (const hex of ['', '03', '01' + 'ab'.repeat(15), '01' + 'ab'.repeat(17), '0202', '02', '020000']) {
      expect(() => decodeReachMessage(Buffer.from(hex, 'hex')), hex).toThrow(WireError)
    }
  })

  it('the DIAL_BACK link packet: version ‖ type 0x08 ‖ nonce[16], nothing more or less', () => {
    const nonce = Buffer.alloc(16, 7)
    const b = encodeLinkPacket({ type: PacketType.DIAL_BACK, nonce })
    expect(b.toString('hex')).toBe('0108' + '07'.repeat(16))
    expect(decodeLinkPacket(b)).toEqual({ type: PacketType.DIAL_BACK, nonce })
    expect(() => decodeLinkPacket(b.subarray(0, 17))).toThrow(WireError)
    expect(() => decodeLinkPacket(Buffer.concat([b, Buffer.alloc(1)]))).toThrow(WireError)
  })
})
