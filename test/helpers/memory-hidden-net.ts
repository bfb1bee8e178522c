import { mkdtempSync, rmSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { type KvService, createKvService } from '../../src/node/services/kv/kv-service.js'
import { type HiddenServicesOptions, type HiddenServicesRuntime, createHiddenServices } from '../../src/node/services/tunnels/hidden/hidden-services.js'
import { createMemoryNetwork, type MemoryServiceNode } from './memory-service-network.js'
import { MemoryTunnelNet, type MemoryTunnelNode } from './memory-tunnels.js'

/**
 * N nodes, each with kv on a MemoryServiceNetwork, tunnels from the
 * MemoryTunnelNet test double and hidden services on top: the hidden-service
 * protocol in one process, for unit tests (the integration test uses real
 * circuits on UDP).
 */
export interface HiddenTestNode {
  net: MemoryServiceNode
  kv: KvService
  tunnels: MemoryTunnelNode
  hidden: HiddenServicesRuntime
  dataDir: string
}

export interface HiddenTestNet {
  nodes: HiddenTestNode[]
  tunnels: MemoryTunnelNet
  close: () => Promise<void>
}

export function createHiddenTestNet (n: number, opts: Partial<Omit<HiddenServicesOptions, 'dataDir' | 'tunnels' | 'relays' | 'kv' | 'selfId'>> = {}, hopDelayMs = 0): HiddenTestNet {
  const { nodes: netNodes } = createMemoryNetwork(n, { k: 6 })
  const tunnels = new MemoryTunnelNet({ hopDelayMs })
  // Descriptors carry IP endpoints: give each node a made-up one (the double routes by id).
  const contacts = netNodes.map((x, i) => ({ ...x.self, endpoint: { address: `10.0.${i >> 8}.${(i & 0xff) + 1}`, port: 7000 } }))
  const nodes = netNodes.map((net, i) => {
    const kv = createKvService({ network: net, identity: net.identity, republishIntervalMs: 0 })
    kv.start()
    const t = tunnels.add(contacts[i])
    const dataDir = mkdtempSync(join(tmpdir(), 'hs-node-'))
    const hidden = createHiddenServices({
      ...opts, dataDir, tunnels: t.service, kv, selfId: net.identity.id,
      relays: { candidates: () => contacts.filter(c => tunnels.node(c.id)?.alive === true) }
    })
    hidden.start()
    return { net, kv, tunnels: t, hidden, dataDir }
  })
  return {
    nodes,
    tunnels,
    close: async () => {
      for (const x of nodes) {
        await x.hidden.stop()
        await x.tunnels.service.stop()
        await x.kv.stop()
        rmSync(x.dataDir, { recursive: true, force: true })
      }
    }
  }
}

/** A local HTTP server that answers `body` and records the remote address of every connection. */
export async function startRecordingServer (body: string): Promise<{ server: Server, port: number, remotes: string[], close: () => Promise<void> }> {
  const remotes: string[] = []
  const server = createServer((req, res) => { res.end(body) })
  server.on('connection', s => { remotes.push(s.remoteAddress ?? '?') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { server, port, remotes, close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) } }
}

/** Sends a minimal HTTP/1.1 GET on `stream` and returns everything the server sent until it closed. */
export async function httpGetOver (stream: Duplex, host = 'hidden.tor-net'): Promise<string> {
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', reject)
  })
  stream.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
  await done
  return Buffer.concat(chunks).toString('utf8')
}
