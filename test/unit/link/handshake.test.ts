import { readFileSync, writeFileSync } from 'node:fs'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, test } from 'vitest'
import { type Identity, identityFromKeys } from '../../../src/node/identity/identity.js'
import {
  finishXx, InitiatorHandshake, type LocalKeys, localKeys, respondToIkInit, respondToXxInit, type ResponderContext
} from '../../../src/node/link/handshake.js'
import { createSigner, x25519FromSecret } from '../../../src/node/link/link-crypto.js'
import { decodeFrames, encodeFrames, FrameType } from '../../../src/node/wire/channel-frames.js'
import { decodeLinkPacket, type IkInit, type IkResp, PacketType, RefuseReason, type XxFin, type XxInit, type XxResp } from '../../../src/node/wire/link-packets.js'
import { identityWithRank } from '../../helpers/link-testnet.js'

function fixedIdentity (byte: number, nonce = Buffer.alloc(8)): Identity {
  const secret = Buffer.alloc(32, byte)
  return identityFromKeys(secret, Buffer.from(ed25519.getPublicKey(secret)), nonce)
}
function keysOf (id: Identity): LocalKeys { return localKeys(id, createSigner(id.secretKey)) }

const T0 = 1_700_000_000_000
const now = (): number => T0
const ctx = (extra: Partial<ResponderContext> = {}): ResponderContext => ({ localIndex: 0xbbbb, minRank: 0, now, maxSkewMs: 60_000, ...extra })
const request = encodeFrames([{ type: FrameType.REQUEST, reqId: 1, fragIndex: 0, fragCount: 1, service: 'echo', data: Buffer.from('ping') }])

function ik (init: LocalKeys, resp: LocalKeys, extra: { minRank?: number, expectedId?: Buffer, frames?: Buffer, eph?: number } = {}): InitiatorHandshake {
  return new InitiatorHandshake(init, {
    pattern: 'ik', localIndex: 0xaaaa, remotePublicKey: resp.identity.publicKey, expectedId: extra.expectedId, minRank: extra.minRank ?? 0,
    frames: extra.frames, datagramSize: 1200, now, ephemeral: extra.eph === undefined ? undefined : x25519FromSecret(Buffer.alloc(32, extra.eph))
  })
}
function xx (init: LocalKeys, extra: { minRank?: number, expectedId?: Buffer } = {}): InitiatorHandshake {
  return new InitiatorHandshake(init, { pattern: 'xx', localIndex: 0xaaaa, expectedId: extra.expectedId, minRank: extra.minRank ?? 0, datagramSize: 1200, now })
}

describe('IK handshake (responder key known, 0-RTT)', () => {
  const A = keysOf(fixedIdentity(0x11)); const B = keysOf(fixedIdentity(0x22))

  test('one round trip: keys agree and frames ride both ways', () => {
    const hs = ik(A, B, { frames: request })
    const init = hs.initPacket()
    expect(init.length).toBe(1200)
    const step = respondToIkInit(B, decodeLinkPacket(init) as IkInit, ctx())
    if (step.kind !== 'accepted') throw new Error(step.kind)
    expect(decodeFrames(step.outcome.frames)).toEqual(decodeFrames(request))
    expect(step.outcome.peer.id).toEqual(A.identity.id)
    const reply = (step.respond as (f: Buffer) => Buffer)(encodeFrames([{ type: FrameType.PONG, id: 1 }]))
    expect(reply.length).toBeLessThanOrEqual(init.length)
    const fin = hs.onResponse(decodeLinkPacket(reply) as IkResp)
    if (fin.kind !== 'established') throw new Error(fin.kind)
    expect(fin.outcome.sendKey).toEqual(step.outcome.recvKey)
    expect(fin.outcome.recvKey).toEqual(step.outcome.sendKey)
    expect(fin.outcome.sendKey).not.toEqual(fin.outcome.recvKey)
    expect(fin.outcome.peer.id).toEqual(B.identity.id)
    expect(decodeFrames(fin.outcome.frames)).toEqual([{ type: FrameType.PONG, id: 1 }])
    expect(fin.send).toBeUndefined()
  })

  test('golden bytes of IK_INIT and IK_RESP (fixed keys and ephemerals)', () => {
    const hs = ik(A, B, { frames: request, eph: 0x33 })
    const init = hs.initPacket()
    const step = respondToIkInit(B, decodeLinkPacket(init) as IkInit, { ...ctx(), ephemeral: x25519FromSecret(Buffer.alloc(32, 0x44)) })
    if (step.kind !== 'accepted') throw new Error(step.kind)
    const resp = (step.respond as (f: Buffer) => Buffer)(Buffer.alloc(0))
    // Regenerate deliberately with UPDATE_GOLDEN=1 after an intended wire change.
    const file = new URL('../../fixtures/link-handshake-ik.json', import.meta.url)
    const actual = { ikInit: init.toString('hex'), ikResp: resp.toString('hex') }
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, JSON.stringify(actual, null, 2) + '\n')
    const golden = JSON.parse(readFileSync(file, 'utf8')) as typeof actual
    expect(actual).toEqual(golden)
    // The layout, byte by byte: version, type, sender index (LE), ephemeral, empty cookie, sealed length.
    expect(init.subarray(0, 6).toString('hex')).toBe('0101aaaa0000')
    expect(init.subarray(6, 38)).toEqual(x25519FromSecret(Buffer.alloc(32, 0x33)).publicKey)
    expect(init[38]).toBe(0)
  })

  test('the 0-RTT frames are not readable without the responder key', () => {
    const C = keysOf(fixedIdentity(0x55))
    const init = decodeLinkPacket(ik(A, B, { frames: request }).initPacket()) as IkInit
    const step = respondToIkInit(C, init, ctx())
    expect(step.kind).toBe('refused')
    if (step.kind === 'refused') {
      expect(step.error.code).toBe('LINK_KEY_MISMATCH')
      expect((decodeLinkPacket(step.send) as { reason: number }).reason).toBe(RefuseReason.KEY_MISMATCH)
    }
  })

  test('forged initiator identity (claims a key it cannot sign for) is refused', () => {
    const forger: LocalKeys = { ...keysOf(fixedIdentity(0x66)), identity: A.identity } // A's key, 0x66's signer
    const init = decodeLinkPacket(ik(forger, B).initPacket()) as IkInit
    const step = respondToIkInit(B, init, ctx())
    expect(step.kind === 'refused' && step.error.code).toBe('LINK_BAD_SIGNATURE')
  })

  test('initiator rank below the responder minimum is refused with a readable reason', () => {
    const low = keysOf(identityWithRank(0, 0))
    const step = respondToIkInit(B, decodeLinkPacket(ik(low, B).initPacket()) as IkInit, ctx({ minRank: 3 }))
    if (step.kind !== 'refused') throw new Error(step.kind)
    expect(step.error.code).toBe('LINK_RANK_TOO_LOW')
    const refuse = decodeLinkPacket(step.send) as { reason: number, text: string }
    expect(refuse.reason).toBe(RefuseReason.RANK_TOO_LOW)
    expect(refuse.text).toMatch(/below/)
  })

  test('responder rank below the initiator minimum fails and yields a REFUSE for the responder', () => {
    const lowB = keysOf(identityWithRank(0, 0))
    const hs = ik(A, lowB, { minRank: 3 })
    const step = respondToIkInit(lowB, decodeLinkPacket(hs.initPacket()) as IkInit, ctx())
    if (step.kind !== 'accepted') throw new Error(step.kind)
    const r = hs.onResponse(decodeLinkPacket((step.respond as (f: Buffer) => Buffer)(Buffer.alloc(0))) as IkResp)
    if (r.kind !== 'failed') throw new Error(r.kind)
    expect(r.error.code).toBe('LINK_RANK_TOO_LOW')
    expect(decodeLinkPacket(r.send as Buffer)).toMatchObject({ type: PacketType.REFUSE, receiverIndex: 0xbbbb, reason: RefuseReason.RANK_TOO_LOW })
  })

  test('a stale timestamp is refused', () => {
    const init = decodeLinkPacket(ik(A, B).initPacket()) as IkInit
    const step = respondToIkInit(B, init, ctx({ now: () => T0 + 120_000 }))
    expect(step.kind === 'refused' && step.error.code).toBe('LINK_STALE_HANDSHAKE')
  })

  test('a tampered IK_RESP is ignored (the real one still completes)', () => {
    const hs = ik(A, B)
    const step = respondToIkInit(B, decodeLinkPacket(hs.initPacket()) as IkInit, ctx())
    if (step.kind !== 'accepted') throw new Error(step.kind)
    const good = (step.respond as (f: Buffer) => Buffer)(Buffer.alloc(0))
    const bad = Buffer.from(good); bad[bad.length - 1] ^= 1
    expect(hs.onResponse(decodeLinkPacket(bad) as IkResp).kind).toBe('ignored')
    expect(hs.onResponse(decodeLinkPacket(good) as IkResp).kind).toBe('established')
  })
})

describe('XX handshake (endpoint only)', () => {
  const A = keysOf(fixedIdentity(0x11)); const B = keysOf(fixedIdentity(0x22))

  function run (init: LocalKeys, resp: LocalKeys, opts: { minRank?: number, expectedId?: Buffer, respMinRank?: number } = {}): {
    hs: InitiatorHandshake, step2: ReturnType<InitiatorHandshake['onResponse']>, finish?: ReturnType<typeof finishXx>
  } {
    const hs = xx(init, opts)
    const i = decodeLinkPacket(hs.initPacket()) as XxInit
    const r = respondToXxInit(resp, i, ctx()) as NonNullable<ReturnType<typeof respondToXxInit>>
    expect(r.send.length).toBeLessThan(1200)
    const step2 = hs.onResponse(decodeLinkPacket(r.send) as XxResp, () => request)
    if (step2.kind !== 'established') return { hs, step2 }
    const finish = finishXx(resp, r.pending, decodeLinkPacket(step2.send as Buffer) as XxFin, ctx({ minRank: opts.respMinRank ?? 0 }))
    return { hs, step2, finish }
  }

  test('one and a half round trips: keys agree, XX_FIN carries frames', () => {
    const { step2, finish } = run(A, B)
    if (step2.kind !== 'established' || finish?.kind !== 'accepted') throw new Error('not established')
    expect(step2.outcome.peer.id).toEqual(B.identity.id)
    expect(finish.outcome.peer.id).toEqual(A.identity.id)
    expect(step2.outcome.sendKey).toEqual(finish.outcome.recvKey)
    expect(step2.outcome.recvKey).toEqual(finish.outcome.sendKey)
    expect(finish.outcome.frames).toEqual(request)
  })

  test('forged responder identity (bad signature) fails', () => {
    const forger: LocalKeys = { ...keysOf(fixedIdentity(0x66)), identity: B.identity }
    const { step2 } = run(A, forger)
    expect(step2.kind === 'failed' && step2.error.code).toBe('LINK_BAD_SIGNATURE')
  })

  test('forged initiator identity fails at the responder', () => {
    const forger: LocalKeys = { ...keysOf(fixedIdentity(0x66)), identity: A.identity }
    const { finish } = run(forger, B)
    expect(finish?.kind === 'refused' && finish.error.code).toBe('LINK_BAD_SIGNATURE')
  })

  test('a responder whose id is not the expected one fails (id ≠ hash(key))', () => {
    const { step2 } = run(A, B, { expectedId: Buffer.alloc(32, 9) })
    expect(step2.kind === 'failed' && step2.error.code).toBe('LINK_WRONG_PEER')
  })

  test('rank too low in both directions', () => {
    const low = keysOf(identityWithRank(0, 0))
    const r1 = run(A, low, { minRank: 2 })
    expect(r1.step2.kind === 'failed' && r1.step2.error.code).toBe('LINK_RANK_TOO_LOW')
    const r2 = run(low, B, { respMinRank: 2 })
    expect(r2.finish?.kind === 'refused' && r2.finish.error.code).toBe('LINK_RANK_TOO_LOW')
  })

  test('a tampered XX_FIN is ignored', () => {
    const hs = xx(A)
    const r = respondToXxInit(B, decodeLinkPacket(hs.initPacket()) as XxInit, ctx()) as NonNullable<ReturnType<typeof respondToXxInit>>
    const s = hs.onResponse(decodeLinkPacket(r.send) as XxResp)
    if (s.kind !== 'established') throw new Error(s.kind)
    const bad = Buffer.from(s.send as Buffer); bad[bad.length - 3] ^= 0x10
    expect(finishXx(B, r.pending, decodeLinkPacket(bad) as XxFin, ctx()).kind).toBe('ignored')
  })
})
