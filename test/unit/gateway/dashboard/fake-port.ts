/** An in-memory DashboardPort that records what publish() received. */
import type { DashboardPort, NodeStatus, PeerInfo, PublishedItem, StorageInfo, TrafficInfo, UploadedFile } from '../../../../src/gateway/apps/dashboard/port.js'

export interface ReceivedUpload {
  title: string
  files: Array<{ path: string, bytes: Buffer }>
}

export interface FakePort extends DashboardPort {
  uploads: ReceivedUpload[]
  statusValue: NodeStatus
  peersValue: PeerInfo[]
  storageValue: StorageInfo
  trafficValue: TrafficInfo
  publishedValue: PublishedItem[]
  registered: Array<{ name: string, reference: string }>
  /** When set, publish() throws this after reading the files. */
  publishError?: Error
}

export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0)

export function fakePort (opts: { names?: boolean } = {}): FakePort {
  const port: FakePort = {
    uploads: [],
    registered: [],
    statusValue: {
      id: 'a1b2c3d4'.repeat(8),
      rank: 21,
      publicKey: 'f0e1d2c3'.repeat(8),
      startedAt: NOW - 3 * 3600_000,
      listen: '0.0.0.0:9151',
      gatewayUrl: 'http://127.0.0.1:9150',
      version: '0.1.0'
    },
    peersValue: [
      { id: '11'.repeat(32), endpoint: '192.0.2.1:9151', rank: 18, rttMs: 42.4, bytesIn: 1_500_000, bytesOut: 20_000, lastSeen: NOW - 10_000 },
      { id: '22'.repeat(32), endpoint: '198.51.100.7:9151', rank: 24, bytesIn: 0, bytesOut: 512, lastSeen: NOW - 600_000 }
    ],
    storageValue: { localBytes: 5 * 1024 * 1024, localCount: 6, cacheBytes: 300 * 1024 * 1024, cacheCount: 310, cacheLimit: 1024 * 1024 * 1024 },
    trafficValue: { bytesIn: 7_000_000, bytesOut: 3_000_000, byKind: { chunks: { in: 6_000_000, out: 2_500_000 }, dht: { in: 1_000_000, out: 500_000 } } },
    publishedValue: [
      { reference: 'aaaa.bbbb', url: 'http://aaaa.bbbb.tor-net/', name: 'blog', nameUrl: 'http://blog.tor-net/', title: 'My blog', files: 12, bytes: 123_456, publishedAt: NOW - 86_400_000 }
    ],
    status () { return port.statusValue },
    peers () { return port.peersValue },
    storage () { return port.storageValue },
    traffic () { return port.trafficValue },
    published () { return port.publishedValue },
    async publish (files: AsyncIterable<UploadedFile> | Iterable<UploadedFile>, opts) {
      const upload: ReceivedUpload = { title: opts.title, files: [] }
      for await (const file of files) {
        const chunks: Buffer[] = []
        for await (const chunk of file.open()) chunks.push(Buffer.from(chunk))
        upload.files.push({ path: file.path, bytes: Buffer.concat(chunks) })
      }
      port.uploads.push(upload)
      if (port.publishError !== undefined) throw port.publishError
      const reference = `ref${port.uploads.length}.x`
      const url = `http://${reference}.tor-net/`
      port.publishedValue = [...port.publishedValue, {
        reference, url, title: opts.title, files: upload.files.length, bytes: upload.files.reduce((n, f) => n + f.bytes.length, 0), publishedAt: NOW
      }]
      return { reference, url }
    }
  }
  if (opts.names === true) {
    port.registerName = async (name: string, reference: string) => {
      port.registered.push({ name, reference })
      return { url: `http://${name}.tor-net/` }
    }
  }
  return port
}
