import { type PublishedItemStats, describeReachability, summarizePublished, type TornetNode } from '../../node/index.js'
import { spoolUploads } from '../../gateway/apps/dashboard/index.js'
import type { DashboardPort, PeerInfo, PublishedItem } from '../../gateway/apps/dashboard/port.js'
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
      version: '0.1.0',
      reachability: node.reach.last === undefined ? undefined : describeReachability(node.reach.last)
    }),
    peers: () => peerRows(node),
    storage: () => node.storeUsage(),
    traffic: () => {
      const t = node.trafficTotals()
      return { bytesIn: t.bytesIn, bytesOut: t.bytesOut, byKind: t.byKind }
    },
    published: () => withPopularity(published.list(), summarizePublished(node.publishedChunks())),
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

/** The dashboard's items with what the node's checks gathered for each (hosts, last check, reads an hour). */
export function withPopularity (items: PublishedItem[], stats: PublishedItemStats[]): PublishedItem[] {
  const byItem = new Map(stats.map(s => [s.item, s]))
  return items.map(i => {
    const s = byItem.get(i.reference)
    return s === undefined ? i : { ...i, hosts: s.minHosts, lastCheck: s.lastCheck, readsPerHour: s.readsPerHour }
  })
}

/**
 * Peers with an open session and the routing table's contacts, once each: sessions close when
 * idle (180 s) while the contact stays, and the dashboard counts both.
 */
function peerRows (node: TornetNode): PeerInfo[] {
  const table = new Set<string>()
  const contacts = node.routingBuckets().flatMap(b => b.contacts)
  for (const c of contacts) table.add(c.id.toString('hex'))
  const rows = new Map<string, PeerInfo>()
  for (const p of node.peers()) {
    const id = p.id.toString('hex')
    rows.set(id, {
      id,
      endpoint: `${p.endpoint.address}:${p.endpoint.port}`,
      rank: p.rank,
      rttMs: p.rttMs,
      bytesIn: p.bytesReceived,
      bytesOut: p.bytesSent,
      lastSeen: p.lastContact ?? Date.now(),
      session: true,
      inTable: table.has(id)
    })
  }
  const idle = contacts.filter(c => !rows.has(c.id.toString('hex')))
  const accounts = idle.length === 0 ? new Map() : new Map(node.peerAccounts().map(a => [a.id.toString('hex'), a]))
  for (const c of idle) {
    const id = c.id.toString('hex')
    const account = accounts.get(id)
    rows.set(id, {
      id,
      endpoint: `${c.endpoint.address}:${c.endpoint.port}`,
      rank: c.rank,
      rttMs: c.rttMs,
      bytesIn: account?.bytesReceived ?? 0,
      bytesOut: account?.bytesSent ?? 0,
      lastSeen: c.lastSeen,
      session: false,
      inTable: true
    })
  }
  return [...rows.values()]
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
