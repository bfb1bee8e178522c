import { TornetError } from '../../errors.js'

/**
 * Failure codes of a reliable stream. Tests and callers branch on `code`.
 *
 * - STREAM_PROTOCOL: the peer broke the stream protocol (data past its FIN,
 *   an ACK for data never sent, data far outside the advertised window).
 * - STREAM_TIMEOUT: nothing was heard from the peer for the idle timeout.
 * - STREAM_RESET: the peer aborted the stream (RST); `reason` says why.
 * - STREAM_SEND_FAILED: the link refused a frame (its session is gone).
 */
export type StreamErrorCode = 'STREAM_PROTOCOL' | 'STREAM_TIMEOUT' | 'STREAM_RESET' | 'STREAM_SEND_FAILED'

export class StreamError extends TornetError {
  declare readonly code: StreamErrorCode
  /** For STREAM_RESET: the peer's RST reason byte. */
  readonly reason?: number
  constructor (code: StreamErrorCode, message: string, options?: { cause?: unknown, reason?: number }) {
    super(code, message, options)
    this.name = 'StreamError'
    if (options?.reason !== undefined) this.reason = options.reason
  }
}
