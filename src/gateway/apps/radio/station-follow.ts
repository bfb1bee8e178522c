/**
 * One response following a station: its handlers on the shared Listening,
 * plus "the client left" from the request's signal and the response's
 * close. stop() takes them all off again, once, so a response that ends for
 * several reasons at the same moment is finished only once.
 */
import type { ServerResponse } from 'node:http'
import type { ListenEnd, Listening, VerifiedSegment } from './radio-port.js'

export interface FollowHandlers {
  segment (s: VerifiedSegment): void
  end (why: ListenEnd): void
  clientLeft (): void
}

/** stop() is true the first time, false after. */
export interface Follow { stop (): boolean }

export function followStation (listening: Listening, res: ServerResponse, signal: AbortSignal, on: FollowHandlers): Follow {
  let following = true
  const left = (): void => on.clientLeft()
  listening.on('segment', on.segment)
  listening.on('end', on.end)
  signal.addEventListener('abort', left, { once: true })
  res.once('close', left)
  return {
    stop () {
      if (!following) return false
      following = false
      listening.off('segment', on.segment)
      listening.off('end', on.end)
      signal.removeEventListener('abort', left)
      res.off('close', left)
      return true
    }
  }
}
