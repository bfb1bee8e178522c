import { type ChildProcess, fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { generateIdentity } from '../src/node/identity/identity.js'
import { createLink, type Link } from '../src/node/link/link.js'
import { createUdpTransport, type UdpTransport } from '../src/node/transport/udp.js'
import type { PeerAddress } from '../src/node/link/types.js'
import { supportScript } from './support/child.js'
import { connectRate } from './support/connect-rate.js'
import { pinUdxMtu } from './support/udx-mtu.js'
import { progress } from './util.js'

/**
 * Transport figures between TWO PROCESSES over loopback (the receiver is a
 * forked child, bench/support/transport-peer.ts), all measured in this run:
 *  transport.stream_mbps         Tornet's encrypted reliable link stream at 1,200-byte datagrams
 *  transport.stream_probed_mbps  the same after probing PROBED_BYTES-byte datagrams (loopback carries them)
 *  transport.udx_mbps            udx-native's stream (unencrypted) held at its 1,200-byte base MTU (support/udx-mtu.ts):
 *                                libudx's "mtu" counts IP and UDP headers, so that is a 1,172-byte UDP payload
 *                                carrying 1,152 data bytes, against Tornet's 1,200-byte payload carrying 1,145
 *  transport.udx_probed_mbps     udx-native after its own MTU probe (1,500 on loopback, its maximum)
 *  transport.tcp_mbps            a node:net loopback socket
 *  transport.stream_vs_udx       stream ÷ udx, both at 1,200 (target: ≥ 0.5)
 *  transport.stream_probed_vs_udx  stream_probed ÷ udx_probed, each after its own probe
 *  transport.loss1_mbps          Tornet's stream at 1,200 bytes through a relay process dropping 1% each way
 *  transport.rpc_per_s           32-byte echo requests, 64 in flight, on one session
 *  transport.handshakes_per_s    IK connects from fresh nodes, 32 at a time, to the child
 *  transport.<case>_cpu_ns_per_byte  CPU of both processes (process.cpuUsage) ÷ bytes delivered
 * Every figure carries `datagram_bytes` and the load average at the time (the machine may be shared).
 * Args: --mib N (default 64) bytes per stream case; --quick: only the 1,200-byte stream, udx and their ratio.
 */
export const summary = 'Tornet stream vs udx-native vs TCP between two processes, loss, RPC/s, handshakes/s'

const MTU = 1200
const PROBED_BYTES = 16_000
const CHUNK = 256 * 1024

function figure (name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  const load = loadavg().map(x => Math.round(x * 100) / 100)
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra, load }))
}

/** A forked receiver process answering the ops of transport-peer.ts. */
class Peer {
  private readonly child: ChildProcess
  private readonly queue: any[] = []
  private waiters: Array<(m: any) => void> = []

  constructor () {
    this.child = fork(supportScript('transport-peer'), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (m: any) => {
      const w = this.waiters.shift()
      if (w !== undefined) w(m); else this.queue.push(m)
    })
    this.child.on('exit', (code) => { for (const w of this.waiters.splice(0)) w({ op: 'error', message: `peer exited with ${String(code)}` }) })
  }

  async next (): Promise<any> {
    const m = this.queue.length > 0 ? this.queue.shift() : await new Promise<any>(resolve => this.waiters.push(resolve))
    if (m.op === 'error') throw new Error(`transport peer: ${String(m.message)}`)
    return m
  }

  async ask (msg: Record<string, unknown>): Promise<any> {
    this.child.send(msg)
    return await this.next()
  }

  async stop (): Promise<void> {
    this.child.disconnect()
    if (this.child.exitCode === null) await once(this.child, 'exit')
  }
}

function * chunks (total: number): Generator<Buffer> {
  const block = createHash('sha512').update('transport bench').digest()
  const chunk = Buffer.concat(Array(CHUNK / block.length).fill(block))
  for (let off = 0; off < total; off += CHUNK) yield chunk.subarray(0, Math.min(CHUNK, total - off))
}

interface StreamFigures { mbps: number, cpuNsPerByte: number, datagramBytes: number, extra?: Record<string, unknown>, split?: { sender: number, receiver: number } }

/** CPU ns per byte of each process, printed beside the total: which side to work on. */
function split (senderUs: number, receiverUs: number, bytes: number): { sender: number, receiver: number } {
  return { sender: Math.round(senderUs * 1000 / bytes * 100) / 100, receiver: Math.round(receiverUs * 1000 / bytes * 100) / 100 }
}

function cpuUs (c: NodeJS.CpuUsage): number { return c.user + c.system }

async function tornetNode (mtu: number, probeMtu: number): Promise<{ link: Link, transport: UdpTransport }> {
  const transport = await createUdpTransport({ host: '127.0.0.1', port: 0 })
  return { link: createLink({ identity: generateIdentity(), transport, mtu, probeMtu }), transport }
}

function peerAddress (m: any): PeerAddress {
  return { endpoint: { address: m.address, port: m.port }, publicKey: Buffer.from(m.publicKey, 'hex') }
}

async function tornetStream (peer: Peer, bytes: number, probeMtu: number, dropRate = 0): Promise<StreamFigures> {
  const ready = await peer.ask({ op: 'tornet', mtu: MTU, probeMtu })
  let to = peerAddress(ready)
  let relay: Peer | undefined
  if (dropRate > 0) {
    relay = new Peer()
    const r = await relay.ask({ op: 'relay', server: to.endpoint, dropRate })
    to = { ...to, endpoint: { address: r.address, port: r.port } }
  }
  const me = await tornetNode(MTU, probeMtu)
  try {
    const info = await me.link.connect(to)
    await new Promise(resolve => setTimeout(resolve, 100)) // let the datagram-size probe finish
    const s = await me.link.openStream(to, 'sink')
    s.on('error', () => {})
    const out0 = me.link.stats.datagramsOut; const in0 = me.link.stats.datagramsIn
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (const c of chunks(bytes)) if (!s.write(c)) await once(s, 'drain')
    s.end()
    const got = await peer.next()
    const ms = performance.now() - t0
    const senderUs = cpuUs(process.cpuUsage(cpu0))
    const cpu = senderUs + (got.cpuUs as number)
    if (got.bytes !== bytes) throw new Error(`bench: stream delivered ${String(got.bytes)} of ${bytes} bytes`)
    const out = me.link.stats.datagramsOut - out0
    return {
      mbps: bytes * 8 / 1e6 / (ms / 1000),
      cpuNsPerByte: cpu * 1000 / bytes,
      split: split(senderUs, got.cpuUs as number, bytes),
      datagramBytes: me.link.datagramSize(info.idHex) ?? 0,
      extra: { datagrams_out: out, acks_per_datagram: Math.round((me.link.stats.datagramsIn - in0) / Math.max(1, out) * 1000) / 1000, bytes_per_datagram: Math.round(bytes / Math.max(1, out)) }
    }
  } finally {
    await me.link.close(); await me.transport.close()
    await peer.ask({ op: 'close' })
    if (relay !== undefined) { await relay.ask({ op: 'close' }); await relay.stop() }
  }
}

interface UdxSocket { bind: (port: number, host: string) => void, address: () => { port: number }, close: () => Promise<void> }
interface UdxStream {
  id: number
  mtu: number
  connect: (socket: UdxSocket, remoteId: number, port: number, host: string) => void
  write: (b: Buffer) => boolean
  end: () => void
  on: (ev: string, fn: (...a: any[]) => void) => void
  once: (ev: string, fn: (...a: any[]) => void) => void
  destroy: () => void
}
interface Udx { createSocket: () => UdxSocket, createStream: (id: number) => UdxStream }

/** `pin`: hold both ends at udx's 1,200-byte base MTU instead of letting it probe (see support/udx-mtu.ts). */
async function udxStream (peer: Peer, bytes: number, pin: boolean): Promise<StreamFigures> {
  const UDX = createRequire(import.meta.url)('udx-native') as new () => Udx
  const u = new UDX()
  const socket = u.createSocket()
  socket.bind(0, '127.0.0.1')
  const stream = u.createStream(1)
  stream.on('error', () => {})
  try {
    const ready = await peer.ask({ op: 'udx' })
    const far = await peer.ask({ op: 'udx-connect', port: socket.address().port, id: stream.id, pin })
    stream.connect(socket, ready.id, ready.port, '127.0.0.1')
    if (pin && !(pinUdxMtu(stream) && far.pinned === true)) throw new Error('bench: could not hold udx-native at its base MTU (struct layout changed?)')
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (const c of chunks(bytes)) if (!stream.write(c)) await new Promise(resolve => stream.once('drain', resolve))
    stream.end()
    const got = await peer.next()
    const ms = performance.now() - t0
    const senderUs = cpuUs(process.cpuUsage(cpu0))
    const cpu = senderUs + (got.cpuUs as number)
    if (got.bytes !== bytes) throw new Error(`bench: udx delivered ${String(got.bytes)} of ${bytes} bytes`)
    // libudx's mtu includes the IPv4 (20) and UDP (8) headers: the datagram is 28 bytes less.
    const mtu = Math.max(stream.mtu, got.mtu as number)
    return { mbps: bytes * 8 / 1e6 / (ms / 1000), cpuNsPerByte: cpu * 1000 / bytes, datagramBytes: mtu - 28, extra: { udx_mtu: mtu, data_bytes_per_datagram: mtu - 48 }, split: split(senderUs, got.cpuUs as number, bytes) }
  } finally {
    stream.destroy()
    await socket.close()
    await peer.ask({ op: 'close' })
  }
}

async function tcpStream (peer: Peer, bytes: number): Promise<StreamFigures> {
  const ready = await peer.ask({ op: 'tcp' })
  const sock = connect(ready.port, '127.0.0.1')
  await once(sock, 'connect')
  try {
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (const c of chunks(bytes)) if (!sock.write(c)) await once(sock, 'drain')
    sock.end()
    const got = await peer.next()
    const ms = performance.now() - t0
    const cpu = cpuUs(process.cpuUsage(cpu0)) + (got.cpuUs as number)
    if (got.bytes !== bytes) throw new Error(`bench: TCP delivered ${String(got.bytes)} of ${bytes} bytes`)
    return { mbps: bytes * 8 / 1e6 / (ms / 1000), cpuNsPerByte: cpu * 1000 / bytes, datagramBytes: 65_483 }
  } finally {
    sock.destroy()
    await peer.ask({ op: 'close' })
  }
}

async function rpcRate (peer: Peer, seconds: number, inFlight: number): Promise<number> {
  const to = peerAddress(await peer.ask({ op: 'tornet', mtu: MTU, probeMtu: MTU }))
  const me = await tornetNode(MTU, MTU)
  try {
    await me.link.connect(to)
    const payload = Buffer.alloc(32, 7)
    for (let i = 0; i < 200; i++) await me.link.request(to, 'echo', payload)
    let n = 0
    const end = performance.now() + seconds * 1000
    const t0 = performance.now()
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) { await me.link.request(to, 'echo', payload); n++ }
    }))
    return n / ((performance.now() - t0) / 1000)
  } finally {
    await me.link.close(); await me.transport.close()
    await peer.ask({ op: 'close' })
  }
}

async function handshakeRate (peer: Peer, count: number, concurrency: number): Promise<number> {
  const to = peerAddress(await peer.ask({ op: 'tornet', mtu: MTU, probeMtu: MTU }))
  const clients = await Promise.all(Array.from({ length: count }, async () => await tornetNode(MTU, MTU)))
  try {
    return await connectRate(clients.map(c => c.link), to, concurrency)
  } finally {
    for (const c of clients) { await c.link.close(); await c.transport.close() }
    await peer.ask({ op: 'close' })
  }
}

function streamFigures (name: string, f: StreamFigures): void {
  figure(`transport.${name}_mbps`, f.mbps, 'Mbit/s', { datagram_bytes: f.datagramBytes, ...f.extra })
  figure(`transport.${name}_cpu_ns_per_byte`, f.cpuNsPerByte, 'ns/byte', { datagram_bytes: f.datagramBytes, ...(f.split === undefined ? {} : { sender_ns_per_byte: f.split.sender, receiver_ns_per_byte: f.split.receiver }) })
}

export async function run (args: string[]): Promise<void> {
  const i = args.indexOf('--mib')
  const bytes = (i >= 0 ? Number(args[i + 1]) : 64) * 1024 * 1024
  if (!(bytes > 0)) throw new Error('--mib takes a positive number of MiB')
  const peer = new Peer()
  try {
    progress(`transport: Tornet stream, ${bytes / 2 ** 20} MiB at ${MTU}-byte datagrams`)
    const stream = await tornetStream(peer, bytes, MTU)
    streamFigures('stream', stream)
    progress('transport: udx-native stream at its 1,200-byte base MTU')
    const udx = await udxStream(peer, bytes, true)
    streamFigures('udx', udx)
    figure('transport.stream_vs_udx', stream.mbps / udx.mbps, 'ratio', { datagram_bytes: stream.datagramBytes, udx_datagram_bytes: udx.datagramBytes })
    if (args.includes('--quick')) return
    progress(`transport: Tornet stream after probing ${PROBED_BYTES}-byte datagrams`)
    const probed = await tornetStream(peer, bytes, PROBED_BYTES)
    streamFigures('stream_probed', probed)
    progress('transport: udx-native stream after its own MTU probe')
    const udxProbed = await udxStream(peer, bytes, false)
    streamFigures('udx_probed', udxProbed)
    figure('transport.stream_probed_vs_udx', probed.mbps / udxProbed.mbps, 'ratio', { datagram_bytes: probed.datagramBytes, udx_datagram_bytes: udxProbed.datagramBytes })
    progress('transport: TCP')
    const tcp = await tcpStream(peer, bytes)
    streamFigures('tcp', tcp)
    figure('transport.stream_vs_tcp', stream.mbps / tcp.mbps, 'ratio', { datagram_bytes: stream.datagramBytes })
    progress('transport: Tornet stream through a relay process dropping 1% each way')
    const loss = await tornetStream(peer, Math.min(bytes, 32 * 2 ** 20), MTU, 0.01)
    streamFigures('loss1', loss)
    progress('transport: RPC rate')
    figure('transport.rpc_per_s', await rpcRate(peer, 3, 64), 'requests/s', { datagram_bytes: MTU })
    progress('transport: handshakes')
    figure('transport.handshakes_per_s', await handshakeRate(peer, 256, 32), 'handshakes/s', { datagram_bytes: MTU })
  } finally {
    await peer.stop()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2)).catch((err: unknown) => { console.error(err); process.exitCode = 1 })
}
