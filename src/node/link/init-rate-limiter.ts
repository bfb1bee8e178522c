import { isIPv4, isIPv6 } from 'node:net'
import type { Endpoint } from '../types.js'

/**
 * Counts handshake inits per one-second window: per source address, per
 * source network (/24 for IPv4, /48 for IPv6, since one host usually holds a
 * whole such block) and for everyone together. An init over any of these
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
    const a = bump(this.unproven, `a ${from.address}`, this.limits.maxTracked)
    const n = bump(this.unproven, `n ${networkOf(from.address)}`, this.limits.maxTracked)
    return this.total > this.limits.global || a > this.limits.perAddress || n > this.limits.perNetwork
  }

  /** Counts an init whose cookie proved its address; true when that address is over its hard limit. */
  noteProven (from: Endpoint, now: number): boolean {
    this.roll(now)
    return bump(this.proven, from.address, this.limits.maxTracked) > this.limits.provenPerAddress
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

/** The /24 of an IPv4 address (also IPv4-mapped IPv6), the /48 of an IPv6 address, else the address itself. */
export function networkOf (address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  const v4 = mapped?.[1] ?? address
  if (isIPv4(v4)) return v4.slice(0, v4.lastIndexOf('.')) + '.0/24'
  const bare = address.split('%')[0]
  if (!isIPv6(bare)) return address
  return expandIPv6(bare).slice(0, 3).join(':') + '::/48'
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expandIPv6 (a: string): string[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  // A trailing dotted quad stands for two groups.
  const last = right.length > 0 ? right : left
  if (last.length > 0 && last[last.length - 1].includes('.')) {
    const q = (last.pop() as string).split('.').map(Number)
    last.push(((q[0] << 8) | q[1]).toString(16), ((q[2] << 8) | q[3]).toString(16))
  }
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  return [...left, ...fill, ...right].map(g => parseInt(g, 16).toString(16))
}
