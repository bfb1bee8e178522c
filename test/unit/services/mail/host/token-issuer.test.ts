import { describe, expect, it } from 'vitest'
import { TOKEN_BYTES, TokenIssuer } from '../../../../../src/node/services/mail/host/token-issuer.js'
import { StampMemory } from '../../../../../src/node/services/mail/host/stamp-memory.js'

const box = Buffer.alloc(32, 7)
const other = Buffer.alloc(32, 8)

describe('token issuer', () => {
  it('a token is good for its window and the next, then stale', () => {
    let now = 1_000_000
    const t = new TokenIssuer({ windowMs: 1000, now: () => now })
    const token = t.issue(box)
    expect(token.length).toBe(TOKEN_BYTES)
    expect(t.check(box, token)).toEqual({ ok: true, window: 1000 })
    now += 1000
    expect(t.check(box, token).ok).toBe(true)
    now += 1000
    expect(t.check(box, token)).toEqual({ ok: false, code: 'MAIL_TOKEN_STALE' })
  })

  it('another mailbox, another host, or a forged token is foreign', () => {
    const t = new TokenIssuer()
    const token = t.issue(box)
    expect(t.check(other, token)).toEqual({ ok: false, code: 'MAIL_TOKEN_FOREIGN' })
    expect(new TokenIssuer().check(box, token)).toEqual({ ok: false, code: 'MAIL_TOKEN_FOREIGN' })
    const forged = Buffer.from(token); forged[10] ^= 1
    expect(t.check(box, forged).ok).toBe(false)
    expect(t.check(box, token.subarray(1)).ok).toBe(false)
  })
})

describe('stamp memory', () => {
  it('remembers stamps while their tokens are fresh, refuses when full', () => {
    const m = new StampMemory(2)
    const a = Buffer.alloc(32, 1); const b = Buffer.alloc(32, 2); const c = Buffer.alloc(32, 3)
    expect(m.add(a, 10)).toBe(true)
    expect(m.has(a)).toBe(true)
    expect(m.add(b, 11)).toBe(true)
    expect(m.add(c, 11)).toBe(false)
    m.forgetBefore(12)
    expect(m.has(a)).toBe(false)
    expect(m.has(b)).toBe(true)
    expect(m.add(c, 12)).toBe(true)
  })
})
