import type { Endpoint } from '../types.js'

/**
 * What the link layer needs from a datagram network: real UDP (udp.ts) and
 * the virtual network (virtual.ts) both provide it, and both pass the same
 * compliance tests.
 */
export interface Transport {
  /** The bound local endpoint. */
  readonly local: Endpoint
  /**
   * Fire and forget; a datagram that cannot be sent is dropped and counted. An
   * array is one datagram given in pieces (scatter/gather: the concatenation is
   * sent, without joining them first). The buffers must not change afterwards.
   */
  send (data: Uint8Array | readonly Uint8Array[], to: Endpoint): void
  /** One handler; a datagram handler must never throw. */
  onDatagram (handler: (data: Buffer, from: Endpoint) => void): void
  close (): Promise<void>
}
