import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { isTornetError } from '../../../src/node/errors.js'
import { IdentityErrorCode } from '../../../src/node/identity/errors.js'
import {
  generateIdentity, nodeIdOf, publicKeyFromSecret, rankOf, sign, verify
} from '../../../src/node/identity/identity.js'
import { type MiningProgress, expectedSecondsLeft, mineIdentity, nonceFromCounter, verifyRankProof } from '../../../src/node/identity/miner.js'
import { MINER_WORKER_SOURCE } from '../../../src/node/identity/miner-worker-source.js'

async function expectCode (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

describe('expectedSecondsLeft', () => {
  it('is (2^rank - hashes) / rate, bounded at zero, unknown without a rate', () => {
    expect(expectedSecondsLeft(20, 2 ** 19, 2 ** 10)).toBe(2 ** 9)
    expect(expectedSecondsLeft(10, 5000, 100)).toBe(0)
    expect(expectedSecondsLeft(10, 0, 0)).toBe(Infinity)
  })
})

describe('mineIdentity', () => {
  it('mines a fresh identity to rank 10 with a valid proof', async () => {
    const identity = await mineIdentity({ rank: 10, threads: 2 })
    expect(identity.rank).toBeGreaterThanOrEqual(10)
    expect(identity.rank).toBe(rankOf(identity.publicKey, identity.nonce))
    expect(verifyRankProof(identity.publicKey, identity.nonce, 10)).toBe(true)
    expect(identity.id.equals(nodeIdOf(identity.publicKey))).toBe(true)
    expect(publicKeyFromSecret(identity.secretKey)?.equals(identity.publicKey)).toBe(true)
    const msg = Buffer.from('hello')
    expect(verify(identity.publicKey, msg, sign(identity, msg))).toBe(true)
  })

  it('with one thread finds the first nonce of the counter that meets the rank', async () => {
    const { secretKey, publicKey } = generateIdentity()
    const identity = await mineIdentity({ rank: 9, threads: 1, secretKey })
    let expected = 0
    while (rankOf(publicKey, nonceFromCounter(expected, 0)) < 9) expected++
    expect(identity.nonce.equals(nonceFromCounter(expected, 0))).toBe(true)
  })

  it('mines for an existing key pair and keeps it', async () => {
    const existing = generateIdentity()
    const identity = await mineIdentity({ rank: 8, threads: 3, secretKey: existing.secretKey, publicKey: existing.publicKey })
    expect(identity.publicKey.equals(existing.publicKey)).toBe(true)
    expect(identity.secretKey.equals(existing.secretKey)).toBe(true)
    expect(verifyRankProof(identity.publicKey, identity.nonce, 8)).toBe(true)
  })

  it('reports progress while it works, then stops on abort', async () => {
    const controller = new AbortController()
    const seen: MiningProgress[] = []
    const mining = mineIdentity({
      rank: 60,
      threads: 2,
      signal: controller.signal,
      progressIntervalMs: 50,
      onProgress: (p) => {
        seen.push(p)
        if (seen.filter(s => s.hashes > 0).length >= 3) controller.abort()
      }
    })
    await expectCode(mining, IdentityErrorCode.MINING_ABORTED)
    const counted = seen.filter(s => s.hashes > 0)
    expect(counted.length).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].hashes).toBeGreaterThanOrEqual(seen[i - 1].hashes)
      expect(seen[i].elapsedSeconds).toBeGreaterThan(seen[i - 1].elapsedSeconds)
    }
    const last = counted[counted.length - 1]
    expect(last.hashesPerSecond).toBeGreaterThan(0)
    expect(Number.isFinite(last.expectedSecondsLeft)).toBe(true)
    expect(last.expectedSecondsLeft).toBeGreaterThan(0) // 2^60 hashes are far away
  })

  it('rejects at once when the signal is already aborted', async () => {
    await expectCode(mineIdentity({ rank: 10, signal: AbortSignal.abort() }), IdentityErrorCode.MINING_ABORTED)
  })

  it('a throwing progress callback ends mining with that error', async () => {
    const boom = new Error('boom')
    const err = await mineIdentity({ rank: 60, threads: 1, progressIntervalMs: 20, onProgress: () => { throw boom } })
      .then(() => undefined, (e: unknown) => e)
    expect(err).toBe(boom)
  })

  it.each([
    { rank: -1 }, { rank: 65 }, { rank: 1.5 }, { rank: 10, threads: 0 }, { rank: 10, threads: 2.5 }
  ])('rejects bad arguments %o', async (opts) => {
    await expectCode(mineIdentity(opts), IdentityErrorCode.INVALID_ARGUMENT)
  })

  it('rejects a public key without its secret, or one that does not match it', async () => {
    const a = generateIdentity()
    const b = generateIdentity()
    await expectCode(mineIdentity({ rank: 1, publicKey: a.publicKey }), IdentityErrorCode.INVALID_ARGUMENT)
    await expectCode(mineIdentity({ rank: 1, secretKey: a.secretKey, publicKey: b.publicKey }), IdentityErrorCode.INVALID_ARGUMENT)
    await expectCode(mineIdentity({ rank: 1, secretKey: a.secretKey.subarray(0, 31) }), IdentityErrorCode.INVALID_ARGUMENT)
  })
})

describe('miner worker', () => {
  // Run the worker source directly from a counter just below 2^32, so the carry into the high
  // half is exercised, and compare with a plain BigInt walk of the same strided sequence.
  it('walks its strided share of the 64-bit counter across the 2^32 carry', async () => {
    const publicKey = Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - i))
    const offset = 2 ** 32 - 7
    const stride = 4
    const rank = 6
    const worker = new Worker(MINER_WORKER_SOURCE, { eval: true, workerData: { publicKey, offset, stride, rank, reportMs: 100 } })
    const found = await new Promise<{ type: string, lo: number, hi: number, count: number }>((resolve, reject) => {
      worker.on('message', (m: { type: string, lo: number, hi: number, count: number }) => { if (m.type !== 'count') resolve(m) })
      worker.on('error', reject)
    })
    await worker.terminate()

    let n = BigInt(offset)
    let tried = 1
    const nonceOf = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b }
    while (rankOf(publicKey, nonceOf(n)) < rank) { n += BigInt(stride); tried++ }
    expect(n).toBeGreaterThan(2n ** 32n) // the vector really crosses the carry
    expect(found.type).toBe('found')
    expect(BigInt(found.hi) * 2n ** 32n + BigInt(found.lo)).toBe(n)
    expect(found.count).toBe(tried)
  })
})
