import { NS, namespaced } from '../../../crypto/namespaces.js'
import { verify } from '../../../identity/identity.js'
import type { RelayCircuitContext, RelayRequestHandler } from '../tunnel-api.js'
import {
  HS_NOTIFY, HS_STATUS, decodeEstablishIntro, decodeIntroduce, encodeIntroduce, statusAnswer, tryDecode
} from './hs-messages.js'
import { TokenBucket } from '../../token-bucket.js'

/**
 * A relay's intro-point role. A service's circuit that ends here registers a
 * per-intro auth key (hs-establish-intro, signed by that key over this relay's
 * id and a timestamp, so it cannot be replayed to another intro point, and a
 * replay here is older than what is held); a client's hs-introduce naming
 * that key is passed to the service as an hs-introduce2 notify on its
 * circuit. The relay learns neither the service's key nor the client: only
 * the two circuits' predecessors. Bounded: at most `maxIntros` keys, each
 * with its own token bucket (the flood limit per intro point).
 */
export interface IntroPointOptions {
  /** This relay's node id (what establish signatures are bound to). */
  selfId: Buffer
  now?: () => number
  /** Most auth keys held; default 2 000. */
  maxIntros?: number
  /** Introductions passed on per second per auth key, and the burst; default 10 and 20. */
  ratePerSec?: number
  burst?: number
  /** How far an establish timestamp may be from this relay's clock; default 10 min. */
  clockSkewMs?: number
}

export interface IntroPoint {
  establish: RelayRequestHandler
  introduce: RelayRequestHandler
  /** Auth keys currently held. */
  size: () => number
  /** Introductions passed on and refused (unknown key, over the limit, malformed) since start. */
  stats: () => { passed: number, refused: number }
}

interface Held { ctx: RelayCircuitContext, timestamp: number, bucket: TokenBucket }

export function createIntroPoint (o: IntroPointOptions): IntroPoint {
  const now = o.now ?? Date.now
  const maxIntros = o.maxIntros ?? 2000
  const rate = o.ratePerSec ?? 10
  const burst = o.burst ?? 20
  const skew = o.clockSkewMs ?? 10 * 60_000
  const held = new Map<string, Held>()
  let passed = 0
  let refused = 0

  const establish: RelayRequestHandler = async (payload, ctx) => {
    const m = tryDecode(decodeEstablishIntro, payload)
    if (m === undefined) return statusAnswer(HS_STATUS.malformed)
    if (!verify(m.authKey, namespaced(NS.hsEstablishIntro, o.selfId, m.authKey, u64(m.timestamp)), m.signature)) {
      return statusAnswer(HS_STATUS.badSignature)
    }
    if (Math.abs(m.timestamp - now()) > skew) return statusAnswer(HS_STATUS.replay)
    const key = m.authKey.toString('hex')
    const prior = held.get(key)
    // A re-establish must be newer than what is held: a copy of an old one cannot take the key over.
    if (prior !== undefined && !prior.ctx.closed && prior.timestamp >= m.timestamp) return statusAnswer(HS_STATUS.replay)
    if (prior === undefined && held.size >= maxIntros) return statusAnswer(HS_STATUS.limit)
    // One circuit serves one auth key: a circuit re-used for a new key drops its old one.
    for (const [k, h] of held) if (h.ctx === ctx) held.delete(k)
    held.set(key, { ctx, timestamp: m.timestamp, bucket: prior?.bucket ?? new TokenBucket(rate, burst, now) })
    ctx.onClose(() => { if (held.get(key)?.ctx === ctx) held.delete(key) })
    return statusAnswer(HS_STATUS.ok)
  }

  const introduce: RelayRequestHandler = async (payload) => {
    const m = tryDecode(decodeIntroduce, payload)
    if (m === undefined) { refused++; return statusAnswer(HS_STATUS.malformed) }
    const h = held.get(m.authKey.toString('hex'))
    if (h === undefined || h.ctx.closed) { refused++; return statusAnswer(HS_STATUS.unknown) }
    if (!h.bucket.take()) { refused++; return statusAnswer(HS_STATUS.limit) }
    h.ctx.notify(HS_NOTIFY.introduce2, encodeIntroduce(m))
    passed++
    return statusAnswer(HS_STATUS.ok)
  }

  return { establish, introduce, size: () => held.size, stats: () => ({ passed, refused }) }
}

export function u64 (v: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(v))
  return b
}
