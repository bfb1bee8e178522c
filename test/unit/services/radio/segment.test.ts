import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { decodeSegment, openSegment, signSegment, verifySegment, type Segment } from '../../../../src/node/services/radio/segment.js'
import { decodeStationInfo, encodeStationInfo } from '../../../../src/node/services/radio/station-info.js'
import { MAX_POST_BYTES, MAX_SEGMENT_PAYLOAD } from '../../../../src/node/services/radio/radio-api.js'
import { isTornetError } from '../../../../src/node/errors.js'

// A fixed station key: ed25519 is deterministic, so the golden bytes below are stable.
const seed = Buffer.alloc(32, 9)
export const fixedStation = { publicKey: Buffer.from(ed25519.getPublicKey(seed)), privateKey: seed }
const T = 1_700_000_000_000

function audio (seq = 5, payload = Buffer.from('frames')): Segment {
  return signSegment(fixedStation, { seq, timestampMs: T, codec: 'mp3', kind: 'audio', durationMs: 26, payload })
}

describe('signed segment', () => {
  it('round-trips and verifies', () => {
    const s = audio()
    const d = decodeSegment(s.bytes)
    expect(d).toMatchObject({ seq: 5, timestampMs: T, codec: 'mp3', kind: 'audio', durationMs: 26 })
    expect(d.payload.toString()).toBe('frames')
    expect(d.station.equals(fixedStation.publicKey)).toBe(true)
    expect(verifySegment(d)).toBe(true)
  })

  it('keeps its wire format (golden bytes)', () => {
    const s = audio()
    expect(s.bytes.subarray(0, 1 + 32 + 8 + 8 + 1 + 1 + 4 + 2 + 6).toString('hex')).toBe(
      '01' + fixedStation.publicKey.toString('hex') + '0500000000000000' + '0068e5cf8b010000' + '00' + '00' + '1a000000' + '0600' + Buffer.from('frames').toString('hex'))
    expect(s.bytes.length).toBe(57 + 6 + 64)
  })

  it('refuses any flipped bit as a bad signature', () => {
    const s = audio()
    for (const at of [1, 40, 50, 58, 62, s.bytes.length - 1]) {
      const b = Buffer.from(s.bytes)
      b[at] ^= 1
      const r = openSegment(b)
      expect(r === 'bad-signature' || r === 'malformed', `byte ${at}`).toBe(true)
    }
    const payloadFlip = Buffer.from(s.bytes); payloadFlip[60] ^= 1
    expect(openSegment(payloadFlip)).toBe('bad-signature')
  })

  it('refuses a segment signed by another key for this station', () => {
    const other = Buffer.alloc(32, 3)
    const forged = signSegment({ publicKey: fixedStation.publicKey, privateKey: other }, { seq: 1, timestampMs: T, codec: 'mp3', kind: 'title', durationMs: 0, payload: Buffer.from('x') })
    expect(openSegment(forged.bytes)).toBe('bad-signature')
  })

  it('decodes malformed input to "malformed", never throws', () => {
    const s = audio()
    const cases = [
      Buffer.alloc(0), s.bytes.subarray(0, 10), s.bytes.subarray(0, s.bytes.length - 1), Buffer.concat([s.bytes, Buffer.from([0])]),
      Object.assign(Buffer.from(s.bytes), { 0: 2 }), // version
      (() => { const b = Buffer.from(s.bytes); b[49] = 7; return b })(), // codec
      (() => { const b = Buffer.from(s.bytes); b[50] = 9; return b })() // kind
    ]
    for (const c of cases) expect(openSegment(c)).toBe('malformed')
  })

  it('bounds payloads by kind and refuses durations on text', () => {
    expect(() => signSegment(fixedStation, { seq: 1, timestampMs: T, codec: 'mp3', kind: 'audio', durationMs: 1, payload: Buffer.alloc(MAX_SEGMENT_PAYLOAD + 1) })).toThrow(RangeError)
    expect(() => signSegment(fixedStation, { seq: 1, timestampMs: T, codec: 'mp3', kind: 'post', durationMs: 0, payload: Buffer.alloc(MAX_POST_BYTES + 1) })).toThrow(RangeError)
    // An oversized payload crafted by hand (length field past the bound) does not decode.
    const big = signSegment(fixedStation, { seq: 1, timestampMs: T, codec: 'mp3', kind: 'init', durationMs: 0, payload: Buffer.alloc(MAX_POST_BYTES + 1) })
    const asPost = Buffer.from(big.bytes); asPost[50] = 3
    expect(openSegment(asPost)).toBe('malformed')
    const titled = signSegment(fixedStation, { seq: 1, timestampMs: T, codec: 'mp3', kind: 'title', durationMs: 0, payload: Buffer.from('t') })
    const withDuration = Buffer.from(titled.bytes); withDuration[51] = 5
    expect(openSegment(withDuration)).toBe('malformed')
  })

  it('station info round-trips; malformed info throws WIRE_MALFORMED', () => {
    const p = { label: 'welcome-radio', bitrateKbps: 128, ended: false }
    expect(decodeStationInfo(encodeStationInfo(p))).toEqual(p)
    expect(decodeStationInfo(encodeStationInfo({ ...p, ended: true })).ended).toBe(true)
    for (const bad of [Buffer.alloc(0), Buffer.from([2, 0, 0, 0]), Buffer.concat([encodeStationInfo(p), Buffer.from([1])])]) {
      let err: unknown
      try { decodeStationInfo(bad) } catch (e) { err = e }
      expect(isTornetError(err, 'WIRE_MALFORMED')).toBe(true)
    }
  })
})
