import { describe, expect, it } from 'vitest'
import { startPortMapping } from '../../../../src/cli/serve/port-mapping.js'
import type { Endpoint } from '../../../../src/node/index.js'
import type { MappingGateway } from '../../../../src/node/services/reach/mapping-gateways.js'

/** A node as startPortMapping sees it; `announced` plays config "announce" (advertise refuses then). */
function fakeNode (announced = false): { endpoint: Endpoint, contact: { endpoint: Endpoint }, advertise: (e: Endpoint) => boolean } {
  const node = {
    endpoint: { address: '0.0.0.0', port: 9151 },
    contact: { endpoint: { address: '198.19.1.2', port: 9151 } },
    advertise: (e: Endpoint): boolean => {
      if (announced) return false
      node.contact.endpoint = { ...e }
      return true
    }
  }
  return node
}

function gateway (fail: () => boolean): MappingGateway {
  return {
    protocol: 'UPnP-IGD',
    host: '198.19.1.1',
    map: async (port) => {
      if (fail()) throw new Error('no answer')
      return { externalHost: '198.18.0.6', externalPort: 40001, internalHost: '198.19.1.2', internalPort: port }
    },
    unmap: async () => {},
    close: async () => {}
  }
}

describe('startPortMapping', () => {
  it('advertises the mapped address, asks for a reachability recheck, and goes back to the old address when the mapping is lost', async () => {
    const node = fakeNode()
    const lines: string[] = []
    let changes = 0
    let failing = false
    const mapper = startPortMapping(node, (l) => lines.push(l), { finders: [async () => gateway(() => failing)], leaseS: 0.02, attempts: 1, retryMs: 5, onChange: () => changes++ })
    await mapper.settled()
    expect(node.contact.endpoint).toEqual({ address: '198.18.0.6', port: 40001 })
    expect(lines).toContain('port mapping: peers are told 198.18.0.6:40001')
    expect(changes).toBe(1)
    failing = true
    for (let i = 0; i < 100 && changes < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(changes).toBe(2)
    expect(node.contact.endpoint).toEqual({ address: '198.19.1.2', port: 9151 })
    await mapper.stop()
  })

  it('with config "announce" set, the announced address stays and a line says so', async () => {
    const node = fakeNode(true)
    const lines: string[] = []
    const mapper = startPortMapping(node, (l) => lines.push(l), { finders: [async () => gateway(() => false)] })
    await mapper.settled()
    expect(node.contact.endpoint).toEqual({ address: '198.19.1.2', port: 9151 })
    expect(lines).toContain('port mapping: config "announce" is set, so peers are still told 198.19.1.2:9151')
    await mapper.stop()
  })
})
