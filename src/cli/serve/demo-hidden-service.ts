/**
 * The demo's hidden service: the guestbook (demo-guestbook.ts) on
 * 127.0.0.1:<free port>, served by a demo node other than the gateway's as
 * the hidden service `guestbook`, registered as guestbook.tor-net. The
 * gateway's node reaches it only through circuits: descriptor, rendezvous,
 * introduction, joined circuit.
 */
import { keyHost, type TornetNode } from '../../node/index.js'
import { startGuestbook, type Guestbook } from './demo-guestbook.js'
import { registerNameOnce } from './register-name-once.js'

export const DEMO_HIDDEN_NAME = 'guestbook'

export interface DemoHiddenService {
  guestbook: Guestbook
  /** http://guestbook.tor-net/ */
  url: string
  /** The same service by its key: http://<56 base32>.tor-net/ */
  keyUrl: string
  close (): Promise<void>
}

/** Starts the guestbook and serves it as the hidden service `guestbook` from `host`. */
export async function startDemoHiddenService (opts: { host: TornetNode, signal?: AbortSignal, onStep: (message: string) => void }): Promise<DemoHiddenService> {
  const hidden = opts.host.hidden
  const guestbook = await startGuestbook()
  try {
    opts.onStep(`starting the hidden service ${DEMO_HIDDEN_NAME} (intro points, descriptor, ${DEMO_HIDDEN_NAME}.tor-net) on a demo node`)
    const info = await hidden.add(DEMO_HIDDEN_NAME, { host: guestbook.host, port: guestbook.port }, { register: false, signal: opts.signal })
    const publicKey = Buffer.from(info.publicKey, 'hex')
    // The key is kept in the node's data directory: a restarted demo keeps its name without mining again.
    await registerNameOnce(opts.host, DEMO_HIDDEN_NAME, { kind: 'hidden-service', value: publicKey }, opts.signal)
    return {
      guestbook,
      url: `http://${DEMO_HIDDEN_NAME}.tor-net/`,
      keyUrl: `http://${keyHost(publicKey)}/`,
      // The service stops with its node; its key stays for the next start (remove() would delete it).
      close: async () => await guestbook.close()
    }
  } catch (err) {
    await guestbook.close()
    throw err
  }
}
