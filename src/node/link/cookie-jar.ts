import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Endpoint } from '../types.js'
import { endpointKey } from '../types.js'
import { COOKIE_BYTES } from '../wire/link-packets.js'

/**
 * Stateless handshake cookies: HMAC-SHA256(secret, source endpoint ‖
 * initiator ephemeral ‖ time bucket), truncated to 16 bytes. The secret is
 * replaced every `rotateMs`; a cookie made with the current or the previous
 * secret is accepted, so a cookie lives between one and two periods. Holding
 * no per-initiator state, a responder under a flood of spoofed inits spends
 * one HMAC per packet and answers each with 22 bytes.
 */
export class CookieJar {
  private secret = randomBytes(32)
  private previous = randomBytes(32)
  private bucket: number

  constructor (private readonly now: () => number, private readonly rotateMs = 120_000) {
    this.bucket = Math.floor(now() / rotateMs)
  }

  make (from: Endpoint, ephemeral: Uint8Array): Buffer {
    this.maybeRotate()
    return mac(this.secret, this.bucket, from, ephemeral)
  }

  check (cookie: Uint8Array, from: Endpoint, ephemeral: Uint8Array): boolean {
    if (cookie.length !== COOKIE_BYTES) return false
    this.maybeRotate()
    return timingSafeEqual(cookie, mac(this.secret, this.bucket, from, ephemeral)) ||
      timingSafeEqual(cookie, mac(this.previous, this.bucket - 1, from, ephemeral))
  }

  private maybeRotate (): void {
    const b = Math.floor(this.now() / this.rotateMs)
    if (b === this.bucket) return
    this.previous = b === this.bucket + 1 ? this.secret : randomBytes(32)
    this.secret = randomBytes(32)
    this.bucket = b
  }
}

function mac (secret: Buffer, bucket: number, from: Endpoint, ephemeral: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(endpointKey(from)).update(ephemeral).update(String(bucket)).digest().subarray(0, COOKIE_BYTES)
}
