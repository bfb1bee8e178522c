import type { Link } from '../../src/node/link/link.js'
import type { PeerAddress } from '../../src/node/link/types.js'

/** Handshakes per second: every client link connects to `to` once, `concurrency` at a time. */
export async function connectRate (clients: readonly Link[], to: PeerAddress, concurrency: number): Promise<number> {
  const t0 = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < clients.length) await clients[next++].connect(to)
  }))
  return clients.length / ((performance.now() - t0) / 1000)
}
