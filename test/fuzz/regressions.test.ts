/**
 * Every crash the fuzzer found (npm run fuzz), as the input that showed it. Each test failed
 * before its fix: a decoder accepted bytes its encoder could not write back, or threw something
 * other than its layer's typed error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../src/node/errors.js'
import { WireError } from '../../src/node/wire/codec.js'
import { decodeFrame, encodeAck, encodeFrame } from '../../src/node/link/stream/frames.js'
import { decodeNamesRequest, encodeNamesRequest } from '../../src/node/services/names/messages.js'
import { decodeChain, encodeChain } from '../../src/node/services/names/chain.js'
import { decodeRegistration, encodeRegistration, NO_PREVIOUS, signRegistration } from '../../src/node/services/names/registration.js'
import { identityFromKeys } from '../../src/node/identity/identity.js'
import { ConfigErrorCode, configPath, loadConfig } from '../../src/node/config.js'
import { checkCase } from '../../fuzz/harness.js'
import { streamFrames } from '../../fuzz/targets/link.js'
import { namesMessages } from '../../fuzz/targets/services.js'
import { configFiles } from '../../fuzz/targets/local-files.js'

function thrown (f: () => unknown): unknown {
  try { f() } catch (err) { return err }
  return undefined
}

describe('stream ACK: SACK ranges must end within 2^32 of next', () => {
  // ACK, no flags, next 100, window 0x10000, echo 0, spurious 0, 1 range: start 1, length 0xffffffff.
  const ack = Buffer.from('02' + '00' + '6400000000000000' + '00000100' + '00000000' + '00000000' + '01' + '01000000' + 'ffffffff', 'hex')

  it('is refused by the decoder (the encoder could not write it back: RangeError)', () => {
    expect(thrown(() => decodeFrame(ack))).toBeInstanceOf(WireError)
  })

  it('the largest range that fits still round-trips', () => {
    const edge = encodeAck({ probe: false, next: 100, window: 1, spurious: 0, ranges: [{ start: 101, end: 100 + 0xffffffff }] })
    const f = decodeFrame(edge)
    expect(encodeFrame(f)).toEqual(edge)
  })

  it('the fuzz finding itself now passes the target\'s checks', () => {
    const finding = Buffer.from('020364000000000000000000100009030000030000000302000000030000000a0000000100000064ffffffff000000', 'hex')
    expect(checkCase(streamFrames, finding).ok).toBe(true)
  })
})

describe('names: a name is ASCII on the wire', () => {
  const secret = Buffer.alloc(32, 7)
  const identity = identityFromKeys(secret, Buffer.from(ed25519.getPublicKey(secret)), Buffer.alloc(8))
  const registration = signRegistration(identity, {
    name: 'alice', owner: identity.publicKey, target: { kind: 'mailbox', value: Buffer.alloc(32, 1) }, created: 1_700_000_000_000, expires: 1_700_000_000_000 + 86_400_000, previous: NO_PREVIOUS
  }, Buffer.alloc(8, 2))

  it('a GET for a name with a byte above 0x7f is malformed (it decoded as Latin-1 and re-encoded as other bytes)', () => {
    const get = Buffer.from('0205616c69f565', 'hex') // GET, length 5, "ali\xf5e"
    expect(thrown(() => decodeNamesRequest(get))).toBeInstanceOf(WireError)
    expect(checkCase(namesMessages, Buffer.concat([Buffer.of(0), get])).ok).toBe(true)
    expect(decodeNamesRequest(encodeNamesRequest({ type: 'get', name: 'alice' }))).toEqual({ type: 'get', name: 'alice' })
  })

  it('a registration whose name has a byte above 0x7f is malformed (its id would not cover the bytes received)', () => {
    const bytes = encodeRegistration(registration)
    expect(bytes[2]).toBe('a'.charCodeAt(0)) // version, length, then the name
    const bad = Buffer.from(bytes); bad[2] = 0xe9
    expect(thrown(() => decodeRegistration(bad))).toBeInstanceOf(WireError)
    expect(thrown(() => decodeChain(encodeChain([registration]).fill(0xe9, 6, 7)))).toBeInstanceOf(WireError)
    expect(decodeRegistration(bytes)).toEqual(registration)
  })
})

describe('config.json: inherited keys are unknown keys', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tornet-fuzz-regression-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it.each([
    ['nested __proto__ (TypeError in checkLayer)', '{"__proto__":{"__proto__":{"xpub":1}}}'],
    ['__proto__ with a prototype method name', '{"__proto__":{"valueOf":1}}'],
    ['__proto__ carrying a value', '{"__proto__":{"polluted":true}}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
    ['toString', '{"toString":1}']
  ])('%s: CONFIG_INVALID, and nothing reaches Object.prototype', (_why, text) => {
    writeFileSync(configPath(dir), text)
    const err = thrown(() => loadConfig({ dataDir: dir }))
    expect(isTornetError(err, ConfigErrorCode.INVALID), String(err)).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('an input of the shape the fuzzer found now passes the target\'s checks', () => {
    const finding = Buffer.concat([Buffer.of(0), Buffer.from('{"port":"(M)\\"fa6I].","mail":[[2147463707,null],false,true,[null,false]],"__proto__":{"__proto__":{"xpub":1}}}')])
    expect(checkCase(configFiles, finding).ok).toBe(true)
  })
})
