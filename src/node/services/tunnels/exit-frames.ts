import type { Duplex } from 'node:stream'
import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * One length-prefixed frame (u32 LE length, then the body) at the head of a
 * circuit stream: the exit protocol's question and answer (exit-messages.ts).
 * Bytes that arrive after the frame are put back on the stream, so a
 * net-stream carries the service's bytes on from there untouched.
 */
export function frame (body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32LE(body.length, 0)
  return Buffer.concat([head, body])
}

/**
 * Reads the next frame of at most `maxBody` bytes. Rejects with TunnelError
 * MALFORMED (bad length), STREAM_CLOSED (the stream ended first) or TIMEOUT
 * (the signal fired or `timeoutMs` passed).
 */
export async function readFrame (stream: Duplex, maxBody: number, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
  return await new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = []
    let have = 0
    let need = -1
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => { fail(new TunnelError(TunnelErrorCode.TIMEOUT, `no answer on the circuit stream within ${opts.timeoutMs} ms`)) }, opts.timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      stream.off('readable', onReadable)
      stream.off('end', onEnd)
      stream.off('close', onEnd)
      stream.off('error', onError)
      opts.signal?.removeEventListener('abort', onAbort)
    }
    const fail = (err: Error): void => { cleanup(); reject(err) }
    // 'readable' and read(), not 'data': a stream read this way goes back to its
    // untouched state afterwards, so whoever reads it next with 'data' or pipe() starts it.
    const onReadable = (): void => {
      for (let data = stream.read() as Buffer | null; data !== null; data = stream.read() as Buffer | null) {
        parts.push(data)
        have += data.length
        if (need < 0 && have >= 4) {
          const all = Buffer.concat(parts)
          parts.length = 0
          parts.push(all)
          need = all.readUInt32LE(0)
          if (need > maxBody) {
            fail(new TunnelError(TunnelErrorCode.MALFORMED, `a frame of ${need} bytes on the circuit stream exceeds ${maxBody}`))
            return
          }
        }
        if (need < 0 || have < 4 + need) continue
        const all = Buffer.concat(parts)
        cleanup()
        const rest = all.subarray(4 + need)
        if (rest.length > 0) stream.unshift(rest)
        resolve(all.subarray(4, 4 + need))
        return
      }
    }
    const onEnd = (): void => { fail(new TunnelError(TunnelErrorCode.STREAM_CLOSED, 'the circuit stream ended before its answer')) }
    const onError = (err: Error): void => { fail(err) }
    const onAbort = (): void => { fail(new TunnelError(TunnelErrorCode.TIMEOUT, 'aborted while waiting on the circuit stream', { cause: opts.signal?.reason })) }
    if (opts.signal?.aborted === true) { onAbort(); return }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    stream.on('readable', onReadable)
    stream.on('end', onEnd)
    stream.on('close', onEnd)
    stream.on('error', onError)
  })
}
