/**
 * The demo's hidden service: the guestbook (demo-guestbook.ts) on
 * 127.0.0.1:<free port>, served by a demo node other than the gateway's as
 * the hidden service `guestbook`, registered as guestbook.tor-net. The
 * gateway's node reaches it only through circuits: descriptor, rendezvous,
 * introduction, joined circuit.
 */
import { keyHost, type TornetNode } from '../../node/index.js'
import { startGuestbook, type Guestbook } from './demo-guestbook.js'

export const DEMO_HIDDEN_NAME = 'guestbook'

export interface DemoHiddenService {
  guestbook: Guestbook
  /** http://guestbook.tor-net/ */
  url: string
  /** The same service by its key: http://<56 base32>.tor-net/ */
  keyUrl: string
  close (): Promise<void>
}

interface HiddenAdd {
  add: (name: string, target: { host: string, port: number }, opts?: { signal?: AbortSignal }) => Promise<{ publicKey: string }>
}

/** Starts the guestbook and serves it as a hidden service from `host`; undefined when this node has no hidden services. */
export async function startDemoHiddenService (opts: { host: TornetNode, signal?: AbortSignal, onStep: (message: string) => void }): Promise<DemoHiddenService | undefined> {
  const hidden = (opts.host as { hidden?: HiddenAdd }).hidden
  if (hidden === undefined) return undefined
  const guestbook = await startGuestbook()
  try {
    opts.onStep(`starting the hidden service ${DEMO_HIDDEN_NAME} (intro points, descriptor, ${DEMO_HIDDEN_NAME}.tor-net) on a demo node`)
    const info = await hidden.add(DEMO_HIDDEN_NAME, { host: guestbook.host, port: guestbook.port }, { signal: opts.signal })
    return {
      guestbook,
      url: `http://${DEMO_HIDDEN_NAME}.tor-net/`,
      keyUrl: `http://${keyHost(Buffer.from(info.publicKey, 'hex'))}/`,
      close: async () => await guestbook.close()
    }
  } catch (err) {
    await guestbook.close()
    throw err
  }
}
