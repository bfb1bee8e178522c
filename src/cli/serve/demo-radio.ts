import { join } from 'node:path'
import { createStationKey, isTornetError, loadStationKey, type TornetNode } from '../../node/index.js'
import { feedBroadcast } from '../radio-feed.js'
import { openRadioInput } from '../radio-input.js'
import { watchPosts } from '../radio-post-spool.js'
import { registerNameOnce } from './register-name-once.js'
import { packageRoot } from './package-root.js'

/**
 * The demo's station: `welcome-radio` looping the synthesised tunes of
 * sample/radio/ from one demo node, with the name welcome-radio.tor-net. Its
 * key lives in the user's data directory (not the demo's), so that
 * `tornet radio list` shows it and `tornet radio post welcome-radio …` reaches
 * the running demo.
 */
export const DEMO_STATION = 'welcome-radio'

export interface DemoRadio {
  /** http://<gateway>/radio/welcome-radio */
  url: string
  close (): Promise<void>
}

export interface DemoRadioOptions {
  keyDir: string
  broadcaster: TornetNode
  gatewayUrl: string
  signal?: AbortSignal
  onStep: (message: string) => void
}

/** Starts the demo station on the broadcaster node, looping sample/radio/. */
export async function startDemoRadio (opts: DemoRadioOptions): Promise<DemoRadio> {
  const radio = opts.broadcaster.radio
  const key = stationKey(opts.keyDir)
  const input = await openRadioInput(join(packageRoot(), 'sample', 'radio'), { onWarning: (m) => opts.onStep(`radio: ${m}`) })
  const b = radio.broadcast(key, { label: DEMO_STATION, codec: input.codec, bitrateKbps: input.bitrateKbps })
  const stop = new AbortController()
  watchPosts(opts.keyDir, DEMO_STATION, (text) => { b.post(text) }, stop.signal)
  const feeding = feedBroadcast(b, input.items(stop.signal), { signal: stop.signal })
    .catch((err: Error) => { opts.onStep(`the demo station stopped: ${err.message}`) })
  opts.onStep(`broadcasting ${DEMO_STATION} (${input.description}) from a demo node`)
  const close = async (): Promise<void> => {
    stop.abort()
    await feeding
    await b.close()
  }
  try {
    opts.onStep(`registering ${DEMO_STATION}.tor-net for the station`)
    await registerNameOnce(opts.broadcaster, DEMO_STATION, { kind: 'station', value: key.publicKey }, opts.signal)
  } catch (err) {
    await close()
    throw err
  }
  return { url: `${opts.gatewayUrl}/radio/${DEMO_STATION}`, close }
}

function stationKey (dir: string): ReturnType<typeof loadStationKey> {
  try {
    return loadStationKey(dir, DEMO_STATION)
  } catch (err) {
    if (!isTornetError(err, 'RADIO_KEY_MISSING')) throw err
    return createStationKey(dir, DEMO_STATION)
  }
}
