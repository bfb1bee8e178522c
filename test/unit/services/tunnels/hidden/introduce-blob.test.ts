import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../../src/node/identity/identity.js'
import { ed25519SecretToX25519 } from '../../../../../src/node/link/link-crypto.js'
import { checkPow, earlyRoom, openIntroduction, sealIntroduction } from '../../../../../src/node/services/tunnels/hidden/introduce-blob.js'
import { MAX_BLOB_BYTES } from '../../../../../src/node/services/tunnels/hidden/hs-messages.js'

const service = generateIdentity()
const serviceKeys = { publicKey: service.publicKey, x25519: ed25519SecretToX25519(service.secretKey) }
const authKey = generateIdentity().publicKey
const inner = {
  cookie: Buffer.alloc(20, 1),
  rendezvous: { id: Buffer.alloc(32, 2), publicKey: Buffer.alloc(32, 3), nonce: Buffer.alloc(8), endpoint: { address: '::1', port: 9 } },
  ntor: Buffer.alloc(96, 4),
  timestamp: 1234,
  early: Buffer.from('POST /x HTTP/1.1\r\ncontent-length: 0\r\n\r\n')
}

describe('introduction blob', () => {
  it('opens only with the service key, for the auth key it was sealed for', async () => {
    const blob = await sealIntroduction(service.publicKey, authKey, inner, 0)
    const opened = openIntroduction(serviceKeys, authKey, blob, 0)
    expect(opened.ok).toBe(true)
    if (opened.ok) expect(opened.inner).toEqual(inner)
    const other = generateIdentity()
    expect(openIntroduction({ publicKey: service.publicKey, x25519: ed25519SecretToX25519(other.secretKey) }, authKey, blob, 0)).toEqual({ ok: false, reason: 'decrypt' })
    expect(openIntroduction(serviceKeys, generateIdentity().publicKey, blob, 0)).toEqual({ ok: false, reason: 'decrypt' })
  })

  it('carries as much early data as the blob bound allows, and refuses more', async () => {
    const room = earlyRoom(inner)
    const full = { ...inner, early: Buffer.alloc(room, 7) }
    const blob = await sealIntroduction(service.publicKey, authKey, full, 0)
    expect(blob.length).toBe(MAX_BLOB_BYTES)
    const opened = openIntroduction(serviceKeys, authKey, blob, 0)
    expect(opened.ok && opened.inner.early).toEqual(Buffer.alloc(room, 7))
    await expect(sealIntroduction(service.publicKey, authKey, { ...inner, early: Buffer.alloc(room + 1) }, 0)).rejects.toThrow(RangeError)
  })

  it('a flipped bit anywhere fails; a short blob is malformed', async () => {
    const blob = await sealIntroduction(service.publicKey, authKey, inner, 0)
    for (const at of [0, 33, 45, blob.length - 1]) {
      const bad = Buffer.from(blob); bad[at] ^= 1
      expect(openIntroduction(serviceKeys, authKey, bad, 0).ok).toBe(false)
    }
    expect(openIntroduction(serviceKeys, authKey, blob.subarray(0, 50), 0)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('asks for the proof of work the descriptor names, bound to the ephemeral key', async () => {
    const cheap = await sealIntroduction(service.publicKey, authKey, inner, 0)
    const proven = await sealIntroduction(service.publicKey, authKey, inner, 10)
    expect(openIntroduction(serviceKeys, authKey, proven, 10).ok).toBe(true)
    // A random nonce almost never carries 10 bits (1 in 1024): try a few blobs to make a miss certain.
    let misses = 0
    for (let i = 0; i < 4; i++) {
      const b = i === 0 ? cheap : await sealIntroduction(service.publicKey, authKey, inner, 0)
      if (!openIntroduction(serviceKeys, authKey, b, 10).ok) misses++
    }
    expect(misses).toBeGreaterThanOrEqual(3)
    // The proof does not transfer to another ephemeral key (a 16-bit proof: a chance match is 1 in 65 536).
    const strong = await sealIntroduction(service.publicKey, authKey, inner, 16)
    expect(checkPow(service.publicKey, authKey, strong.subarray(0, 32), strong.subarray(32, 40), 16)).toBe(true)
    expect(checkPow(service.publicKey, authKey, Buffer.alloc(32, 9), strong.subarray(32, 40), 16)).toBe(false)
  })
})
