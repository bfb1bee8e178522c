import { describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import type { MiningProgress } from '../../../../src/node/identity/miner.js'
import { nonceFromCounter } from '../../../../src/node/identity/miner.js'
import { NameErrorCode } from '../../../../src/node/services/names/errors.js'
import { mineRegistration } from '../../../../src/node/services/names/pow.js'
import {
  MAX_TERM_MS, NO_PREVIOUS, type UnsignedRegistration, powBits, verifyRegistrationSignature
} from '../../../../src/node/services/names/registration.js'
import { T0, contentTarget } from './fixtures.js'

const owner = generateIdentity()
const unsigned: UnsignedRegistration = {
  name: 'shop', owner: owner.publicKey, target: contentTarget(), created: T0, expires: T0 + MAX_TERM_MS, previous: NO_PREVIOUS
}

async function errorOf (p: Promise<unknown>): Promise<unknown> {
  return await p.then(() => undefined, (e: unknown) => e)
}

describe('mineRegistration', () => {
  it('finds the first counter value that meets the difficulty, and signs with it', async () => {
    const r = await mineRegistration(owner, unsigned, { difficulty: 10 })
    expect(powBits(r)).toBeGreaterThanOrEqual(10)
    expect(verifyRegistrationSignature(r)).toBe(true)
    let n = 0
    while (powBits({ ...unsigned, nonce: nonceFromCounter(n, 0) }) < 10) n++
    expect(r.nonce).toEqual(nonceFromCounter(n, 0))
  })

  it('reports progress between slices', async () => {
    const seen: MiningProgress[] = []
    const r = await mineRegistration(owner, { ...unsigned, name: 'progress' }, {
      difficulty: 15, progressIntervalMs: 0, onProgress: p => seen.push(p)
    })
    expect(powBits(r)).toBeGreaterThanOrEqual(15)
    const counter = r.nonce.readUInt32LE(0)
    // One report per slice of 2048 nonces passed without success.
    expect(seen.length).toBe(Math.floor(counter / 2048))
    for (let i = 1; i < seen.length; i++) expect(seen[i].hashes).toBeGreaterThan(seen[i - 1].hashes)
  })

  it('stops with NAME_ABORTED when the signal fires, before or during the work', async () => {
    const before = await errorOf(mineRegistration(owner, unsigned, { difficulty: 60, signal: AbortSignal.abort() }))
    expect(isTornetError(before, NameErrorCode.ABORTED)).toBe(true)
    const ac = new AbortController()
    const during = await errorOf(mineRegistration(owner, unsigned, {
      difficulty: 60, progressIntervalMs: 0, signal: ac.signal, onProgress: p => { if (p.hashes >= 8192) ac.abort() }
    }))
    expect(isTornetError(during, NameErrorCode.ABORTED)).toBe(true)
  })

  it('refuses a difficulty outside 0..64', async () => {
    await expect(mineRegistration(owner, unsigned, { difficulty: 65 })).rejects.toThrow(RangeError)
    await expect(mineRegistration(owner, unsigned, { difficulty: -1 })).rejects.toThrow(RangeError)
  })
})
