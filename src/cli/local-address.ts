import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Endpoint } from '../node/index.js'

/**
 * The local address the operating system would send from to reach `to`: a UDP socket is
 * "connected" (no packet leaves; the kernel only picks a route) and asked for its address.
 * Undefined when there is no route or the name does not resolve.
 *
 * Why: a node bound to 0.0.0.0 cannot put a usable endpoint into its provider records, so a
 * short-lived CLI node binds to this one address instead, and what it publishes can be found.
 */
export async function localAddressToward (to: Endpoint): Promise<string | undefined> {
  const socket = createSocket(isIPv6(to.address) ? 'udp6' : 'udp4')
  try {
    return await new Promise<string | undefined>((resolve) => {
      socket.once('error', () => { resolve(undefined) })
      socket.connect(to.port, to.address, () => {
        try {
          const { address } = socket.address()
          resolve(address === '0.0.0.0' || address === '::' ? undefined : address)
        } catch {
          resolve(undefined)
        }
      })
    })
  } finally {
    socket.close()
  }
}

export function isWildcardHost (host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]'
}
