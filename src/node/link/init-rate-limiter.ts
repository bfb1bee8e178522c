import type { Endpoint } from '../types.js'
import { hostOf, networkOf } from './source-address.js'

/**
 * Counts handshake inits per one-second window: per source host (an IPv4
 * address, an IPv6 /64), per source network (/24 for IPv4, /48 for IPv6, since
 * one site usually holds a whole such block) and for everyone together. An init over any of these
 * rates must carry a cookie (proof it came from its source address), so a
 * spoofed flood costs the responder one HMAC per packet and nothing else,
 * while a real host elsewhere pays at most one extra round trip. Inits that
 * did prove their address are counted separately, per address only (a spoofer
 * cannot spend a neighbour's proven budget), with a hard limit past which they
 * are dropped. The maps are cleared every window and hold at most `maxTracked`
 * sources; a source beyond that is treated as over its rate.
 */
export interface InitRateLimits {
  /** Inits per second per source address before cookies are demanded from it. */
  perAddress: number
  /** Inits per second per /24 (IPv4) or /48 (IPv6) before cookies are demanded from it. */
  perNetwork: number
  /** Inits per second from everyone before cookies are demanded from all. */
  global: number
  /** Cookie-proven inits per second per address; more are dropped. */
  provenPerAddress: number
  /** Distinct sources tracked per window. */
  maxTracked: number
}

export class InitRateLimiter {
  private window = Number.NaN
  private total = 0
  private readonly unproven = new Map<string, number>()
  private readonly proven = new Map<string, number>()

  constructor (private readonly limits: InitRateLimits) {}

  /** Counts an init; true when it, its network or everyone is over the rate (a cookie is then required). */
  note (from: Endpoint, now: number): boolean {
    this.roll(now)
    this.total++
    const a = bump(this.unproven, `a ${hostOf(from.address)}`, this.limits.maxTracked)
    const n = bump(this.unproven, `n ${networkOf(from.address)}`, this.limits.maxTracked)
    return this.total > this.limits.global || a > this.limits.perAddress || n > this.limits.perNetwork
  }

  /** Counts an init whose cookie proved its address; true when that address is over its hard limit. */
  noteProven (from: Endpoint, now: number): boolean {
    this.roll(now)
    return bump(this.proven, hostOf(from.address), this.limits.maxTracked) > this.limits.provenPerAddress
  }

  /** Sources tracked in the current window (for tests and the bound). */
  get tracked (): number { return this.unproven.size + this.proven.size }

  private roll (now: number): void {
    const w = Math.floor(now / 1000)
    if (w === this.window) return
    this.window = w
    this.total = 0
    this.unproven.clear()
    this.proven.clear()
  }
}

/** Increments a key's count; a new key past the bound counts as infinitely busy. */
function bump (m: Map<string, number>, key: string, max: number): number {
  const n = m.get(key)
  if (n === undefined && m.size >= max) return Infinity
  const next = (n ?? 0) + 1
  m.set(key, next)
  return next
}
