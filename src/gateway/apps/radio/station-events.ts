/**
 * The station page's live feed as Server-Sent Events:
 *
 *   event: title   data: the now-playing title
 *   event: post    data: {"text": "...", "at": <ms since the epoch>, "seq": n}
 *   event: end     data: why the station ended (station-silent, stopped, closed)
 *
 * On connect: the current title and the recent posts, then live ones. Posts
 * are small (≤ 1 KiB) and rare, but a client that stops reading still must
 * not hold them: past `maxQueuedBytes` queued the connection is closed, and
 * EventSource reconnects by itself.
 */
import type { ServerResponse } from 'node:http'
import type { ListenEnd, Listening, VerifiedSegment } from './radio-port.js'
import { followStation } from './station-follow.js'

export interface EventLimits {
  maxQueuedBytes: number
  /** A comment line this often keeps proxies and idle timers from closing the stream. */
  keepAliveMs: number
}

/** One event; every line of `data` gets its own `data:` prefix, as the format requires. */
export function sseEvent (event: string, data: string, id?: number): string {
  const lines = data.split(/\r\n|\r|\n/).map(l => `data: ${l}\n`).join('')
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines}\n`
}

export function postEvent (s: VerifiedSegment): string {
  return sseEvent('post', JSON.stringify({ text: s.payload.toString('utf8'), at: s.timestampMs, seq: s.seq }), s.seq)
}

export async function sendStationEvents (res: ServerResponse, listening: Listening, limits: EventLimits,
  signal: AbortSignal): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no'
  })
  const title = listening.station.nowPlaying
  let head = title === undefined ? '' : sseEvent('title', title)
  let lastSeq = -1
  for (const p of listening.posts()) {
    head += postEvent(p)
    lastSeq = Math.max(lastSeq, p.seq)
  }
  res.write(head.length > 0 ? head : ': connected\n\n')

  await new Promise<void>(resolve => {
    const finish = (): void => {
      if (!follow.stop()) return
      clearInterval(keepAlive)
      resolve()
    }
    const send = (text: string): void => {
      if (res.writableLength > limits.maxQueuedBytes) {
        res.destroy() // not reading: it reconnects when it reads again
        finish()
        return
      }
      res.write(text)
    }
    const onSegment = (s: VerifiedSegment): void => {
      if (s.kind === 'title') send(sseEvent('title', s.payload.toString('utf8')))
      else if (s.kind === 'post' && s.seq > lastSeq) {
        lastSeq = s.seq
        send(postEvent(s))
      }
    }
    const onEnd = (why: ListenEnd): void => {
      // retry: a long pause before EventSource tries again; the page says the station went quiet.
      if (!res.destroyed) res.end(`retry: 30000\n${sseEvent('end', why)}`)
      finish()
    }
    const keepAlive = setInterval(() => send(': keep-alive\n\n'), limits.keepAliveMs)
    keepAlive.unref?.()
    const follow = followStation(listening, res, signal, { segment: onSegment, end: onEnd, clientLeft: finish })
    if (signal.aborted || res.destroyed) finish()
  })
}
