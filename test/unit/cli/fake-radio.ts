import { MAX_SEGMENT_PAYLOAD, type Broadcast, type BroadcastStats, type RadioCodec, type RadioService, type StationKeyPair } from '../../../src/node/index.js'

/** What a fake broadcast was handed, with the fake clock's time of each call. */
export type BroadcastCall =
  | { at: number, what: 'audio', bytes: number, durationMs: number }
  | { at: number, what: 'init', bytes: number }
  | { at: number, what: 'title', text: string }
  | { at: number, what: 'post', text: string }
  | { at: number, what: 'close' }

export interface FakeBroadcast extends Broadcast {
  calls: BroadcastCall[]
  info: { label: string, codec: RadioCodec, bitrateKbps: number }
  key: StationKeyPair
}

export function fakeBroadcast (key: StationKeyPair, info: { label: string, codec: RadioCodec, bitrateKbps: number }, now: () => number = Date.now): FakeBroadcast {
  const calls: BroadcastCall[] = []
  let nowPlaying: string | undefined
  return {
    calls,
    info,
    key,
    station: { id: key.publicKey, label: info.label, codec: info.codec, bitrateKbps: info.bitrateKbps, nowPlaying: undefined, role: 'broadcasting', children: 0 },
    pushAudio (frames, durationMs) {
      // As the radio core: whole milliseconds, up to 10 s, at most one segment's payload.
      if (!Number.isInteger(durationMs) || durationMs < 0 || durationMs > 10_000 || frames.length === 0 || frames.length > MAX_SEGMENT_PAYLOAD) throw new RangeError(`bad segment: ${frames.length} bytes, ${durationMs} ms`)
      calls.push({ at: now(), what: 'audio', bytes: frames.length, durationMs })
    },
    setInit (init) { calls.push({ at: now(), what: 'init', bytes: init.length }) },
    setNowPlaying (title) { nowPlaying = title; calls.push({ at: now(), what: 'title', text: title }) },
    post (text) { calls.push({ at: now(), what: 'post', text }) },
    stats (): BroadcastStats { return { listeners: 2, relays: 1, kbps: 64.4, nowPlaying } },
    async close () { calls.push({ at: now(), what: 'close' }) }
  }
}

/** A radio service whose broadcasts are fakes; listening is not part of these tests. */
export function fakeRadio (): RadioService & { broadcasts: FakeBroadcast[] } {
  const broadcasts: FakeBroadcast[] = []
  return {
    broadcasts,
    running: true,
    start () {},
    async stop () {},
    broadcast (key, info) {
      const b = fakeBroadcast(key, info)
      broadcasts.push(b)
      return b
    },
    async listen () { throw new Error('not in these tests') },
    known: () => []
  }
}
