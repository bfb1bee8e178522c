import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { type AddressInfo, connect, createServer } from 'node:net'
import { pathToFileURL } from 'node:url'
import { generateIdentity } from '../src/node/identity/identity.js'
import { InitiatorHandshake, localKeys, respondToIkInit, respondToXxInit, finishXx } from '../src/node/link/handshake.js'
import { createSigner } from '../src/node/link/link-crypto.js'
import { createLink, type Link } from '../src/node/link/link.js'
import { createUdpTransport, type UdpTransport } from '../src/node/transport/udp.js'
import { connectRate } from './support/connect-rate.js'
import { decodeLinkPacket, type IkInit, type IkResp, type XxFin, type XxInit, type XxResp } from '../src/node/wire/link-packets.js'

/**
 * Link-layer figures on loopback UDP, with a plain TCP baseline from the same run:
 *  link.handshake_per_s      full IK handshakes per second, both sides' CPU in this process
 *  link.handshake_xx_per_s   the same for XX
 *  link.handshake_udp_per_s  IK connects over real sockets, 64 at a time
 *  link.request_rtt_us       p50 of sequential 32-byte requests on an open session
 *  link.stream_mbps          64 MiB through one ReliableStream over loopback UDP (1200-byte datagrams)
 *  link.stream_probed_mbps   the same after the session probed 16 000-byte datagrams (loopback carries them)
 *  link.stream_probed_cpu_ns_per_byte  this process's CPU (both ends) per byte of that transfer
 *  link.stream_probed_acks_per_packet  datagrams back to the sender (its ACKs) per datagram it sent
 *  link.tcp_baseline_mbps    64 MiB through a node:net loopback socket
 *  link.stream_vs_tcp        their ratio
 */
export const summary = 'handshakes/s, request RTT, 64 MiB stream over UDP vs TCP loopback'

const BYTES = 64 * 1024 * 1024

function report (name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }))
}

function handshakeCpu (pattern: 'ik' | 'xx', seconds: number): number {
  const a = generateIdentity(); const b = generateIdentity()
  const ka = localKeys(a, createSigner(a.secretKey)); const kb = localKeys(b, createSigner(b.secretKey))
  const ctx = { localIndex: 2, minRank: 0, now: Date.now, maxSkewMs: 60_000 }
  let n = 0
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    const hs = new InitiatorHandshake(ka, { pattern, localIndex: 1, remotePublicKey: b.publicKey, minRank: 0, datagramSize: 1200, now: Date.now })
    if (pattern === 'ik') {
      const r = respondToIkInit(kb, decodeLinkPacket(hs.initPacket()) as IkInit, ctx)
      if (r.kind !== 'accepted') throw new Error('bench: IK refused')
      const done = hs.onResponse(decodeLinkPacket((r.respond as (f: Buffer) => Buffer)(Buffer.alloc(0))) as IkResp)
      if (done.kind !== 'established') throw new Error('bench: IK failed')
    } else {
      const r = respondToXxInit(kb, decodeLinkPacket(hs.initPacket()) as XxInit, ctx)
      if (r === undefined) throw new Error('bench: XX refused')
      const s = hs.onResponse(decodeLinkPacket(r.send) as XxResp)
      if (s.kind !== 'established') throw new Error('bench: XX failed')
      if (finishXx(kb, r.pending, decodeLinkPacket(s.send as Buffer) as XxFin, ctx).kind !== 'accepted') throw new Error('bench: XX fin failed')
    }
    n++
  }
  return n / seconds
}

interface UdpNode { link: Link, transport: UdpTransport }

async function udpNode (probeMtu?: number): Promise<UdpNode> {
  const transport = await createUdpTransport({ host: '127.0.0.1', port: 0 })
  return { link: createLink({ identity: generateIdentity(), transport, probeMtu }), transport }
}

async function closeNodes (nodes: UdpNode[]): Promise<void> {
  for (const n of nodes) { await n.link.close(); await n.transport.close() }
}

async function handshakesOverUdp (count: number, concurrency: number): Promise<number> {
  const server = await udpNode()
  const clients = await Promise.all(Array.from({ length: count }, udpNode))
  try {
    const to = { endpoint: server.transport.local, publicKey: server.link.identity.publicKey }
    return await connectRate(clients.map(c => c.link), to, concurrency)
  } finally {
    await closeNodes([server, ...clients])
  }
}

async function requestRtt (n: number): Promise<number> {
  const [a, b] = [await udpNode(), await udpNode()]
  try {
    b.link.registerService('echo', { onRequest: (_p, x) => x })
    const to = { endpoint: b.transport.local, publicKey: b.link.identity.publicKey }
    const payload = Buffer.alloc(32, 1)
    for (let i = 0; i < 200; i++) await a.link.request(to, 'echo', payload)
    const samples: number[] = []
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint()
      await a.link.request(to, 'echo', payload)
      samples.push(Number(process.hrtime.bigint() - t) / 1000)
    }
    samples.sort((x, y) => x - y)
    return samples[Math.floor(samples.length / 2)]
  } finally {
    await closeNodes([a, b])
  }
}

function * chunks (total: number, size: number): Generator<Buffer> {
  const block = createHash('sha512').update('link bench').digest()
  const chunk = Buffer.concat(Array(Math.ceil(size / block.length)).fill(block)).subarray(0, size)
  for (let off = 0; off < total; off += size) yield chunk.subarray(0, Math.min(size, total - off))
}

interface StreamRun { mbps: number, cpuNsPerByte: number, acksPerPacket: number }

async function streamOverUdp (probeMtu?: number): Promise<StreamRun> {
  const [a, b] = [await udpNode(probeMtu), await udpNode(probeMtu)]
  try {
    const done = new Promise<number>((resolve, reject) => {
      b.link.registerService('sink', {
        onStream: (_p, s) => {
          let n = 0
          s.on('data', (c: Buffer) => { n += c.length })
          s.on('end', () => { resolve(n); s.end() })
          s.on('error', reject)
        }
      })
    })
    const to = { endpoint: b.transport.local, publicKey: b.link.identity.publicKey }
    await a.link.connect(to)
    await new Promise(resolve => setTimeout(resolve, 50)) // let the datagram-size probe finish
    const s = await a.link.openStream(to, 'sink')
    s.on('error', () => {})
    const in0 = a.link.stats.datagramsIn; const out0 = a.link.stats.datagramsOut
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (const c of chunks(BYTES, 256 * 1024)) if (!s.write(c)) await once(s, 'drain')
    s.end()
    const got = await done
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    if (got !== BYTES) throw new Error(`bench: stream delivered ${got} of ${BYTES} bytes`)
    return {
      mbps: BYTES * 8 / 1e6 / (ms / 1000),
      cpuNsPerByte: (cpu.user + cpu.system) * 1000 / BYTES,
      acksPerPacket: (a.link.stats.datagramsIn - in0) / Math.max(1, a.link.stats.datagramsOut - out0)
    }
  } finally {
    await closeNodes([a, b])
  }
}

async function tcpBaseline (): Promise<number> {
  let received = 0
  const finished = new Promise<void>((resolve) => {
    const server = createServer((sock) => {
      sock.on('data', (c: Buffer) => { received += c.length })
      sock.on('end', () => { sock.end(); server.close(); resolve() })
    })
    server.listen(0, '127.0.0.1')
    void once(server, 'listening').then(async () => {
      const sock = connect((server.address() as AddressInfo).port, '127.0.0.1')
      await once(sock, 'connect')
      t0 = performance.now()
      for (const c of chunks(BYTES, 256 * 1024)) if (!sock.write(c)) await once(sock, 'drain')
      sock.end()
    })
  })
  let t0 = 0
  await finished
  const ms = performance.now() - t0
  if (received !== BYTES) throw new Error('bench: TCP baseline lost bytes')
  return BYTES * 8 / 1e6 / (ms / 1000)
}

export async function run (): Promise<void> {
  report('link.handshake_per_s', handshakeCpu('ik', 2), 'handshakes/s')
  report('link.handshake_xx_per_s', handshakeCpu('xx', 2), 'handshakes/s')
  report('link.handshake_udp_per_s', await handshakesOverUdp(400, 64), 'handshakes/s')
  report('link.request_rtt_us', await requestRtt(2000), 'us')
  const stream = (await streamOverUdp()).mbps
  report('link.stream_mbps', stream, 'Mbit/s')
  const probed = await streamOverUdp(16_000)
  report('link.stream_probed_mbps', probed.mbps, 'Mbit/s')
  report('link.stream_probed_cpu_ns_per_byte', probed.cpuNsPerByte, 'ns/byte')
  report('link.stream_probed_acks_per_packet', probed.acksPerPacket, 'ratio')
  const tcp = await tcpBaseline()
  report('link.tcp_baseline_mbps', tcp, 'Mbit/s')
  report('link.stream_vs_tcp', stream / tcp, 'ratio')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
}
