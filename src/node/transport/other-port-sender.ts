import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Endpoint } from '../types.js'

/**
 * Sends one datagram from a fresh UDP socket (an ephemeral port on `bindAddress`, the node's listen
 * host), then closes it: a dial-back must come from a port the asking node never sent to, or its
 * NAT's mapping for the session would let it through and prove nothing.
 */
export function udpOtherPortSender (bindAddress: string): (datagram: Buffer, to: Endpoint) => Promise<void> {
  return async (datagram, to) => {
    const v6 = isIPv6(to.address)
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4' })
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        const host = isIPv6(bindAddress) === v6 ? bindAddress : (v6 ? '::' : '0.0.0.0')
        socket.bind({ address: host, port: 0 }, () => {
          socket.send(datagram, to.port, to.address, (err) => { if (err !== null && err !== undefined) reject(err); else resolve() })
        })
      })
    } finally {
      socket.close()
    }
  }
}
