import { nodeIdOf } from '../../identity/identity.js'
import type { Link } from '../../link/link.js'
import { hostOf } from '../../link/source-address.js'
import type { PeerAddress, PeerInfo } from '../../link/types.js'
import type { Endpoint } from '../../types.js'
import { tryDecode } from '../../wire/codec.js'
import { decodePunchMessage, encodePunchMessage, type Introducer, MAX_INTRODUCERS, PUNCH_SERVICE, PunchResult, type PunchResultCode } from '../../wire/punch-messages.js'
import { PunchError, PunchErrorCode } from './errors.js'
import { RateTable } from '../rate-table.js'

export interface PunchServiceOptions {
  link: Link
  now?: () => number
  /** Introductions answered per requesting host per this long (default 1 s). */
  requestIntervalMs?: number
  /** Notifies acted on per introducer per this long (default 250 ms): each makes this node send handshakes to a named endpoint. */
  notifyIntervalMs?: number
  /** Requesting hosts / introducers remembered for the rate limits (default 1024): the bound on those tables. */
  maxTracked?: number
  /** How often the sessions to this node's introducers are refreshed (default 20 s; 0 = no timer). */
  keepMs?: number
  /** Rounds of (ask introducer, simultaneous open) before giving up (default 3). */
  rounds?: number
  /** How long each round's handshake on the punched path may take (default 2 s). */
  roundMs?: number
}

export interface PunchService {
  /**
   * Opens a session to a node that cannot be reached unasked, through one of its introducers:
   * the introducer tells it where this node's packets come from, both send handshakes at once,
   * and the first handshake through opens the session. Rejects PUNCH_NO_INTRODUCER / PUNCH_FAILED
   * (then a relay is needed).
   */
  connect: (target: { id: Buffer, publicKey?: Buffer }, introducers: readonly PeerAddress[], opts?: { signal?: AbortSignal }) => Promise<PeerInfo>
  /** The reachable peers this (NATted) node keeps sessions to and accepts introductions from. */
  setIntroducers: (peers: readonly PeerAddress[]) => void
  /** This node's introducers with an open session, as published with its contact (≤ MAX_INTRODUCERS). */
  introducers: () => Introducer[]
  stop: () => void
}

/**
 * Hole punching (issue 18 item 4), in the manner of DCUtR and Hyperswarm: the introducer already
 * holds a session with both sides, so it knows the endpoint each one's NAT maps it to. It first
 * tells the target (which starts handshaking towards the requester, opening its own NAT for that
 * endpoint), then answers the requester with the target's endpoint (whose handshake then finds
 * the target's NAT open). Behind endpoint-independent mapping both endpoints are the ones every
 * peer sees; behind a symmetric NAT they are not, the handshakes never meet, and the caller falls
 * back to a relay. The handshakes are the punching packets: the link retransmits them at short,
 * doubling intervals, and a round asks the introducer again.
 *
 * Abuse: an introducer answers only on validated sessions, forwards only to nodes it holds an open session with, at most one
 * introduction per requesting host per interval; a node acts on notifies only from its own
 * introducers, one per interval each, so nobody else can make it send handshakes anywhere.
 */
export function createPunchService (o: PunchServiceOptions): PunchService {
  const now = o.now ?? Date.now
  const requestIntervalMs = o.requestIntervalMs ?? 1000
  const notifyIntervalMs = o.notifyIntervalMs ?? 250
  const maxTracked = o.maxTracked ?? 1024
  const rounds = o.rounds ?? 3
  const roundMs = o.roundMs ?? 2000
  const link = o.link
  const lastRequest = new RateTable(maxTracked)
  const lastNotify = new RateTable(maxTracked)
  let mine: PeerAddress[] = []

  const openSessionWith = (id: Buffer): PeerInfo | undefined => link.sessions().find(p => p.id.equals(id))

  link.registerService(PUNCH_SERVICE, {
    onRequest: async (peer, payload) => {
      const m = tryDecode(decodePunchMessage, payload)
      if (m === undefined) throw new PunchError(PunchErrorCode.MALFORMED, 'not a punch message')
      if (m.type === 'keep') return answer(PunchResult.OK)
      if (m.type === 'request') {
        // Only on a validated session (listed once the requester's address is proven): a request
        // riding 0-RTT from a spoofed source would otherwise aim the target's handshakes at a victim.
        if (openSessionWith(peer.id) === undefined) return answer(PunchResult.REFUSED)
        if (!lastRequest.allow(hostOf(peer.endpoint.address), now(), requestIntervalMs)) return answer(PunchResult.TOO_SOON)
        const target = openSessionWith(m.target)
        if (target === undefined || target.id.equals(peer.id)) return answer(PunchResult.NOT_CONNECTED)
        let told: PunchResultCode = PunchResult.NOT_CONNECTED
        try {
          const reply = tryDecode(decodePunchMessage, await link.request({ endpoint: target.endpoint, id: target.id }, PUNCH_SERVICE,
            encodePunchMessage({ type: 'notify', peer: peer.id, endpoint: peer.endpoint }), { timeoutMs: 2000 }))
          told = reply?.type === 'answer' ? reply.result : PunchResult.REFUSED
        } catch {
          // The target's session died under us: as if it were not connected.
        }
        return told === PunchResult.OK ? encodePunchMessage({ type: 'answer', result: PunchResult.OK, endpoint: target.endpoint }) : answer(told)
      }
      if (m.type === 'notify') {
        if (!mine.some(i => i.id?.equals(peer.id) === true)) return answer(PunchResult.REFUSED)
        if (!lastNotify.allow(peer.idHex, now(), notifyIntervalMs)) return answer(PunchResult.TOO_SOON)
        // Our half of the simultaneous open: its first packets open our NAT towards the requester.
        link.connect({ endpoint: m.endpoint, id: m.peer }).catch(() => { /* the requester's handshake may be the one that wins */ })
        return answer(PunchResult.OK)
      }
      throw new PunchError(PunchErrorCode.MALFORMED, 'a punch answer is not a request')
    }
  })

  const keep = async (): Promise<void> => {
    await Promise.all(mine.map(async (p) => {
      try { await link.request(p, PUNCH_SERVICE, encodePunchMessage({ type: 'keep' }), { timeoutMs: 3000 }) } catch { /* retried on the next round */ }
    }))
  }
  const timer = (o.keepMs ?? 20_000) > 0 ? setInterval(() => { void keep() }, o.keepMs ?? 20_000) : undefined
  timer?.unref()

  return {
    setIntroducers: (peers) => {
      // Notifies are matched by node id, so an introducer must be named by id or key.
      mine = peers.flatMap(p => {
        const id = p.id ?? (p.publicKey === undefined ? undefined : nodeIdOf(p.publicKey))
        return id === undefined ? [] : [{ ...p, id }]
      }).slice(0, MAX_INTRODUCERS)
      void keep()
    },
    introducers: () => mine.flatMap(p => {
      const s = openSessionWith(p.id as Buffer)
      return s === undefined ? [] : [{ id: s.id, endpoint: s.endpoint }]
    }),
    stop: () => { if (timer !== undefined) clearInterval(timer) },
    connect: async (target, introducers, opts = {}) => {
      const existing = openSessionWith(target.id)
      if (existing !== undefined) return existing
      let told = false
      for (let round = 0; round < rounds; round++) {
        for (const intro of introducers) {
          if (opts.signal?.aborted === true) throw new PunchError(PunchErrorCode.FAILED, 'aborted')
          const endpoint = await askIntroducer(link, intro, target.id, opts.signal)
          if (endpoint === undefined) continue
          told = true
          const peer = await openWithin(link, { endpoint, id: target.id, publicKey: target.publicKey }, roundMs)
          if (peer !== undefined) return peer
          // The target's handshake may have come through instead of ours.
          const other = openSessionWith(target.id)
          if (other !== undefined) return other
        }
      }
      throw told
        ? new PunchError(PunchErrorCode.FAILED, `no session on the punched path after ${rounds} rounds (a NAT that maps each peer to another port?): use a relay`)
        : new PunchError(PunchErrorCode.NO_INTRODUCER, `none of ${introducers.length} introducer(s) could introduce this node to the target: use a relay`)
    }
  }
}

function answer (result: PunchResultCode): Buffer { return encodePunchMessage({ type: 'answer', result }) }

async function askIntroducer (link: Link, intro: PeerAddress, target: Buffer, signal?: AbortSignal): Promise<Endpoint | undefined> {
  try {
    // Open first, so the request travels on a session the introducer has validated (it refuses 0-RTT ones).
    await link.connect(intro)
    const m = tryDecode(decodePunchMessage, await link.request(intro, PUNCH_SERVICE, encodePunchMessage({ type: 'request', target }), { timeoutMs: 3000, signal }))
    return m?.type === 'answer' && m.result === PunchResult.OK ? m.endpoint : undefined
  } catch {
    return undefined
  }
}

/** link.connect bounded in time; a handshake still running afterwards goes on and may yet open. */
async function openWithin (link: Link, to: PeerAddress, ms: number): Promise<PeerInfo | undefined> {
  const ac = new AbortController()
  try {
    return await Promise.race([
      link.connect(to).catch(() => undefined),
      sleep(ms, ac.signal)
    ])
  } finally {
    ac.abort()
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<undefined> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
  })
  return undefined
}
