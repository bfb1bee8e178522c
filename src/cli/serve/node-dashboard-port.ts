import { type TornetNode } from '../../node/index.js'
import { spoolUploads } from '../../gateway/apps/dashboard/index.js'
import type { DashboardPort, PublishedItem } from '../../gateway/apps/dashboard/port.js'
import { PublishedList } from './published-list.js'

/** The dashboard's view of a running node. */
export function nodeDashboardPort (node: TornetNode, gatewayUrl: string, published: PublishedList): DashboardPort {
  return {
    status: () => ({
      id: node.identity.id.toString('hex'),
      rank: node.identity.rank,
      publicKey: node.identity.publicKey.toString('hex'),
      startedAt: node.startedAt,
      listen: `${node.endpoint.address}:${node.endpoint.port}`,
      gatewayUrl,
      version: '0.1.0'
    }),
    peers: () => node.peers().map(p => ({
      id: p.id.toString('hex'),
      endpoint: `${p.endpoint.address}:${p.endpoint.port}`,
      rank: p.rank,
      rttMs: p.rttMs,
      bytesIn: p.bytesReceived,
      bytesOut: p.bytesSent,
      lastSeen: p.lastContact ?? Date.now()
    })),
    storage: () => node.storeUsage(),
    traffic: () => {
      const t = node.trafficTotals()
      return { bytesIn: t.bytesIn, bytesOut: t.bytesOut, byKind: t.byKind }
    },
    published: () => published.list(),
    publish: async (files, opts) => {
      const spool = spoolUploads(files, { signal: opts.signal })
      try {
        let count = 0
        let bytes = 0
        const result = await node.publish((async function * () {
          for await (const f of spool.files) { count++; bytes += f.size; yield f }
        })(), { signal: opts.signal })
        const item: PublishedItem = { reference: result.host, url: result.url, title: opts.title, files: count, bytes, publishedAt: Date.now() }
        await published.add(item)
        return { reference: result.host, url: result.url }
      } finally {
        await spool.close()
      }
    },
    registerName: async (name, reference) => {
      const r = await node.names.register(name, { kind: 'content', value: referenceValue(reference) })
      await published.setName(reference, r.name)
      return { url: `http://${r.name}.tor-net/` }
    }
  }
}

function referenceValue (reference: string): Buffer {
  // Imported lazily to keep the port's surface to the node's public face.
  return referenceBytes(reference)
}

import { parseReference } from '../../node/index.js'
function referenceBytes (reference: string): Buffer {
  const ref = parseReference(reference)
  return Buffer.concat([ref.id, ref.key])
}
