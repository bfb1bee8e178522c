import { pmpNat, upnpNat, type Gateway } from '@achingbrain/nat-port-mapper'
import { defaultGatewayV4, localAddressToward } from './default-gateway.js'
import { dropExplicitContentLength } from './fetch-shim.js'

/**
 * The routers a port mapper can ask, behind one small interface so the mapper's timing (renewal,
 * retries, removal) is tested without a router: UPnP-IGD found by SSDP, and NAT-PMP at the default
 * gateway, both through @achingbrain/nat-port-mapper (the library libp2p uses). PCP is not
 * offered: the library speaks only NAT-PMP's version 0 (a PCP router answers it with
 * UNSUPP_VERSION, RFC 6887 §9, and the NAT-PMP attempt fails with a log line).
 */
export type MappingProtocol = 'UPnP-IGD' | 'NAT-PMP'

export interface MappedPort {
  externalHost: string
  externalPort: number
  internalHost: string
  internalPort: number
}

export interface MappingGateway {
  protocol: MappingProtocol
  /** The router's address (where the requests go). */
  host: string
  /** Maps UDP `port` of this host for `leaseS` seconds (a renewal is the same call again). */
  map: (port: number, leaseS: number, signal: AbortSignal) => Promise<MappedPort>
  unmap: (port: number, signal: AbortSignal) => Promise<void>
  /** Releases sockets; no request after it. */
  close: () => Promise<void>
}

/** Looks for one kind of gateway until `signal` aborts; undefined when none answered. */
export type GatewayFinder = (signal: AbortSignal) => Promise<MappingGateway | undefined>

const DESCRIPTION = 'tornet'

/** UPnP-IGD (WANIPConnection:2) by SSDP M-SEARCH on the LAN: the first IPv4 gateway that answers. */
export const findUpnpGateway: GatewayFinder = async (signal) => {
  dropExplicitContentLength()
  const client = upnpNat({ autoRefresh: false, description: DESCRIPTION })
  try {
    for await (const g of client.findGateways({ signal, searchInterval: 2000 })) {
      if (g.family === 'IPv4') return wrap(g, 'UPnP-IGD')
      await g.stop().catch(() => undefined)
    }
  } catch (err) {
    if (!signal.aborted) throw err
  }
  return undefined
}

/** NAT-PMP at the default gateway, if it answers an external-address request. */
export const findPmpGateway: GatewayFinder = async (signal) => {
  const host = await defaultGatewayV4()
  if (host === undefined) return undefined
  const g = pmpNat(host, { autoRefresh: false, description: DESCRIPTION })
  try {
    await g.externalIp({ signal })
  } catch (err) {
    await g.stop().catch(() => undefined)
    if (signal.aborted) return undefined
    throw err
  }
  return wrap(g, 'NAT-PMP')
}

/** The IGD device behind the library's gateway object (its SOAP call), where it exposes one. */
interface SoapDevice { run: (service: string, action: string, args: Array<[string, string | number]>, options?: { signal?: AbortSignal }) => Promise<unknown> }
const WAN_IP_CONNECTION_2 = 'urn:schemas-upnp-org:service:WANIPConnection:2'

function wrap (g: Gateway, protocol: MappingProtocol): MappingGateway {
  const external = new Map<number, number>()
  return {
    protocol,
    host: g.host,
    map: async (port, leaseS, signal) => {
      const internalHost = localAddressToward(g.host)
      if (internalHost === undefined) throw new Error(`no local IPv4 address on the gateway's subnet (${g.host})`)
      // The library reads the lease in ms for UPnP but sends NAT-PMP's value as is, in seconds.
      const ttl = protocol === 'UPnP-IGD' ? leaseS * 1000 : leaseS
      const m = await g.map(port, internalHost, { protocol: 'UDP', ttl, autoRefresh: false, description: DESCRIPTION, signal })
      external.set(port, m.externalPort)
      return { externalHost: m.externalHost, externalPort: m.externalPort, internalHost: m.internalHost, internalPort: m.internalPort }
    },
    unmap: async (port, signal) => {
      if (protocol === 'UPnP-IGD') {
        // The library's unmap sends DeletePortMapping with an empty NewProtocol and the internal
        // port as the external one; miniupnpd refuses the first (seen: "protocol: " and the rule
        // stayed). The action takes the external port and the protocol (UPnP-gw-WANIPConnection-v2
        // §2.5.17), so it is sent as such through the library's device.
        const getGateway = (g as unknown as { getGateway?: (o?: { signal?: AbortSignal }) => Promise<SoapDevice> }).getGateway
        if (typeof getGateway !== 'function') throw new Error('this UPnP-IGD gateway object offers no SOAP call to delete the mapping')
        const device = await getGateway.call(g, { signal })
        await device.run(WAN_IP_CONNECTION_2, 'DeletePortMapping', [['NewRemoteHost', ''], ['NewExternalPort', external.get(port) ?? port], ['NewProtocol', 'UDP']], { signal })
      } else {
        // The library's NAT-PMP unmap asks to delete the TCP mapping whatever was mapped (seen
        // against miniupnpd: "9151->…:9151 tcp lifetime=0s"), so the UDP one stayed; a lifetime-0
        // request for UDP is the deletion RFC 6886 §3.4 defines.
        await g.map(port, '', { protocol: 'UDP', ttl: 0, autoRefresh: false, description: '', signal })
      }
    },
    // The library's stop() would send its own (refused) deletions for what it mapped; ours were sent.
    close: async () => {
      if (protocol === 'UPnP-IGD') (g as unknown as { mappings?: Map<number, unknown> }).mappings?.clear()
      await g.stop()
    }
  }
}
