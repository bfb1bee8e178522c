import type { Link } from '../../link/link.js'
import type { LinkStream, PeerAddress } from '../../link/types.js'
import type { Transport } from '../../transport/transport.js'
import { type Endpoint, endpointKey } from '../../types.js'
import { encodeRelayFrame, MAX_RELAYED_PACKET, RELAY_SERVICE, RelayFrameReader } from '../../wire/relay-frames.js'

/** The port every relayed endpoint has (the address names the node). */
export const RELAYED_PORT = 1

/**
 * The endpoint under which a node reached through a relay appears to a link running on a
 * RelayTransport: an address in fd00::/8 (unique local, never routed) made from its id, so the
 * link's tables keep one session per node as they do per UDP endpoint.
 */
export function relayedEndpoint (id: Buffer): Endpoint {
  const h = Buffer.concat([Buffer.from([0xfd]), id.subarray(0, 15)])
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(h.readUInt16BE(i).toString(16))
  return { address: groups.join(':'), port: RELAYED_PORT }
}

/**
 * A datagram transport whose packets travel through a relay (relay-server.ts) on a stream of
 * this node's session to it. A second Link on this transport runs the ordinary handshake end to
 * end with the far node, so the relay carries only that session's ciphertext. `peers` are the
 * nodes this transport may send to (their endpoints are relayedEndpoint(id)).
 */
export class RelayTransport implements Transport {
  readonly local: Endpoint
  readonly stats = { sent: 0, received: 0, unknownPeer: 0, tooLarge: 0 }
  private handler?: (data: Buffer, from: Endpoint) => void
  private readonly ids = new Map<string, Buffer>()
  private closed = false

  private constructor (private readonly stream: LinkStream, self: Buffer) {
    this.local = relayedEndpoint(self)
    const reader = new RelayFrameReader()
    stream.on('data', (chunk: Buffer) => {
      let frames
      try { frames = reader.push(chunk) } catch { stream.destroy(); return }
      for (const f of frames) {
        this.stats.received++
        const from = relayedEndpoint(f.id)
        this.ids.set(endpointKey(from), f.id)
        try { this.handler?.(f.packet, from) } catch { /* a handler must not throw */ }
      }
    })
    stream.on('error', () => { this.closed = true })
    stream.on('close', () => { this.closed = true })
  }

  /** Opens the relay stream on `link`'s session to `relay`. */
  static async open (link: Link, relay: PeerAddress): Promise<RelayTransport> {
    const stream = await link.openStream(relay, RELAY_SERVICE)
    // A stream reaches the relay with its first bytes: a one-byte frame to ourselves says hello
    // (the relay takes it as registration and forwards nothing).
    stream.write(encodeRelayFrame({ id: link.identity.id, packet: Buffer.from([0]) }))
    return new RelayTransport(stream, link.identity.id)
  }

  /** Makes `id` addressable; returns its relayed endpoint. */
  addPeer (id: Buffer): Endpoint {
    const e = relayedEndpoint(id)
    this.ids.set(endpointKey(e), Buffer.from(id))
    return e
  }

  send (data: Uint8Array | readonly Uint8Array[], to: Endpoint): void {
    if (this.closed) return
    const id = this.ids.get(endpointKey(to))
    if (id === undefined) { this.stats.unknownPeer++; return }
    const packet = data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.length) : Buffer.concat(data)
    if (packet.length === 0 || packet.length > MAX_RELAYED_PACKET) { this.stats.tooLarge++; return }
    this.stats.sent++
    this.stream.write(encodeRelayFrame({ id, packet }))
  }

  onDatagram (handler: (data: Buffer, from: Endpoint) => void): void { this.handler = handler }

  async close (): Promise<void> {
    this.closed = true
    this.stream.end()
  }
}
