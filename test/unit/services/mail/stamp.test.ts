import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../../src/node/crypto/hash.js'
import { mineStamp, stampBits, stampHash } from '../../../../src/node/services/mail/stamp.js'

const subject = { digest: sha256(Buffer.from('item')), mailboxId: Buffer.alloc(32, 1), tokens: [Buffer.alloc(20, 2), Buffer.alloc(20, 3)] }

describe('stamp', () => {
  it('mines a nonce meeting the difficulty, bound to digest, mailbox and tokens', async () => {
    const progress: number[] = []
    const nonce = await mineStamp(subject, 16, { onProgress: p => progress.push(p.hashes), progressIntervalMs: 0 })
    expect(stampBits(stampHash(subject, nonce))).toBeGreaterThanOrEqual(16)
    expect(progress.length).toBeGreaterThan(0)
    // Moved to anything else, the work is (almost surely) gone.
    const moved = [
      { ...subject, digest: sha256(Buffer.from('other')) },
      { ...subject, mailboxId: Buffer.alloc(32, 9) },
      { ...subject, tokens: [Buffer.alloc(20, 2)] }
    ]
    for (const m of moved) expect(stampHash(m, nonce).equals(stampHash(subject, nonce))).toBe(false)
  })

  it('aborts with MAIL_ABORTED', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(mineStamp(subject, 40, { signal: ac.signal })).rejects.toMatchObject({ code: 'MAIL_ABORTED' })
  })

  it('refuses a bad subject', async () => {
    await expect(mineStamp({ ...subject, tokens: [] }, 1)).rejects.toThrow(RangeError)
  })
})
