import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { mulberry32 } from '../../src/node/transport/memory.js'
import type { Endpoint } from '../../src/node/types.js'

/**
 * A UDP relay between one client and one server with seeded faults, for
 * tests over real sockets: the client sends to `relay.endpoint` as if it were
 * the server; the relay forwards from its own back socket to the server and
 * the answers back to the client. In each direction, independently, a
 * datagram is dropped with `dropRate`, sent twice with `duplicateRate`, and
 * held back `1..reorderMaxMs` ms with `reorderRate` (so later ones overtake it).
 */
export interface FaultRelayOptions {
  seed?: number
  dropRate?: number
  duplicateRate?: number
  reorderRate?: number
  reorderMaxMs?: number
  host?: string
}

export interface FaultRelay {
  endpoint: Endpoint
  stats: { forwarded: number, dropped: number, duplicated: number, reordered: number }
  close: () => Promise<void>
}

export async function createUdpFaultRelay (server: Endpoint, opts: FaultRelayOptions = {}): Promise<FaultRelay> {
  const host = opts.host ?? '127.0.0.1'
  const type = host.includes(':') ? 'udp6' : 'udp4'
  const random = mulberry32(opts.seed ?? 1)
  const stats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 }
  const front = createSocket(type)
  const back = createSocket(type)
  await Promise.all([bind(front, host), bind(back, host)])
  for (const s of [front, back]) {
    try { s.setRecvBufferSize(8 * 1024 * 1024); s.setSendBufferSize(8 * 1024 * 1024) } catch { /* capped */ }
  }
  let client: Endpoint | undefined
  const timers = new Set<NodeJS.Timeout>()

  const forward = (via: Socket, data: Buffer, to: Endpoint): void => {
    if (random() < (opts.dropRate ?? 0)) { stats.dropped++; return }
    const copies = random() < (opts.duplicateRate ?? 0) ? 2 : 1
    if (copies === 2) stats.duplicated++
    for (let i = 0; i < copies; i++) {
      if (random() < (opts.reorderRate ?? 0)) {
        stats.reordered++
        const t = setTimeout(() => { timers.delete(t); send(via, data, to) }, 1 + Math.floor(random() * (opts.reorderMaxMs ?? 5)))
        timers.add(t)
      } else {
        send(via, data, to)
      }
    }
  }
  const send = (via: Socket, data: Buffer, to: Endpoint): void => {
    stats.forwarded++
    via.send(data, to.port, to.address, () => {})
  }
  front.on('message', (msg: Buffer, r: RemoteInfo) => {
    client = { address: r.address, port: r.port }
    forward(back, msg, server)
  })
  back.on('message', (msg: Buffer) => {
    if (client !== undefined) forward(front, msg, client)
  })
  const a = front.address()
  return {
    endpoint: { address: a.address, port: a.port },
    stats,
    close: async () => {
      for (const t of timers) clearTimeout(t)
      await Promise.all([close(front), close(back)])
    }
  }
}

async function bind (s: Socket, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject)
    s.bind(0, host, () => { s.off('error', reject); resolve() })
  })
}

async function close (s: Socket): Promise<void> {
  await new Promise<void>((resolve) => s.close(() => resolve()))
}
