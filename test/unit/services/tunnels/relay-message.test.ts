import { describe, expect, it } from 'vitest'
import { thrownCode } from '../../../helpers/thrown-code.js'
import { TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'
import { ONION_PAYLOAD_BYTES } from '../../../../src/node/services/tunnels/onion.js'
import {
  decodeBegin, decodeExtend, decodeExtended, decodeReason, decodeRelayMessage, decodeRequest, decodeSendme,
  encodeBegin, encodeExtend, encodeExtended, encodeReason, encodeRelayMessage, encodeRequest, encodeSendme,
  HANDSHAKE_MAX, MAX_REQUEST_BYTES, RELAY_DATA_MAX, RelayCommand
} from '../../../../src/node/services/tunnels/relay-message.js'
import { END_REASON } from '../../../../src/node/services/tunnels/tunnel-api.js'

describe('relay message codec', () => {
  it('round-trips every command, at the fixed onion payload size', () => {
    for (const command of Object.values(RelayCommand)) {
      for (const data of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(RELAY_DATA_MAX, 0x5a)]) {
        const bytes = encodeRelayMessage({ command, streamId: 0xbeef, data })
        expect(bytes.length).toBe(ONION_PAYLOAD_BYTES)
        expect(decodeRelayMessage(bytes)).toEqual({ command, streamId: 0xbeef, data })
      }
    }
  })

  it('encodes into a caller buffer (an onion payload slot) with the same bytes, zero padding over whatever was there', () => {
    const data = Buffer.from('into a slot')
    const into = Buffer.alloc(ONION_PAYLOAD_BYTES, 0xff)
    expect(encodeRelayMessage({ command: RelayCommand.data, streamId: 7, data }, into)).toBe(into)
    expect(into).toEqual(encodeRelayMessage({ command: RelayCommand.data, streamId: 7, data }))
    expect(into.subarray(5 + data.length).every(b => b === 0)).toBe(true)
    expect(thrownCode(() => encodeRelayMessage({ command: RelayCommand.data, streamId: 7, data }, Buffer.alloc(ONION_PAYLOAD_BYTES - 1)))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    // An owned decode is a view (no copy); the default is a copy that later writes cannot touch.
    const owned = decodeRelayMessage(into, true)
    const copied = decodeRelayMessage(into)
    into[5] ^= 0xff
    expect(owned.data[0]).toBe(into[5])
    expect(copied.data).toEqual(data)
  })

  it('rejects wrong sizes, unknown commands and a length past the end', () => {
    const good = encodeRelayMessage({ command: RelayCommand.data, streamId: 1, data: Buffer.from('abc') })
    expect(thrownCode(() => decodeRelayMessage(good.subarray(1)))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeRelayMessage(Buffer.concat([good, Buffer.alloc(1)])))).toBe(TunnelErrorCode.MALFORMED)
    for (const cmd of [0, 14, 200]) {
      const bad = Buffer.from(good); bad[0] = cmd
      expect(thrownCode(() => decodeRelayMessage(bad))).toBe(TunnelErrorCode.MALFORMED)
    }
    const long = Buffer.from(good); long.writeUInt16LE(RELAY_DATA_MAX + 1, 3)
    expect(thrownCode(() => decodeRelayMessage(long))).toBe(TunnelErrorCode.MALFORMED)
    long.writeUInt16LE(RELAY_DATA_MAX, 3)
    expect(decodeRelayMessage(long).data.length).toBe(RELAY_DATA_MAX)
    expect(thrownCode(() => encodeRelayMessage({ command: RelayCommand.data, streamId: 1, data: Buffer.alloc(RELAY_DATA_MAX + 1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeRelayMessage({ command: RelayCommand.data, streamId: 0x10000, data: Buffer.alloc(1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
  })

  it('EXTEND and EXTENDED round-trip (IPv4 and IPv6) and reject truncation, trailing bytes and oversize', () => {
    const v4 = { id: Buffer.alloc(32, 1), publicKey: Buffer.alloc(32, 2), endpoint: { address: '10.1.2.3', port: 4000 }, handshake: Buffer.alloc(96, 3) }
    const v6 = { ...v4, endpoint: { address: '2001:db8::7', port: 65535 } }
    for (const e of [v4, v6]) {
      const b = encodeExtend(e)
      expect(decodeExtend(b)).toEqual(e)
      expect(thrownCode(() => decodeExtend(b.subarray(0, b.length - 1)))).toBe(TunnelErrorCode.MALFORMED)
      expect(thrownCode(() => decodeExtend(Buffer.concat([b, Buffer.alloc(1)])))).toBe(TunnelErrorCode.MALFORMED)
    }
    const badFamily = encodeExtend(v4); badFamily[64] = 5
    expect(thrownCode(() => decodeExtend(badFamily))).toBe(TunnelErrorCode.MALFORMED)
    const portZero = encodeExtend(v4); portZero.writeUInt16LE(0, 69)
    expect(thrownCode(() => decodeExtend(portZero))).toBe(TunnelErrorCode.MALFORMED)
    const hugeLen = encodeExtend(v4); hugeLen.writeUInt16LE(HANDSHAKE_MAX + 1, 71)
    expect(thrownCode(() => decodeExtend(hugeLen))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => encodeExtend({ ...v4, id: Buffer.alloc(31) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeExtend({ ...v4, endpoint: { address: 'example.org', port: 1 } }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)

    const reply = Buffer.alloc(64, 9)
    expect(decodeExtended(encodeExtended(reply))).toEqual(reply)
    expect(thrownCode(() => decodeExtended(encodeExtended(reply).subarray(0, 10)))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => encodeExtended(Buffer.alloc(HANDSHAKE_MAX + 1)))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
  })

  it('BEGIN carries 1..64 printable ASCII only', () => {
    expect(decodeBegin(encodeBegin('hidden-http'))).toBe('hidden-http')
    expect(decodeBegin(encodeBegin('x'.repeat(64)))).toBe('x'.repeat(64))
    for (const bad of ['', 'x'.repeat(65), 'a b', 'caf\u00e9', 'tab\there']) {
      expect(thrownCode(() => encodeBegin(bad))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    }
    expect(thrownCode(() => decodeBegin(Buffer.from([3, 0x61, 0x0a, 0x62])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeBegin(Buffer.from([0])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeBegin(Buffer.from([65, ...Buffer.alloc(65, 0x61)])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeBegin(Buffer.from([2, 0x61])))).toBe(TunnelErrorCode.MALFORMED)
  })

  it('END reasons: every known one round-trips, unknown ones are malformed', () => {
    for (const reason of Object.values(END_REASON)) expect(decodeReason(encodeReason(reason))).toBe(reason)
    expect(thrownCode(() => decodeReason(Buffer.from([99])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeReason(Buffer.alloc(0)))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeReason(Buffer.from([0, 0])))).toBe(TunnelErrorCode.MALFORMED)
  })

  it('REQUEST/RESPONSE/NOTIFY round-trip at the limits and fit one relay message', () => {
    const max = { requestId: 0xffffffff, name: 'n'.repeat(32), payload: Buffer.alloc(MAX_REQUEST_BYTES, 7) }
    const b = encodeRequest(max)
    expect(b.length).toBe(RELAY_DATA_MAX)
    expect(decodeRequest(b)).toEqual(max)
    const ok = { requestId: 1, name: '', payload: Buffer.alloc(0) }
    expect(decodeRequest(encodeRequest(ok))).toEqual(ok)
    expect(thrownCode(() => encodeRequest({ ...max, payload: Buffer.alloc(MAX_REQUEST_BYTES + 1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeRequest({ ...max, name: 'n'.repeat(33) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeRequest({ ...max, requestId: -1 }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    const over = Buffer.from(encodeRequest(ok)); over.writeUInt16LE(MAX_REQUEST_BYTES + 1, 5)
    expect(thrownCode(() => decodeRequest(Buffer.concat([over, Buffer.alloc(MAX_REQUEST_BYTES + 1)])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeRequest(Buffer.from([1, 0, 0])))).toBe(TunnelErrorCode.MALFORMED)
  })

  it('SENDME acknowledges 1..65535 cells', () => {
    expect(decodeSendme(encodeSendme(100))).toBe(100)
    expect(thrownCode(() => decodeSendme(Buffer.from([0, 0])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeSendme(Buffer.from([1])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => encodeSendme(0))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
  })
})
