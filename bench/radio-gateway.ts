import { connect, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { serveGateway } from '../src/cli/serve/serve-gateway.js'
import type { RadioService } from '../src/gateway/apps/radio/index.js'
import { generateIdentity } from '../src/node/identity/identity.js'
import { createTestnet, type TornetNode } from '../src/node/index.js'
import { median, percentile, round } from './support/stats.js'
import { emit, progress, sleep } from './util.js'

/**
 * The radio gateway app (issue 14) on real nodes: node 0 broadcasts a
 * station at --kbps in 500 ms segments, node 1 serves the gateway (the same
 * serveGateway as `npm start`), and --listeners HTTP clients in this process
 * play http://127.0.0.1:<port>/radio/<station> with Icy-MetaData: 1 (as VLC
 * does), reading and discarding the audio.
 *
 *   radio_gateway.join_first_byte_ms   the first listener: request → first audio byte, the gateway
 *                                      node joining the station's tree on the way
 *   radio_gateway.first_byte_ms_p50    later listeners (the station already carried): request →
 *                                      first audio byte; _p99 too
 *   radio_gateway.burst_audio_ms       audio a new listener holds 300 ms after its request (the
 *                                      burst-on-connect: playback starts without waiting)
 *   radio_gateway.cpu_ms_per_listener_s  process CPU with the listeners minus without, per
 *                                      listener per second of audio, over --seconds; the clients'
 *                                      own reads share the process, so this is an upper bound
 *
 *   npm run bench -- radio-gateway [--listeners 200] [--seconds 10] [--kbps 128]
 */
export const summary = 'radio through the gateway: first-byte times, burst on connect, CPU per listener'

interface Client { socket: Socket, bytes: number, firstByteMs: number | undefined, startedAt: number }

export async function run (args: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { listeners: { type: 'string', default: '200' }, seconds: { type: 'string', default: '10' }, kbps: { type: 'string', default: '128' } }
  })
  const listeners = Number(values.listeners)
  const seconds = Number(values.seconds)
  const kbps = Number(values.kbps)
  progress('radio-gateway: starting 2 nodes on 127.0.0.1')
  const net = await createTestnet(2, { probeMtu: 16_000 })
  const served = await serveGateway(net.nodes[1]!, { port: 0 })
  const key = generateIdentity()
  const broadcast = net.nodes[0]!.radio.broadcast({ publicKey: key.publicKey, privateKey: key.secretKey }, { label: 'bench', codec: 'mp3', bitrateKbps: kbps })
  broadcast.setNowPlaying('Benchmark tone')
  const segmentBytes = Math.round(kbps * 1000 / 8 / 2)
  const feed = setInterval(() => broadcast.pushAudio(Buffer.alloc(segmentBytes, 0x55), 500), 500)
  const url = `/radio/${key.publicKey.toString('hex')}`
  const clients: Client[] = []
  try {
    await sleep(2_000) // some audio for the burst buffer
    const first = await listen(served.gateway.address.port, url)
    clients.push(first)
    await until(() => first.firstByteMs !== undefined, 20_000)
    emit('radio_gateway.join_first_byte_ms', round(first.firstByteMs!), 'ms')

    const idle = await cpuOver(seconds, () => progress(`radio-gateway: 1 listener for ${seconds} s`))
    progress(`radio-gateway: connecting ${listeners} more listeners`)
    for (let i = 0; i < listeners; i++) clients.push(await listen(served.gateway.address.port, url))
    await until(() => clients.every(c => c.firstByteMs !== undefined), 20_000)
    const later = clients.slice(1).map(c => c.firstByteMs!)
    emit('radio_gateway.first_byte_ms_p50', round(median(later)), 'ms', { listeners })
    emit('radio_gateway.first_byte_ms_p99', round(percentile(later, 99)), 'ms', { listeners })

    const probe = await listen(served.gateway.address.port, url)
    await sleep(300)
    emit('radio_gateway.burst_audio_ms', Math.round(probe.bytes / (kbps * 1000 / 8) * 1000), 'ms', { bytes: probe.bytes })
    probe.socket.destroy()

    const busy = await cpuOver(seconds, () => progress(`radio-gateway: ${listeners + 1} listeners for ${seconds} s`))
    emit('radio_gateway.cpu_ms_per_listener_s', round((busy - idle) / listeners / seconds, 4), 'ms', { listeners, kbps, seconds })
  } finally {
    clearInterval(feed)
    for (const c of clients) c.socket.destroy()
    await broadcast.close().catch(() => {})
    await served.close()
    await net.close()
  }
}

async function listen (port: number, path: string): Promise<Client> {
  const socket = connect(port, '127.0.0.1')
  const client: Client = { socket, bytes: 0, firstByteMs: undefined, startedAt: performance.now() }
  let head = true
  socket.on('data', (chunk: Buffer) => {
    if (head) {
      const end = chunk.indexOf('\r\n\r\n')
      if (end < 0) return
      head = false
      chunk = chunk.subarray(end + 4)
    }
    if (chunk.length > 0 && client.firstByteMs === undefined) client.firstByteMs = performance.now() - client.startedAt
    client.bytes += chunk.length
  })
  socket.on('error', () => {})
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nIcy-MetaData: 1\r\n\r\n`)
  return client
}

async function until (check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('radio-gateway: listeners did not get audio in time')
    await sleep(20)
  }
}

/** CPU ms (user + system) this process spends over `seconds`. */
async function cpuOver (seconds: number, say: () => void): Promise<number> {
  say()
  const before = process.cpuUsage()
  await sleep(seconds * 1000)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}
