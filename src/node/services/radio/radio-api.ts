/**
 * The radio service as the rest of Tornet sees it (gateway, CLI, demo).
 * The protocol (signed segments, relay trees built by demand, offers with
 * prices) lives beside this file; this file is the contract the gateway app
 * and the CLI are written against, so they do not reach into relay internals.
 *
 * A station is an ed25519 key pair; its id is the 32-byte public key, written
 * as 64 lowercase hex digits in URLs and name targets (`station:<hex>`).
 */

/** How the audio is framed; the gateway's Content-Type follows it. */
export type RadioCodec = 'mp3' | 'ogg' | 'aac'

export const RADIO_CONTENT_TYPE: Readonly<Record<RadioCodec, string>> = {
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  aac: 'audio/aac'
}

/** Payload bound of one signed segment (issue 14: ≤ 16 KiB). */
export const MAX_SEGMENT_PAYLOAD = 16 * 1024
/** Bound of one text post (issue 14: ≤ 1 KiB). */
export const MAX_POST_BYTES = 1024

/**
 * What a signed segment carries. `audio` is codec frames (whole frames only);
 * `init` is what a decoder needs before any audio (Ogg header pages; empty
 * for MP3 and ADTS) and is re-sent when it changes (a new file of a playlist);
 * `title` is now-playing text; `post` is a text post of the station's live
 * text channel.
 */
export type SegmentKind = 'audio' | 'init' | 'title' | 'post'

/** A segment whose signature, station and window were checked. */
export interface VerifiedSegment {
  station: Buffer
  seq: number
  /** The broadcaster's wall-clock time when it made the segment (ms since the epoch). */
  timestampMs: number
  codec: RadioCodec
  kind: SegmentKind
  /** Play time of the audio in it; 0 for other kinds. */
  durationMs: number
  payload: Buffer
}

export interface StationInfo {
  /** 32-byte station id (the public key). */
  id: Buffer
  label: string
  codec: RadioCodec
  /** Nominal bit rate for `icy-br`, kbit/s (0 when unknown). */
  bitrateKbps: number
  nowPlaying: string | undefined
  /** How this node knows it. */
  role: 'broadcasting' | 'relaying' | 'listening'
  /** Listeners and child relays fed by this node now. */
  children: number
}

/** Live figures of a broadcast, for the CLI's progress line. */
export interface BroadcastStats {
  listeners: number
  relays: number
  kbps: number
  nowPlaying: string | undefined
}

/** A station broadcasting from this node. The caller paces: it hands over audio at real time. */
export interface Broadcast {
  readonly station: StationInfo
  /** Whole codec frames covering `durationMs` of play time (≤ MAX_SEGMENT_PAYLOAD bytes). */
  pushAudio (frames: Buffer, durationMs: number): void
  /** Decoder set-up bytes (Ogg headers) that every new listener needs first. */
  setInit (init: Buffer): void
  setNowPlaying (title: string): void
  post (text: string): void
  stats (): BroadcastStats
  close (): Promise<void>
}

export type ListenEnd = 'closed' | 'station-silent' | 'stopped'

/**
 * One subscription to a station on this node, shared by every local consumer
 * (gateway responses, the station page). `recent()` is the burst-on-connect
 * buffer: the last few seconds of audio, oldest first.
 */
export interface Listening {
  readonly station: StationInfo
  /** The latest decoder set-up bytes, if the codec has any. */
  init (): Buffer | undefined
  recent (): VerifiedSegment[]
  /** Recent text posts, oldest first. */
  posts (): VerifiedSegment[]
  on (event: 'segment', fn: (s: VerifiedSegment) => void): void
  on (event: 'end', fn: (why: ListenEnd) => void): void
  off (event: 'segment', fn: (s: VerifiedSegment) => void): void
  off (event: 'end', fn: (why: ListenEnd) => void): void
  /** Drops this consumer; the subscription ends when the last consumer closes. */
  close (): void
}

export interface RadioService {
  readonly running: boolean
  start (): void
  stop (): Promise<void>
  /** Starts broadcasting a station whose key pair the caller holds. */
  broadcast (key: StationKeyPair, info: { label: string, codec: RadioCodec, bitrateKbps: number }): Broadcast
  /**
   * Joins a station's relay tree (or shares this node's existing subscription).
   * Rejects with RadioError NOT_FOUND when no relay carries it.
   */
  listen (station: Buffer, opts?: { signal?: AbortSignal }): Promise<Listening>
  /** Stations this node broadcasts, relays or listens to now. */
  known (): StationInfo[]
}

export interface StationKeyPair {
  /** 32-byte ed25519 public key: the station id. */
  publicKey: Buffer
  /** ed25519 private key (node:crypto KeyObject or raw seed; see station-key.ts). */
  privateKey: Buffer
}
