import { describe, expect, it } from 'vitest'
import { WireError } from '../../../src/node/wire/codec.js'
import { decodeIntroducers, decodePunchMessage, encodeIntroducers, encodePunchMessage, MAX_INTRODUCERS, PunchResult } from '../../../src/node/wire/punch-messages.js'

const id = Buffer.alloc(32, 0x11)
const ep = { address: '198.18.0.4', port: 9151 }

describe('punch messages', () => {
  it('golden bytes: request, notify, answer with and without endpoint, keep', () => {
    expect(encodePunchMessage({ type: 'request', target: id }).toString('hex')).toBe('01' + '11'.repeat(32))
    // type 2 ‖ id ‖ flags 0 (IPv4) ‖ 198.18.0.4 ‖ port 9151 little-endian
    expect(encodePunchMessage({ type: 'notify', peer: id, endpoint: ep }).toString('hex')).toBe('02' + '11'.repeat(32) + '00c6120004bf23')
    expect(encodePunchMessage({ type: 'answer', result: PunchResult.OK, endpoint: ep }).toString('hex')).toBe('030000c6120004bf23')
    expect(encodePunchMessage({ type: 'answer', result: PunchResult.TOO_SOON }).toString('hex')).toBe('0302')
    expect(encodePunchMessage({ type: 'keep' }).toString('hex')).toBe('04')
  })

  it('round trips, IPv6 included', () => {
    const v6 = { address: '2001:db8::7', port: 65535 }
    for (const m of [
      { type: 'request', target: id },
      { type: 'notify', peer: id, endpoint: v6 },
      { type: 'answer', result: PunchResult.OK, endpoint: v6 },
      { type: 'answer', result: PunchResult.OK },
      { type: 'answer', result: PunchResult.NOT_CONNECTED },
      { type: 'answer', result: PunchResult.REFUSED },
      { type: 'keep' }
    ] as const) expect(decodePunchMessage(encodePunchMessage(m))).toEqual(m)
  })

  it('rejects unknown types and results, short ids, port 0, an endpoint on a non-OK answer, trailing bytes', () => {
    for (const hex of ['', '05', '01' + '11'.repeat(31), '01' + '11'.repeat(33), '02' + '11'.repeat(32) + '00c61200040000',
      '02' + '11'.repeat(32), '0304', '0301' + '00c6120004bf23', '030000c6120004bf', '0400']) {
      expect(() => decodePunchMessage(Buffer.from(hex, 'hex')), hex).toThrow(WireError)
    }
    expect(() => encodePunchMessage({ type: 'request', target: Buffer.alloc(31) })).toThrow(RangeError)
    expect(() => encodePunchMessage({ type: 'answer', result: PunchResult.REFUSED, endpoint: ep })).toThrow(RangeError)
  })

  it('introducers: versioned list of 1..4, golden bytes, refusals name the version', () => {
    const list = [{ id, endpoint: ep }, { id: Buffer.alloc(32, 2), endpoint: { address: '2001:db8::1', port: 1 } }]
    const bytes = encodeIntroducers(list)
    expect(bytes.subarray(0, 2).toString('hex')).toBe('0102')
    expect(bytes.subarray(2, 41).toString('hex')).toBe('11'.repeat(32) + '00c6120004bf23')
    expect(decodeIntroducers(bytes)).toEqual(list)
    expect(() => decodeIntroducers(Buffer.concat([Buffer.from([2]), bytes.subarray(1)]))).toThrow(/unknown version 2/)
    expect(() => decodeIntroducers(Buffer.from('0100', 'hex'))).toThrow(WireError)
    expect(() => decodeIntroducers(Buffer.from([1, MAX_INTRODUCERS + 1]))).toThrow(WireError)
    expect(() => decodeIntroducers(bytes.subarray(0, bytes.length - 1))).toThrow(WireError)
    expect(() => decodeIntroducers(Buffer.concat([bytes, Buffer.alloc(1)]))).toThrow(WireError)
    expect(() => encodeIntroducers([])).toThrow(RangeError)
    expect(() => encodeIntroducers(Array(MAX_INTRODUCERS + 1).fill(list[0]))).toThrow(RangeError)
  })
})
