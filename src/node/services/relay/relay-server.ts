import type { Link } from '../../link/link.js'
import { hostOf } from '../../link/source-address.js'
import type { LinkStream } from '../../link/types.js'
import { encodeRelayFrame, RELAY_SERVICE, RelayFrameReader } from '../../wire/relay-frames.js'
import { RelayAllowance, type RelayLimits } from './relay-allowance.js'
import { streamBacklog } from './stream-backlog.js'

export interface RelayServerOptions extends Partial<RelayLimits> {
  link: Link
  now?: () => number
  /** Nodes with a relay stream open at once (default 256). */
  maxClients?: number
  /** Of those, nodes on one source host (IPv4 address, IPv6 /64; default 8: a home NAT hides a few). */
  maxClientsPerHost?: number
  /** Unacknowledged bytes on one client's stream past which packets for it are dropped (default 256 KiB). */
  maxQueuedBytes?: number
  /** Sees each forwarded packet (tests check it is ciphertext; a log could count). */
  onForward?: (packet: Buffer, from: Buffer, to: Buffer) => void
}

export interface RelayStats {
  forwarded: number
  bytes: number
  droppedNoPeer: number
  /** Dropped by the per-pair limits (bytes, time) or because no pair could be made (table, per source). */
  droppedLimit: number
  /** Dropped because the destination's stream was backed up (the relayed link retransmits). */
  droppedBusy: number
  /** Streams refused: too many clients, or too many from one host. */
  refused: number
  malformed: number
}

export interface RelayServer { readonly stats: RelayStats, clients: () => number, readonly allowance: RelayAllowance }

/**
 * The relay's side (issue 18 item 5), in the manner of libp2p circuit relay v2 and Tailscale's
 * DERP: a node that cannot be reached opens a "relay" stream to a reachable node; packets one
 * client addresses to another client's id leave on that client's stream, tagged with the sender's
 * id (which the relay knows from the sender's authenticated session, so it cannot be forged). The
 * packets are link datagrams of the two nodes' own end-to-end session: the relay sees only
 * ciphertext. Limits per ordered pair — bytes and time — and per source keep relaying a bounded
 * favour (relay-allowance.ts); the link meters the streams under the service's kind, "relay".
 *
 * Memory per source is bounded: one stream per node id, clients per host capped, a frame reader
 * holding at most one partial frame, and a packet for a backed-up stream dropped, not queued.
 */
export function registerRelayServer (o: RelayServerOptions): RelayServer {
  const maxClients = o.maxClients ?? 256
  const maxClientsPerHost = o.maxClientsPerHost ?? 8
  const maxQueued = o.maxQueuedBytes ?? 256 * 1024
  const allowance = new RelayAllowance(o, o.now)
  const clients = new Map<string, { stream: LinkStream, host: string }>()
  const stats: RelayStats = { forwarded: 0, bytes: 0, droppedNoPeer: 0, droppedLimit: 0, droppedBusy: 0, refused: 0, malformed: 0 }

  const atHost = (host: string): number => {
    let n = 0
    for (const c of clients.values()) if (c.host === host) n++
    return n
  }

  o.link.registerService(RELAY_SERVICE, {
    onStream: (peer, stream) => {
      const host = hostOf(peer.endpoint.address)
      const replacing = clients.get(peer.idHex)
      if (replacing === undefined && (clients.size >= maxClients || atHost(host) >= maxClientsPerHost)) {
        stats.refused++
        stream.destroy()
        return
      }
      // A client's new stream (it reopened after a loss) takes the place of its old one.
      replacing?.stream.destroy()
      clients.set(peer.idHex, { stream, host })
      const reader = new RelayFrameReader()
      const gone = (): void => { if (clients.get(peer.idHex)?.stream === stream) clients.delete(peer.idHex) }
      stream.on('close', gone)
      stream.on('error', gone)
      stream.on('data', (chunk: Buffer) => {
        let frames
        try { frames = reader.push(chunk) } catch { stats.malformed++; stream.destroy(); return }
        for (const f of frames) {
          if (f.id.equals(peer.id)) continue // the client's hello or keepalive (relay-transport.ts)
          const toHex = f.id.toString('hex')
          const to = clients.get(toHex)
          if (to === undefined) { stats.droppedNoPeer++; continue }
          if (streamBacklog(to.stream) > maxQueued) { stats.droppedBusy++; continue }
          if (allowance.allow(peer.idHex, toHex, f.packet.length) !== 'ok') { stats.droppedLimit++; continue }
          stats.forwarded++
          stats.bytes += f.packet.length
          o.onForward?.(f.packet, peer.id, f.id)
          to.stream.write(encodeRelayFrame({ id: peer.id, packet: f.packet }))
        }
      })
    }
  })
  return { stats, clients: () => clients.size, allowance }
}
