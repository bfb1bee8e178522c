import type { Identity } from '../../identity/identity.js'
import type { Contact } from '../../routing/contact.js'
import type { Endpoint } from '../../types.js'
import type { Channel } from './channel.js'
import type { OriginNotifyHandler, RelayRequestHandler, RelayStreamHandler } from './tunnel-api.js'

/**
 * What circuits (origin and relayed) need from the service that owns them:
 * channels to neighbours, the registered handlers, and the counters. Kept
 * narrow so circuits and relays can be tested on channels of their own.
 */
export interface TunnelHost {
  readonly identity: Identity
  /** An open channel this node opened to `to` (reused when one exists). */
  channelTo: (to: Contact, signal?: AbortSignal) => Promise<Channel>
  streamHandler: (service: string) => RelayStreamHandler | undefined
  requestHandler: (name: string) => RelayRequestHandler | undefined
  notifyHandlers: () => OriginNotifyHandler[]
  /** May a relay extend to this endpoint (private addresses only when the config allows them)? */
  endpointAllowed: (e: Endpoint) => boolean
  /** How long one hop may take to answer CREATE. */
  readonly extendTimeoutMs: number
  drop: (reason: string) => void
  /** A relay carried one cell for `prevHex` (toward the circuit's builder), handing it to or taking it from `nextHex` (absent at the last hop). */
  forwarded: (prevHex: string, nextHex?: string) => void
  /** An origin circuit's cell that its entry hop `entryHex` carried (to or from a hop past it): the builder's side of the entry's `forwarded`. */
  carried?: (entryHex: string) => void
}
