import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { MailErrorCode } from '../errors.js'

/**
 * A host's push tokens, stateless: token = window u32 LE ‖ HMAC-SHA256(host
 * secret, mailbox id ‖ window)[0..16], window = floor(now / windowMs). A
 * token is good in its window and the next, so it lives one to two windows
 * (10–20 minutes by default): long enough to mine a stamp, short enough that
 * the host remembers every stamp taken with it (see stamp-memory.ts). The
 * secret never leaves the process: a restart simply makes older tokens
 * foreign, and a sender asks again.
 */
export const TOKEN_BYTES = 20
const MAC_BYTES = 16
export const DEFAULT_TOKEN_WINDOW_MS = 10 * 60_000

export type TokenCheck =
  | { ok: true, window: number }
  | { ok: false, code: typeof MailErrorCode.TOKEN_FOREIGN | typeof MailErrorCode.TOKEN_STALE }

export class TokenIssuer {
  readonly windowMs: number
  private readonly secret: Buffer
  private readonly now: () => number

  constructor (opts: { windowMs?: number, now?: () => number, secret?: Buffer } = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_TOKEN_WINDOW_MS
    if (!Number.isInteger(this.windowMs) || this.windowMs < 1) throw new RangeError('windowMs must be a positive integer')
    this.now = opts.now ?? Date.now
    this.secret = opts.secret ?? randomBytes(32)
  }

  /** The window a time falls in; tokens of it and of the previous one are fresh. */
  windowAt (t = this.now()): number { return Math.floor(t / this.windowMs) }

  issue (mailboxId: Buffer): Buffer {
    const window = this.windowAt()
    const token = Buffer.alloc(TOKEN_BYTES)
    token.writeUInt32LE(window >>> 0, 0)
    this.mac(mailboxId, window).copy(token, 4)
    return token
  }

  /** Foreign: not this host's for this mailbox; stale: this host's but past its life (or ahead of it). */
  check (mailboxId: Buffer, token: Uint8Array): TokenCheck {
    if (token.length !== TOKEN_BYTES) return { ok: false, code: MailErrorCode.TOKEN_FOREIGN }
    const window = Buffer.from(token.buffer, token.byteOffset, token.length).readUInt32LE(0)
    if (!timingSafeEqual(this.mac(mailboxId, window), token.subarray(4))) return { ok: false, code: MailErrorCode.TOKEN_FOREIGN }
    const current = this.windowAt() >>> 0
    if (window !== current && window !== ((current - 1) >>> 0)) return { ok: false, code: MailErrorCode.TOKEN_STALE }
    return { ok: true, window }
  }

  private mac (mailboxId: Buffer, window: number): Buffer {
    const w = Buffer.alloc(4)
    w.writeUInt32LE(window >>> 0)
    return createHmac('sha256', this.secret).update(mailboxId).update(w).digest().subarray(0, MAC_BYTES)
  }
}
