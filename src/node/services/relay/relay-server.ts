import type { Link } from '../../link/link.js'
import type { LinkStream } from '../../link/types.js'
import { encodeRelayFrame, RELAY_SERVICE, RelayFrameReader } from '../../wire/relay-frames.js'

export interface RelayServerOptions {
  link: Link
  now?: () => number
  /** Bytes relayed per ordered pair of nodes before its packets are dropped (default 64 MiB). */
  maxBytesPerPair?: number
  /** How long a pair may be relayed, from its first packet (default 10 min). */
  maxMsPerPair?: number
  /** Pairs tracked at once (default 256): the bound on the table; more are refused. */
  maxPairs?: number
  /** Nodes with a relay stream open at once (default 256). */
  maxClients?: number
  /** Sees each forwarded packet (tests check it is ciphertext; a log could count). */
  onForward?: (packet: Buffer) => void
}

export interface RelayStats { forwarded: number, bytes: number, droppedNoPeer: number, droppedLimit: number, malformed: number }

export interface RelayServer { readonly stats: RelayStats, clients: () => number }

/**
 * The relay's side (issue 18 item 5), in the manner of libp2p circuit relay v2 and Tailscale's
 * DERP: a node that cannot be reached opens a "relay" stream to a reachable node; packets one
 * client addresses to another client's id leave on that client's stream, tagged with the sender's
 * id (which the relay knows from the sender's authenticated session, so it cannot be forged). The
 * packets are link datagrams of the two nodes' own end-to-end session: the relay sees only
 * ciphertext. Limits per ordered pair — bytes and time — keep relaying a bounded favour; the
 * link meters the streams under the service's kind, "relay".
 */
export function registerRelayServer (o: RelayServerOptions): RelayServer {
  const now = o.now ?? Date.now
  const maxBytes = o.maxBytesPerPair ?? 64 * 1024 * 1024
  const maxMs = o.maxMsPerPair ?? 10 * 60_000
  const maxPairs = o.maxPairs ?? 256
  const maxClients = o.maxClients ?? 256
  const clients = new Map<string, LinkStream>()
  const pairs = new Map<string, { started: number, bytes: number }>()
  const stats: RelayStats = { forwarded: 0, bytes: 0, droppedNoPeer: 0, droppedLimit: 0, malformed: 0 }

  const allow = (key: string, bytes: number): boolean => {
    const t = now()
    let p = pairs.get(key)
    if (p === undefined) {
      // A pair whose time ran out stays refused for another maxMs before it is forgotten.
      for (const [k, v] of pairs) if (t - v.started > maxMs * 2) pairs.delete(k)
      if (pairs.size >= maxPairs) return false
      p = { started: t, bytes: 0 }
      pairs.set(key, p)
    }
    if (t - p.started > maxMs || p.bytes + bytes > maxBytes) return false
    p.bytes += bytes
    return true
  }

  o.link.registerService(RELAY_SERVICE, {
    onStream: (peer, stream) => {
      if (clients.size >= maxClients && !clients.has(peer.idHex)) { stream.destroy(); return }
      clients.get(peer.idHex)?.destroy()
      clients.set(peer.idHex, stream)
      const reader = new RelayFrameReader()
      const gone = (): void => { if (clients.get(peer.idHex) === stream) clients.delete(peer.idHex) }
      stream.on('close', gone)
      stream.on('error', gone)
      stream.on('data', (chunk: Buffer) => {
        let frames
        try { frames = reader.push(chunk) } catch { stats.malformed++; stream.destroy(); return }
        for (const f of frames) {
          if (f.id.equals(peer.id)) continue // the client's hello (relay-transport.ts)
          const to = clients.get(f.id.toString('hex'))
          if (to === undefined) { stats.droppedNoPeer++; continue }
          if (!allow(`${peer.idHex}>${f.id.toString('hex')}`, f.packet.length)) { stats.droppedLimit++; continue }
          stats.forwarded++
          stats.bytes += f.packet.length
          o.onForward?.(f.packet)
          to.write(encodeRelayFrame({ id: peer.id, packet: f.packet }))
        }
      })
    }
  })
  return { stats, clients: () => clients.size }
}
