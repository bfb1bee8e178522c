import { createCipheriv, hkdfSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { thrownCode } from '../../../helpers/thrown-code.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'
import {
  decodeDescriptor, DESCRIPTOR_MAX_BYTES, encodeDescriptor, type HiddenDescriptor, type IntroPoint, MAX_INTRO_POINTS
} from '../../../../src/node/services/tunnels/descriptor.js'

const NOW = Date.UTC(2026, 11, 6, 12)
const PERIOD = 20_428

function intro (i: number, address = `10.0.${i}.1`): IntroPoint {
  return { id: Buffer.alloc(32, i), publicKey: Buffer.alloc(32, 0x40 + i), endpoint: { address, port: 4000 + i }, authKey: Buffer.alloc(32, 0x80 + i) }
}

function descriptor (servicePublicKey: Buffer, n = 3): HiddenDescriptor {
  return { servicePublicKey, introPoints: Array.from({ length: n }, (_, i) => intro(i + 1)), expires: NOW + 3_600_000, powBits: 0 }
}

/** Seals an arbitrary plaintext the way descriptor.ts documents it: what a forger who knows the service key can do. */
function forge (servicePublicKey: Buffer, period: number, plain: Buffer): Buffer {
  const p = Buffer.alloc(8); p.writeBigUInt64LE(BigInt(period))
  const salt = Buffer.alloc(16, 9)
  const key = Buffer.from(hkdfSync('sha256', Buffer.concat([servicePublicKey, p]), salt, 'tornet hs descriptor v1', 32))
  const c = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 })
  c.setAAD(Buffer.concat([Buffer.from('tornet hs descriptor v1'), p]), { plaintextLength: plain.length })
  const body = c.update(plain); c.final()
  return Buffer.concat([Buffer.from([1]), salt, body, c.getAuthTag()])
}

/** A well-formed plaintext (one IPv4 intro point, 145 bytes padded to 256), for forging variants of it. */
function plaintext (servicePublicKey: Buffer, opts: { count?: number, powBits?: number, expires?: number, pad?: Buffer } = {}): Buffer {
  const head = Buffer.alloc(42)
  servicePublicKey.copy(head)
  head.writeBigUInt64LE(BigInt(opts.expires ?? NOW + 60_000), 32)
  head[40] = opts.powBits ?? 0
  head[41] = opts.count ?? 1
  const ip = intro(1)
  const port = Buffer.alloc(2); port.writeUInt16LE(ip.endpoint.port)
  const one = Buffer.concat([ip.id, ip.publicKey, Buffer.from([4, 10, 0, 1, 1]), port, ip.authKey])
  const body = Buffer.concat([head, one])
  return Buffer.concat([body, opts.pad ?? Buffer.alloc(256 - body.length)])
}

describe('hidden-service descriptor', () => {
  it('round-trips 1..MAX intro points, IPv4 and IPv6, within one kv value', () => {
    const service = generateIdentity()
    for (let n = 1; n <= MAX_INTRO_POINTS; n++) {
      const d = descriptor(service.publicKey, n)
      d.introPoints[0] = intro(1, '2001:db8::1')
      d.powBits = n
      const bytes = encodeDescriptor(d, PERIOD)
      expect(bytes.length).toBeLessThanOrEqual(DESCRIPTOR_MAX_BYTES)
      expect(decodeDescriptor(bytes, service.publicKey, PERIOD, NOW)).toEqual(d)
    }
  })

  it('hides its contents and its size barely depends on the number of intro points', () => {
    const service = generateIdentity()
    const a = encodeDescriptor(descriptor(service.publicKey, 1), PERIOD)
    const b = encodeDescriptor(descriptor(service.publicKey, 1), PERIOD)
    expect(a.equals(b)).toBe(false) // a fresh salt each time
    expect(a.includes(service.publicKey.subarray(0, 8))).toBe(false)
    expect(a.includes(Buffer.alloc(16, 0x41))).toBe(false)
    // Padded to 128-byte blocks: one and two intro points look alike.
    expect(encodeDescriptor(descriptor(service.publicKey, 1), PERIOD).length).toBe(encodeDescriptor(descriptor(service.publicKey, 2), PERIOD).length)
  })

  it('does not open with another service key or another period (HS_NOT_FOUND)', () => {
    const service = generateIdentity()
    const bytes = encodeDescriptor(descriptor(service.publicKey), PERIOD)
    expect(thrownCode(() => decodeDescriptor(bytes, generateIdentity().publicKey, PERIOD, NOW))).toBe(TunnelErrorCode.HS_NOT_FOUND)
    expect(thrownCode(() => decodeDescriptor(bytes, service.publicKey, PERIOD + 1, NOW))).toBe(TunnelErrorCode.HS_NOT_FOUND)
    for (const at of [1, 20, bytes.length - 1]) {
      const bad = Buffer.from(bytes); bad[at] ^= 0x10
      expect(thrownCode(() => decodeDescriptor(bad, service.publicKey, PERIOD, NOW))).toBe(TunnelErrorCode.HS_NOT_FOUND)
    }
    expect(thrownCode(() => decodeDescriptor(bytes.subarray(0, bytes.length - 1), service.publicKey, PERIOD, NOW))).toBe(TunnelErrorCode.HS_NOT_FOUND)
  })

  it('an expired descriptor is not found; oversized, short, unknown-version ones are malformed', () => {
    const service = generateIdentity()
    const d = descriptor(service.publicKey)
    const bytes = encodeDescriptor(d, PERIOD)
    expect(thrownCode(() => decodeDescriptor(bytes, service.publicKey, PERIOD, d.expires))).toBe(TunnelErrorCode.HS_NOT_FOUND)
    expect(decodeDescriptor(bytes, service.publicKey, PERIOD, d.expires - 1).expires).toBe(d.expires)
    expect(thrownCode(() => decodeDescriptor(Buffer.alloc(DESCRIPTOR_MAX_BYTES + 1), service.publicKey, PERIOD, NOW))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeDescriptor(Buffer.alloc(10, 1), service.publicKey, PERIOD, NOW))).toBe(TunnelErrorCode.MALFORMED)
    const v2 = Buffer.from(bytes); v2[0] = 2
    expect(thrownCode(() => decodeDescriptor(v2, service.publicKey, PERIOD, NOW))).toBe(TunnelErrorCode.MALFORMED)
  })

  it('rejects authentic-looking plaintexts that do not parse (forged with the public key)', () => {
    const A = generateIdentity().publicKey
    // The forger reproduces the format exactly: a good one decodes.
    expect(decodeDescriptor(forge(A, PERIOD, plaintext(A)), A, PERIOD, NOW).introPoints).toEqual([intro(1)])
    const bad: Array<[string, Buffer]> = [
      ['no intro points', plaintext(A, { count: 0 })],
      ['more intro points than bytes', plaintext(A, { count: 2 })],
      ['too many intro points', plaintext(A, { count: MAX_INTRO_POINTS + 1 })],
      ['powBits out of range', plaintext(A, { powBits: 33 })],
      ['non-zero padding', plaintext(A, { pad: Buffer.alloc(256 - 145, 1) })],
      ['padding of a whole block', plaintext(A, { pad: Buffer.alloc(256 - 145 + 128) })],
      ['another service key inside', plaintext(generateIdentity().publicKey)],
      ['expiry years away', plaintext(A, { expires: NOW + 365 * 86_400_000 })],
      ['truncated plaintext', plaintext(A).subarray(0, 60)]
    ]
    for (const [what, plain] of bad) {
      expect([what, thrownCode(() => decodeDescriptor(forge(A, PERIOD, plain), A, PERIOD, NOW))]).toEqual([what, TunnelErrorCode.MALFORMED])
    }
  })

  it('refuses to encode what it could not decode', () => {
    const A = generateIdentity().publicKey
    expect(thrownCode(() => encodeDescriptor(descriptor(A, 0), PERIOD))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeDescriptor(descriptor(A, MAX_INTRO_POINTS + 1), PERIOD))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeDescriptor({ ...descriptor(A), powBits: 40 }, PERIOD))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeDescriptor({ ...descriptor(A), servicePublicKey: Buffer.alloc(31) }, PERIOD))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    const longZones = descriptor(A, MAX_INTRO_POINTS)
    longZones.introPoints = longZones.introPoints.map((ip, i) => ({ ...ip, endpoint: { address: `fe80::${i + 1}%${'z'.repeat(100)}`, port: 1 } }))
    expect(thrownCode(() => encodeDescriptor(longZones, PERIOD))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeDescriptor({ ...descriptor(A), introPoints: [intro(1, 'not-an-ip')] }, PERIOD))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
  })

  it('golden: a fixed key, period and salt give fixed bytes', () => {
    const A = Buffer.from('1ea9b7c8dbb5fe0f0b1b1a4b8d9b6b3a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f', 'hex')
    const bytes = encodeDescriptor(descriptor(A), PERIOD, n => Buffer.alloc(n, 0x33))
    const actual = { servicePublicKey: A.toString('hex'), period: PERIOD, descriptor: bytes.toString('hex') }
    // Regenerate deliberately with UPDATE_GOLDEN=1 after an intended change of the descriptor format.
    const file = new URL('../../../fixtures/tunnels/descriptor-vector.json', import.meta.url)
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, JSON.stringify(actual, null, 2) + '\n')
    const golden = JSON.parse(readFileSync(file, 'utf8')) as typeof actual
    expect(actual).toEqual(golden)
    expect(decodeDescriptor(Buffer.from(golden.descriptor, 'hex'), A, PERIOD, NOW)).toEqual(descriptor(A))
  })
})
