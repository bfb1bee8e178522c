import { formatHostPort } from './host-port.js'

/** A node id, a chunk id, a key: 32 bytes, compared by XOR distance. */
export type Id256 = Buffer

/** A UDP endpoint, IPv4 ("1.2.3.4") or IPv6 ("::1"). */
export interface Endpoint {
  address: string
  port: number
}

export function endpointKey (e: Endpoint): string {
  return formatHostPort(e.address, e.port)
}
