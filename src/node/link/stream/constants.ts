/**
 * Tunables of the reliable stream. Times are milliseconds, sizes bytes.
 * The values follow TCP practice (RFC 6298, RFC 8985, Linux defaults) and
 * were checked against bench/stream.ts on loopback.
 */

/** Largest frame the link carries by default, header included. */
export const DEFAULT_MTU = 1150
/** We refuse to run below this: an ACK with a few SACK ranges must fit. */
export const MIN_MTU = 128
export const MAX_MTU = 65535

/** Default bound on unread + out-of-order bytes held for the reader. */
export const DEFAULT_MAX_RECEIVE_WINDOW = 8 * 1024 * 1024
/** The window a sender assumes before the first ACK; receivers never go below it. */
export const INITIAL_PEER_WINDOW = 64 * 1024
/** Receive windows are carried in a u32; keep far below that. */
export const MAX_RECEIVE_WINDOW = 1024 * 1024 * 1024

/** Bound on written-but-unacknowledged bytes before `_write` callbacks wait. */
export const DEFAULT_SEND_BUFFER = 4 * 1024 * 1024
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000

/** Most SACK ranges one ACK carries (fewer if the MTU is small). */
export const MAX_SACK_RANGES = 32

/** Initial congestion window, in frames (RFC 6928's IW10). */
export const INITIAL_CWND_FRAMES = 10
/** The congestion window never drops below this many frames. */
export const MIN_CWND_FRAMES = 2
/** Upper bound on the congestion window. */
export const MAX_CWND = 64 * 1024 * 1024

/** RFC 6298 clock granularity G and RTO bounds (Linux uses the same 200 ms floor). */
export const RTO_INITIAL_MS = 1000
export const RTO_MIN_MS = 20
export const RTO_MAX_MS = 10_000
/** Samples above this are treated as garbage (a forged or wrapped echo). */
export const RTT_SAMPLE_MAX_MS = 60_000

/** Tail loss probe: fire after max(2·srtt, this) without any ACK. */
export const TLP_MIN_MS = 1
/** Zero-window probes back off from the RTO up to this interval. */
export const PERSIST_MAX_MS = 5_000

/** Pacing gain over cwnd/srtt: in slow start, and in congestion avoidance. */
export const PACING_GAIN_SLOW_START = 2
export const PACING_GAIN_AVOIDANCE = 1.25
/** Pacing lets at most this much time of sending go out in one burst... */
export const PACING_BURST_MS = 2
/** ...but always at least this many frames, and never more than this many. */
export const PACING_BURST_MIN_FRAMES = 10
export const PACING_BURST_MAX_FRAMES = 128

/**
 * ACK policy. While every packet has arrived in order, the receiver sends an ACK at once after
 * ackEveryFrames(mtu) unacknowledged frames: ACK_EVERY_BYTES worth of full frames, but never
 * fewer than ACK_EVERY_FRAMES; frames short of it are acknowledged at the end of the event-loop
 * turn that took them (setImmediate), so a burst read in one turn costs one ACK per
 * ackEveryFrames frames, and a lone frame is never held. The congestion controller counts
 * bytes, not ACKs, so the sender's window grows the same, and pacing smooths the larger steps.
 * Every ACK is a datagram encrypted, sent (on loopback the sender also pays for waking the
 * receiver) and decrypted; on issue 4's 256 MiB download (16 000-byte frames) ACKs were 5.4k
 * of the downloader's 7.3k datagrams out (most of them window updates, see
 * ReliableStream.maybeWindowUpdate); with this policy 3.2k. At 1,200-byte datagrams a count
 * of 8 meant an ACK per 9 KB, 0.15 ACKs per DATA datagram: on issue 18's two-process bench
 * (bench/transport.ts) an ACK per 32 KiB (28 frames) raised the stream from ≈ 200 to ≈ 320
 * Mbit/s, each ACK also being a wake-up of the other process.
 *
 * Loss and reordering are acknowledged at once, as TCP and QUIC receivers do (RFC 5681 §4.2,
 * RFC 9000 §13.2.1): a packet that opens a new hole or arrives below the highest received,
 * and, while holes remain, every ACK_EVERY_FRAMES_REORDERED frames, so the sender's RACK
 * learns of losses within a packet. On the stream bench's 5% loss / 5% reordering case that
 * nearly doubled throughput (≈ 300 → ≈ 600 Mbit/s) for about twice the ACKs while it lasts.
 */
export const ACK_EVERY_FRAMES = 8
export const ACK_EVERY_BYTES = 32 * 1024
export function ackEveryFrames (mtu: number): number {
  return Math.max(ACK_EVERY_FRAMES, Math.floor(ACK_EVERY_BYTES / mtu))
}
export const ACK_EVERY_FRAMES_REORDERED = 1

/**
 * After 'close' a stream still answers retransmitted FIN / DATA (with an ACK
 * or an RST) so a peer whose last ACK was lost can finish. The link's
 * multiplexer should keep routing frames to a closed stream this long.
 */
export const STREAM_LINGER_MS = 2 * RTO_MAX_MS
