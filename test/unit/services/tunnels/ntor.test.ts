import { createHmac, hkdfSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { generateIdentity, nodeIdOf, publicKeyFromSecret } from '../../../../src/node/identity/identity.js'
import {
  NTOR_CLIENT_BYTES, NTOR_REPLY_BYTES, ntorClientFinish, ntorClientStart, ntorServerRespond
} from '../../../../src/node/services/tunnels/ntor.js'
import { deriveHopKeys, relayForward, wrapForward, ONION_PAYLOAD_BYTES } from '../../../../src/node/services/tunnels/onion.js'

function fixedHop (fill: number): { id: Buffer, publicKey: Buffer, secretKey: Buffer } {
  const secretKey = Buffer.alloc(32, fill)
  const publicKey = publicKeyFromSecret(secretKey) as Buffer
  return { id: nodeIdOf(publicKey), publicKey, secretKey }
}

describe('ntor-like handshake', () => {
  it('client and hop agree on a secret whose layers carry cells, and each run is fresh', () => {
    const hop = generateIdentity()
    const secrets = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const { state, message } = ntorClientStart(hop)
      expect(message.length).toBe(NTOR_CLIENT_BYTES)
      const answer = ntorServerRespond(hop, message)
      if (answer === undefined) throw new Error('hop refused a good handshake')
      expect(answer.reply.length).toBe(NTOR_REPLY_BYTES)
      expect(answer.material.role).toBe('far')
      const mine = ntorClientFinish(state, answer.reply)
      expect(mine?.role).toBe('origin')
      expect(mine?.secret).toEqual(answer.material.secret)
      secrets.add(answer.material.secret.toString('hex'))
      const payload = Buffer.alloc(ONION_PAYLOAD_BYTES, i)
      const got = relayForward(deriveHopKeys(answer.material), wrapForward([deriveHopKeys(mine ?? answer.material)], 0, payload))
      expect(got).toEqual({ kind: 'deliver', payload })
    }
    expect(secrets.size).toBe(3)
  })

  it('a hop without the private key cannot answer: the client rejects the reply', () => {
    const hop = generateIdentity()
    const impostor = generateIdentity()
    const { state, message } = ntorClientStart(hop)
    // The impostor claims the hop's id and key but holds only its own secret.
    const forged = ntorServerRespond({ id: hop.id, publicKey: hop.publicKey, secretKey: impostor.secretKey }, message)
    if (forged === undefined) throw new Error('expected a (forged) reply')
    expect(ntorClientFinish(state, forged.reply)).toBeUndefined()
  })

  it('a message for another hop is refused by the hop', () => {
    const hop = generateIdentity()
    const other = generateIdentity()
    expect(ntorServerRespond(hop, ntorClientStart(other).message)).toBeUndefined()
    const { message } = ntorClientStart(hop)
    const wrongId = Buffer.from(message); wrongId[0] ^= 1
    expect(ntorServerRespond(hop, wrongId)).toBeUndefined()
    expect(ntorServerRespond(hop, message.subarray(0, 95))).toBeUndefined()
    expect(ntorServerRespond(hop, Buffer.concat([message, Buffer.alloc(1)]))).toBeUndefined()
    const zeroX = Buffer.concat([message.subarray(0, 64), Buffer.alloc(32)]) // low-order point
    expect(ntorServerRespond(hop, zeroX)).toBeUndefined()
  })

  it('any flipped bit of the reply, or a wrong size, fails at the client', () => {
    const hop = generateIdentity()
    const { state, message } = ntorClientStart(hop)
    const answer = ntorServerRespond(hop, message)
    if (answer === undefined) throw new Error('hop refused')
    for (const bit of [0, 100, 255, 256, 300, 511]) {
      const bad = Buffer.from(answer.reply); bad[bit >> 3] ^= 1 << (bit & 7)
      expect(ntorClientFinish(state, bad)).toBeUndefined()
    }
    expect(ntorClientFinish(state, answer.reply.subarray(0, 63))).toBeUndefined()
    expect(ntorClientFinish(state, Buffer.alloc(64))).toBeUndefined()
    expect(ntorClientFinish(state, answer.reply)?.secret).toEqual(answer.material.secret)
  })

  it('refuses to start against a key that is not an ed25519 point', () => {
    const bad = Buffer.alloc(32, 0xff)
    expect(() => ntorClientStart({ id: Buffer.alloc(32), publicKey: bad })).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
    expect(() => ntorClientStart({ id: Buffer.alloc(31), publicKey: generateIdentity().publicKey })).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
  })

  it('golden vector: fixed identity and ephemerals give fixed bytes, recomputed independently with @noble', () => {
    const hop = fixedHop(0x07)
    const xSecret = Buffer.alloc(32, 0x21)
    const ySecret = Buffer.alloc(32, 0x42)
    const { state, message } = ntorClientStart(hop, { ephemeralSecret: xSecret })
    const answer = ntorServerRespond(hop, message, { ephemeralSecret: ySecret })
    if (answer === undefined) throw new Error('hop refused')
    const mine = ntorClientFinish(state, answer.reply)
    expect(mine?.secret).toEqual(answer.material.secret)

    // The spec in ntor.ts, written again with another X25519 implementation.
    const X = Buffer.from(x25519.getPublicKey(xSecret))
    const Y = Buffer.from(x25519.getPublicKey(ySecret))
    const b = ed25519.utils.toMontgomerySecret(hop.secretKey)
    const protoid = Buffer.from('tornet-ntor-x25519-sha256-1')
    const input = Buffer.concat([x25519.getSharedSecret(ySecret, X), x25519.getSharedSecret(b, X), hop.id, hop.publicKey, X, Y, protoid])
    const okm = Buffer.from(hkdfSync('sha256', input, protoid, 'key|verify', 64))
    const secret = okm.subarray(0, 32)
    const verify = okm.subarray(32)
    const auth = createHmac('sha256', verify).update(Buffer.concat([hop.id, hop.publicKey, Y, X, protoid, Buffer.from('server')])).digest()
    expect(message).toEqual(Buffer.concat([hop.id, hop.publicKey, X]))
    expect(answer.reply).toEqual(Buffer.concat([Y, auth]))
    expect(answer.material.secret).toEqual(secret)

    const actual = {
      hopSecretKey: hop.secretKey.toString('hex'),
      clientEphemeral: xSecret.toString('hex'),
      hopEphemeral: ySecret.toString('hex'),
      message: message.toString('hex'),
      reply: answer.reply.toString('hex'),
      secret: answer.material.secret.toString('hex')
    }
    // Regenerate deliberately with UPDATE_GOLDEN=1 after an intended change of the handshake.
    const file = new URL('../../../fixtures/tunnels/ntor-vectors.json', import.meta.url)
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, JSON.stringify(actual, null, 2) + '\n')
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')))
  })
})
