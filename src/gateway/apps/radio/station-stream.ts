/**
 * The audio stream as Icecast sends it: the codec's Content-Type, icy-name,
 * icy-br, no Content-Length (the body ends when the connection does), and
 * with `Icy-MetaData: 1` an icy-metaint and StreamTitle blocks. The last
 * few seconds go out at once (burst-on-connect: decoder set-up bytes, then
 * Listening.recent()), then live segments as they arrive.
 *
 * A client that reads slower than the station plays must not make us hold
 * its audio: while its socket's queue is over `maxQueuedBytes` whole
 * segments are skipped (audio segments are whole frames, so players resync
 * at once), and a client whose queue stays full for `stallMs` is cut off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { IcyFramer } from './icy-metadata.js'
import { followStation } from './station-follow.js'
import { RADIO_CONTENT_TYPE, type ListenEnd, type Listening, type VerifiedSegment } from './radio-port.js'

export interface StreamLimits {
  metaint: number
  /** Bytes queued on a client's socket beyond which its next segments are skipped. */
  maxQueuedBytes: number
  /** A client whose queue stays over the limit this long is disconnected. */
  stallMs: number
  /** No segment for this long ends the response (besides the service's own 'end'). */
  silenceMs: number
}

export interface StreamResult {
  /** Why the response ended. */
  end: ListenEnd | 'client-left' | 'too-slow' | 'silent'
  bytes: number
  skipped: number
}

export function streamHeaders (listening: Listening, metaint: number | undefined): Record<string, string> {
  const info = listening.station
  const headers: Record<string, string> = {
    'content-type': RADIO_CONTENT_TYPE[info.codec] ?? 'application/octet-stream',
    'icy-name': headerText(info.label),
    'icy-br': String(Math.max(0, Math.round(info.bitrateKbps))),
    'icy-pub': '0',
    'cache-control': 'no-cache, no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': '*',
    connection: 'close'
  }
  if (metaint !== undefined) headers['icy-metaint'] = String(metaint)
  return headers
}

/**
 * A station name as Icecast sends it: UTF-8 bytes (what VLC and other players decode). Node writes
 * header strings one byte per character, so the UTF-8 is spelled out as such characters here;
 * control characters (which would break the header) become spaces.
 */
function headerText (text: string): string {
  return Buffer.from(text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200), 'utf8').toString('latin1')
}

export function wantsIcyMetadata (req: IncomingMessage): boolean {
  return req.headers['icy-metadata']?.toString().trim() === '1'
}

export async function sendStationStream (req: IncomingMessage, res: ServerResponse, listening: Listening,
  limits: StreamLimits, signal: AbortSignal): Promise<StreamResult> {
  const metaint = wantsIcyMetadata(req) ? limits.metaint : undefined
  const framer = metaint === undefined ? undefined : new IcyFramer(metaint)
  framer?.setTitle(listening.station.nowPlaying)
  // Icecast's shape: no Content-Length and no chunked framing; the body ends with the connection.
  res.useChunkedEncodingByDefault = false
  res.writeHead(200, streamHeaders(listening, metaint))
  if (req.method === 'HEAD') {
    res.end()
    return { end: 'closed', bytes: 0, skipped: 0 }
  }
  // Sends the head now, even before any audio. Not flushHeaders(): that writes the head as UTF-8,
  // which would encode icy-name's bytes twice; a Buffer write sends it byte for byte.
  res.write(Buffer.alloc(0))

  let bytes = 0
  let skipped = 0
  let lastSeq = -1
  let fullSince: number | undefined

  const write = (audio: Buffer): void => {
    for (const piece of framer === undefined ? [audio] : framer.frame(audio)) res.write(piece)
    bytes += audio.length
  }

  return await new Promise<StreamResult>(resolve => {
    let silence: NodeJS.Timeout | undefined
    const finish = (end: StreamResult['end']): void => {
      if (!follow.stop()) return
      clearTimeout(silence)
      if (end === 'too-slow') res.destroy()
      else if (!res.destroyed) res.end()
      resolve({ end, bytes, skipped })
    }
    const armSilence = (): void => {
      clearTimeout(silence)
      silence = setTimeout(() => finish('silent'), limits.silenceMs)
      silence.unref?.()
    }
    const onSegment = (s: VerifiedSegment): void => {
      if (s.seq <= lastSeq) return // already sent in the burst
      lastSeq = s.seq
      armSilence()
      if (s.kind === 'title') {
        framer?.setTitle(s.payload.toString('utf8'))
        return
      }
      if (s.kind !== 'audio' && s.kind !== 'init') return
      if (res.writableLength > limits.maxQueuedBytes) {
        const now = Date.now()
        fullSince ??= now
        if (now - fullSince >= limits.stallMs) {
          finish('too-slow')
          return
        }
        if (s.kind === 'audio') {
          skipped++
          return
        }
      } else {
        fullSince = undefined
      }
      write(s.payload)
    }

    // Listen first, then burst: a segment arriving meanwhile is either in recent() or comes after it.
    const follow = followStation(listening, res, signal, { segment: onSegment, end: finish, clientLeft: () => finish('client-left') })
    armSilence()
    const init = listening.init()
    if (init !== undefined && init.length > 0) write(init)
    for (const s of listening.recent()) {
      if (s.kind === 'title') framer?.setTitle(s.payload.toString('utf8'))
      else if (s.kind === 'audio') write(s.payload)
      lastSeq = Math.max(lastSeq, s.seq)
    }
    if (signal.aborted || res.destroyed) finish('client-left')
  })
}
