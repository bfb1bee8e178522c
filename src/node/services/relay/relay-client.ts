import { createLink, type Link } from '../../link/link.js'
import type { LinkLimits } from '../../link/link-options.js'
import type { LinkLog, PeerAddress } from '../../link/types.js'
import { RelayError, RelayErrorCode } from './errors.js'
import { relayKey, RelayTransport, type RelayTransportOptions } from './relay-transport.js'

export interface RelayClientOptions {
  /** The node's own link: the sessions to relays, which carry the relay streams. */
  link: Link
  /** As the node's link: peers below this rank are refused on relayed sessions too. */
  minRank?: number
  log?: LinkLog
  /** How long a session through one relay may take to open before the next relay is tried (default 5 s). */
  dialMs?: number
  /** Relays tried per dial (default 3). */
  maxRelaysPerDial?: number
  /** Limits of the relayed link (tests shorten its handshake). */
  limits?: Partial<LinkLimits>
  transport?: RelayTransportOptions
}

export interface RelayClient {
  /** The link whose sessions run end to end through relays (register services on it to serve relayed peers). */
  readonly link: Link
  readonly transport: RelayTransport
  /**
   * The relays to keep a stream open to, so that peers can reach this node through them (a
   * reservation, as circuit relay v2 calls it): a node that is not public passes its introducers.
   */
  setRelays: (peers: readonly PeerAddress[]) => void
  /** Where a relayed session to `id` is open (an address on `link`), if one is. */
  sessionWith: (id: Buffer) => PeerAddress | undefined
  /**
   * Opens (or reuses) a session to `target` on `link`, through the first of `relays` (the
   * target's introducers, which it keeps relay streams to) that carries it; its address on `link`.
   * Rejects RELAY_NO_RELAY when none does.
   */
  dial: (target: { id: Buffer, publicKey?: Buffer }, relays: readonly PeerAddress[], opts?: { signal?: AbortSignal }) => Promise<PeerAddress>
  stop: () => Promise<void>
}

/**
 * The relay fallback (issue 18 item 5) from the relayed nodes' side: one RelayTransport holding a
 * stream to each relay in use, and one second Link on it whose sessions are end to end between
 * the two nodes (the node's own identity and rank checks; the relay sees only their ciphertext).
 *
 * Metering: the relayed link has no meter of its own. Its datagrams travel inside the "relay"
 * stream of the node's link, which the node's meter counts under "relay" at both ends, so each
 * byte is counted once.
 */
export function createRelayClient (o: RelayClientOptions): RelayClient {
  const dialMs = o.dialMs ?? 5000
  const maxRelays = o.maxRelaysPerDial ?? 3
  const transport = new RelayTransport(o.link, o.transport)
  const link = createLink({ identity: o.link.identity, transport, minRank: o.minRank, log: o.log, limits: o.limits })
  let kept = new Set<string>()
  let stopped = false

  const sessionWith = (id: Buffer): PeerAddress | undefined => {
    const peer = link.sessions().find(p => p.id.equals(id))
    if (peer === undefined || transport.routeOf(id) === undefined) return undefined
    return { endpoint: peer.endpoint, id: peer.id, publicKey: peer.publicKey }
  }

  return {
    link,
    transport,
    sessionWith,
    setRelays: (peers) => {
      if (stopped) return
      const next = new Set(peers.map(relayKey))
      for (const key of kept) if (!next.has(key)) transport.unkeep(key)
      for (const p of peers) {
        // A relay that cannot be reached now is retried by the transport's keepalive round.
        transport.attach(p, { keep: true }).catch(() => {})
      }
      kept = next
    },
    dial: async (target, relays, opts = {}) => {
      if (stopped) throw new RelayError(RelayErrorCode.STOPPED, 'the relay client was stopped')
      const open = sessionWith(target.id)
      if (open !== undefined) return open
      const tried: string[] = []
      for (const relay of relays.slice(0, maxRelays)) {
        if (opts.signal?.aborted === true) throw new RelayError(RelayErrorCode.ABORTED, 'aborted')
        let via: string
        try {
          via = await transport.attach(relay)
        } catch (err) {
          tried.push(`${relayKey(relay).slice(0, 12)}: no stream (${(err as Error).message})`)
          continue
        }
        const address: PeerAddress = { endpoint: transport.addPeer(target.id, via), id: target.id, publicKey: target.publicKey }
        if (await openWithin(link, address, dialMs, opts.signal)) return address
        tried.push(`${via.slice(0, 12)}: no session within ${dialMs} ms`)
      }
      if (opts.signal?.aborted === true) throw new RelayError(RelayErrorCode.ABORTED, 'aborted')
      throw new RelayError(RelayErrorCode.NO_RELAY, `no relay carried a session to the target (${tried.join('; ') || 'no relay named'})`)
    },
    stop: async () => {
      stopped = true
      await link.close()
      await transport.close()
    }
  }
}

/** link.connect bounded in time and by the signal; a handshake still running goes on (a later dial may reuse it). */
async function openWithin (link: Link, to: PeerAddress, ms: number, signal?: AbortSignal): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      link.connect(to).then(() => true, () => false),
      new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(false), ms)
        onAbort = () => resolve(false)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    ])
  } finally {
    clearTimeout(timer)
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}
