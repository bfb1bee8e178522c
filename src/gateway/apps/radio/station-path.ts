/**
 * Which radio page a request asks for. On the gateway's own pages:
 *
 *   /radio/<station>            the audio stream (with ?page: the station page)
 *   /radio/<station>.html       the station page
 *   /radio/<station>.m3u        a playlist holding the stream's URL
 *   /radio/<station>/events     now-playing and text posts as Server-Sent Events
 *
 * and under a name that targets a station (http://<name>.tor-net/): '/',
 * '/index.html', '/station.m3u' and '/events'. <station> is 64 hex digits,
 * or a label or name (resolved by station-ref.ts).
 */

export type RadioView = 'stream' | 'page' | 'm3u' | 'events'

export interface StationRequest {
  /** As written in the URL, percent-decoded and lowercased; undefined under a name host (the host is the station). */
  station?: string
  view: RadioView
}

export const RADIO_PREFIX = '/radio/'

// A label or name: letters, digits, '-', '_' and '.', as names and labels are made of.
const STATION_TEXT = /^[a-z0-9][a-z0-9._-]{0,127}$/

/** Parses a path under /radio/; undefined when it names no radio page. */
export function parseRadioPath (pathname: string, search: string): StationRequest | undefined {
  if (!pathname.startsWith(RADIO_PREFIX)) return undefined
  let rest: string
  try {
    rest = decodeURIComponent(pathname.slice(RADIO_PREFIX.length)).toLowerCase()
  } catch {
    return undefined
  }
  let view: RadioView = hasFlag(search, 'page') ? 'page' : 'stream'
  if (rest.endsWith('/events')) {
    rest = rest.slice(0, -'/events'.length)
    view = 'events'
  } else if (rest.endsWith('.m3u')) {
    rest = rest.slice(0, -'.m3u'.length)
    view = 'm3u'
  } else if (rest.endsWith('.html')) {
    rest = rest.slice(0, -'.html'.length)
    view = 'page'
  }
  if (rest.endsWith('/')) rest = rest.slice(0, -1)
  return STATION_TEXT.test(rest) ? { station: rest, view } : undefined
}

/** The page asked for under a name host (http://<name>.tor-net/…). */
export function parseNameHostPath (pathname: string, search: string): StationRequest | undefined {
  switch (pathname) {
    case '/': return { view: hasFlag(search, 'page') ? 'page' : 'stream' }
    case '/index.html': return { view: 'page' }
    case '/station.m3u': return { view: 'm3u' }
    case '/events': return { view: 'events' }
    default: return undefined
  }
}

function hasFlag (search: string, flag: string): boolean {
  return search.length > 1 && new URLSearchParams(search).has(flag)
}
