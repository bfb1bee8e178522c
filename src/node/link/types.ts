import type { Duplex } from 'node:stream'
import type { Endpoint } from '../types.js'

/** A peer as the link layer knows it once a handshake has authenticated it. */
export interface PeerInfo {
  id: Buffer
  /** Hex of `id`, the key for maps and the accounting hook. */
  idHex: string
  publicKey: Buffer
  /** The rank proof nonce (8 bytes). */
  nonce: Buffer
  rank: number
  endpoint: Endpoint
  /** Smoothed round-trip time, once measured. */
  rttMs: number | undefined
}

/**
 * Where to reach a peer. With a known `publicKey` (from a contact record) the
 * first packet is already encrypted to it and may carry the request (IK,
 * 0-RTT); with only an endpoint the link runs the 1.5-RTT XX handshake. `id`,
 * when given, must equal SHA-256 of the key the endpoint proves.
 */
export interface PeerAddress {
  endpoint: Endpoint
  publicKey?: Buffer
  id?: Buffer
}

export interface RequestOptions {
  /** Overall deadline including the handshake; default 5 s. */
  timeoutMs?: number
  /** Retransmissions of the request (same id) within the deadline; default 2. */
  retries?: number
  signal?: AbortSignal
}

/** What a stream carried over a link is: a Duplex that is fed frames (ReliableStream). */
export interface LinkStream extends Duplex {
  receiveFrame (frame: Buffer): void
}

export interface LinkStreamInit {
  send: (frame: Buffer) => void
  /** Sends a frame given as head ‖ payload without joining them (scatter/gather; saves a copy per packet). */
  sendData?: (head: Buffer, payload: Buffer) => void
  mtu: number
  initiator: boolean
  onClose?: (err?: Error) => void
}

/** Builds the stream endpoint of a channel; defaults to the ReliableStream. */
export type StreamFactory = (init: LinkStreamInit) => LinkStream

export interface ServiceHandlers {
  /** Answers a request; a thrown TornetError reaches the caller with its code. */
  onRequest?: (peer: PeerInfo, payload: Buffer, signal: AbortSignal) => Promise<Uint8Array> | Uint8Array
  onStream?: (peer: PeerInfo, stream: LinkStream) => void
  onDatagram?: (peer: PeerInfo, payload: Buffer) => void
}

export type LinkLogLevel = 'debug' | 'info' | 'warn'
export type LinkLog = (level: LinkLogLevel, message: string, fields?: Record<string, unknown>) => void
