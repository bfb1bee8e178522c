import type { RelayCircuitContext, RelayRequestHandler } from '../tunnel-api.js'
import {
  HS_NOTIFY, HS_STATUS, decodeCookie, decodeRendezvous1, encodeReply, statusAnswer, tryDecode
} from './hs-messages.js'

/**
 * A relay's rendezvous role. A client's circuit that ends here waits under a
 * random 20-byte cookie (hs-establish-rendezvous); the service's circuit that
 * brings the same cookie (hs-rendezvous1) is joined to it, and the client is
 * told (hs-rendezvous2) with the service's handshake answer. The relay sees
 * two circuits from two predecessors and one cookie: not who is talking to
 * whom. A cookie is used once; waiting cookies are bounded and expire.
 */
export interface RendezvousPointOptions {
  now?: () => number
  /** Most cookies waiting; default 2 000. */
  maxWaiting?: number
  /** How long a cookie waits for the service; default 2 min. */
  waitMs?: number
}

export interface RendezvousPoint {
  establish: RelayRequestHandler
  rendezvous1: RelayRequestHandler
  /** Cookies waiting. */
  size: () => number
  /** Circuits joined so far. */
  joined: () => number
}

interface Waiting { ctx: RelayCircuitContext, expires: number }

export function createRendezvousPoint (o: RendezvousPointOptions = {}): RendezvousPoint {
  const now = o.now ?? Date.now
  const maxWaiting = o.maxWaiting ?? 2000
  const waitMs = o.waitMs ?? 120_000
  const waiting = new Map<string, Waiting>()
  let joins = 0

  function sweep (): void {
    const t = now()
    for (const [k, w] of waiting) if (w.expires <= t || w.ctx.closed) waiting.delete(k)
  }

  const establish: RelayRequestHandler = async (payload, ctx) => {
    const cookie = tryDecode(decodeCookie, payload)
    if (cookie === undefined) return statusAnswer(HS_STATUS.malformed)
    const key = cookie.toString('hex')
    if (waiting.has(key)) return statusAnswer(HS_STATUS.replay)
    if (waiting.size >= maxWaiting) sweep()
    if (waiting.size >= maxWaiting) return statusAnswer(HS_STATUS.limit)
    waiting.set(key, { ctx, expires: now() + waitMs })
    ctx.onClose(() => { if (waiting.get(key)?.ctx === ctx) waiting.delete(key) })
    return statusAnswer(HS_STATUS.ok)
  }

  const rendezvous1: RelayRequestHandler = async (payload, ctx) => {
    const m = tryDecode(decodeRendezvous1, payload)
    if (m === undefined) return statusAnswer(HS_STATUS.malformed)
    const key = m.cookie.toString('hex')
    const w = waiting.get(key)
    if (w === undefined || w.ctx.closed || w.expires <= now() || w.ctx === ctx) return statusAnswer(HS_STATUS.unknown)
    waiting.delete(key)
    // The client hears first, then the circuits are joined: the service's cells that follow
    // hs-rendezvous1 (its answer to the early data, sealed for the virtual hop it keyed before
    // sending) must reach the client after the notify that tells it to add that hop.
    w.ctx.notify(HS_NOTIFY.rendezvous2, encodeReply(m.reply))
    ctx.join(w.ctx)
    joins++
    return statusAnswer(HS_STATUS.ok)
  }

  return { establish, rendezvous1, size: () => waiting.size, joined: () => joins }
}
