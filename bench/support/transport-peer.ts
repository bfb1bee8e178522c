import { once } from 'node:events'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { createRequire } from 'node:module'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { createLink, type Link } from '../../src/node/link/link.js'
import { createUdpTransport, type UdpTransport } from '../../src/node/transport/udp.js'
import { createUdpFaultRelay, type FaultRelay } from '../../test/helpers/udp-fault-relay.js'
import type { LinkStream } from '../../src/node/link/types.js'
import { pinUdxMtu } from './udx-mtu.js'

/**
 * The far end of the transport benchmark, in its own process (forked with an
 * IPC channel) so neither side's CPU is the other's: it receives one stream
 * per case (Tornet link stream, udx-native stream or TCP), counts the bytes,
 * and answers with the byte count and this process's CPU time from the first
 * byte to the end. It also answers echo requests (RPC rate), accepts
 * handshakes, or runs as a lossy UDP relay between the two.
 *
 * Messages in:  {op:'tornet', mtu, probeMtu} | {op:'udx'} | {op:'udx-connect', port, id, pin} | {op:'tcp'}
 *               | {op:'relay', server, dropRate} | {op:'close'}
 * Messages out: {op:'ready', …endpoint} | {op:'connected'} | {op:'received', bytes, cpuUs} | {op:'closed'} | {op:'error', message}
 */

interface UdxSocket { bind: (port: number, host: string) => void, address: () => { port: number }, close: () => Promise<void> }
interface UdxStream {
  id: number
  mtu: number
  connect: (socket: UdxSocket, remoteId: number, port: number, host: string) => void
  on: (ev: string, fn: (...a: any[]) => void) => void
  end: () => void
  destroy: () => void
}
interface Udx { createSocket: () => UdxSocket, createStream: (id: number) => UdxStream }

let link: Link | undefined
let transport: UdpTransport | undefined
let udx: { socket: UdxSocket, stream: UdxStream } | undefined
let tcp: Server | undefined
let relay: FaultRelay | undefined

function send (msg: Record<string, unknown>): void { process.send?.(msg) }

/** Counts a byte stream; reports bytes and CPU from its first byte (or open) to its end. */
function sink (onChunk: (fn: (c: Buffer) => void) => void, onEnd: (fn: () => void) => void, extra: () => Record<string, unknown> = () => ({})): void {
  let bytes = 0
  const cpu0 = process.cpuUsage()
  onChunk((c) => { bytes += c.length })
  onEnd(() => {
    const cpu = process.cpuUsage(cpu0)
    send({ op: 'received', bytes, cpuUs: cpu.user + cpu.system, ...extra() })
  })
}

async function startTornet (mtu: number, probeMtu: number): Promise<void> {
  transport = await createUdpTransport({ host: '127.0.0.1', port: 0 })
  // Handshakes for the handshake figure all come from 127.0.0.1: a public node would ask this
  // one host for cookies, which measures the limiter rather than the handshake.
  link = createLink({ identity: generateIdentity(), transport, mtu, probeMtu, cookies: 'never', limits: { initsPerAddressPerSecond: 1e6, initsPerNetworkPerSecond: 1e6, maxRecentInitsPerAddress: 16_384 } })
  link.registerService('echo', { onRequest: (_p, x) => x })
  link.registerService('sink', {
    onStream: (_p, s: LinkStream) => {
      s.on('error', () => {})
      sink(fn => s.on('data', fn), fn => s.on('end', () => { fn(); s.end() }))
    }
  })
  send({ op: 'ready', address: transport.local.address, port: transport.local.port, publicKey: link.identity.publicKey.toString('hex') })
}

function startUdx (): void {
  const UDX = createRequire(import.meta.url)('udx-native') as new () => Udx
  const u = new UDX()
  const socket = u.createSocket()
  socket.bind(0, '127.0.0.1')
  const stream = u.createStream(2)
  udx = { socket, stream }
  stream.on('error', () => {})
  sink(fn => stream.on('data', fn), fn => stream.on('end', () => { fn(); stream.end() }), () => ({ mtu: stream.mtu }))
  send({ op: 'ready', port: socket.address().port, id: stream.id })
}

async function startTcp (): Promise<void> {
  tcp = createServer((sock) => {
    sock.setNoDelay(false)
    sink(fn => sock.on('data', fn), fn => sock.on('end', () => { fn(); sock.end() }))
  })
  tcp.listen(0, '127.0.0.1')
  await once(tcp, 'listening')
  send({ op: 'ready', port: (tcp.address() as AddressInfo).port })
}

async function closeAll (): Promise<void> {
  if (link !== undefined) { await link.close(); link = undefined }
  if (transport !== undefined) { await transport.close(); transport = undefined }
  if (udx !== undefined) { udx.stream.destroy(); await udx.socket.close(); udx = undefined }
  if (tcp !== undefined) { tcp.close(); tcp = undefined }
  if (relay !== undefined) { await relay.close(); relay = undefined }
}

async function handle (msg: any): Promise<void> {
  switch (msg.op) {
    case 'tornet': await startTornet(msg.mtu, msg.probeMtu); break
    case 'udx': startUdx(); break
    case 'udx-connect': {
      udx?.stream.connect(udx.socket, msg.id, msg.port, '127.0.0.1')
      // pin: hold udx at its 1,200-byte base MTU (see udx-mtu.ts), as the sender does.
      const pinned = msg.pin === true && udx !== undefined ? pinUdxMtu(udx.stream) : false
      send({ op: 'connected', pinned })
      break
    }
    case 'tcp': await startTcp(); break
    case 'relay':
      relay = await createUdpFaultRelay(msg.server, { seed: 18, dropRate: msg.dropRate })
      send({ op: 'ready', address: relay.endpoint.address, port: relay.endpoint.port })
      break
    case 'stats': send({ op: 'stats', relay: relay?.stats }); break
    case 'close': await closeAll(); send({ op: 'closed' }); break
    default: throw new Error(`unknown op ${String(msg.op)}`)
  }
}

process.on('message', (msg) => {
  handle(msg).catch((err: unknown) => send({ op: 'error', message: err instanceof Error ? err.message : String(err) }))
})
process.on('disconnect', () => { void closeAll().finally(() => process.exit(0)) })
