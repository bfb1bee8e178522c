import { createHmac } from 'node:crypto'
import { parseArgs } from 'node:util'
import { generateIdentity } from '../src/node/identity/identity.js'
import { createLink } from '../src/node/link/link.js'
import { MemoryNetwork } from '../src/node/transport/memory.js'
import { encodeLinkPacket, MIN_INIT_BYTES, PacketType } from '../src/node/wire/link-packets.js'
import { emit, progress } from './util.js'

/**
 * What a spoofed handshake flood costs the node it hits: N XX inits, each from its own source
 * address and /24, delivered to one node on the in-memory network (its clock stopped, so the
 * whole flood falls into one rate window), against a baseline of one HMAC-SHA256 over each
 * 1,200-byte datagram (the least a stateless cookie check can cost) in the same run. Heap is
 * measured after a full GC (run with --expose-gc) before and after the flood.
 *
 *   npm run bench -- link-abuse [--sources 100000]
 */

export const summary = 'spoofed handshake flood: CPU per init and heap, against one HMAC per datagram'

const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }
const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed }
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { sources: { type: 'string', default: '100000' } } })
  const sources = Number(values.sources)
  const network = new MemoryNetwork()
  const T0 = Date.now()
  const transport = network.createTransport()
  const link = createLink({ identity: generateIdentity(), transport, now: () => T0 })
  const packet = Buffer.from(encodeLinkPacket({ type: PacketType.XX_INIT, senderIndex: 1, ephemeral: Buffer.alloc(32, 0x40), cookie: Buffer.alloc(0) }, MIN_INIT_BYTES))
  const replies = { bytes: 0, count: 0 }
  network.tap = (data, from) => { if (from.port === transport.local.port && from.address === transport.local.address) { replies.count++; replies.bytes += data.length } }

  const heapBefore = heap()
  const cpu0 = cpuMs()
  for (let i = 0; i < sources; i++) {
    packet.writeUInt32LE(i, 2)
    packet.writeUInt32LE(i + 1, 6)
    network.deliver(packet, { address: `${11 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}.1`, port: 40_000 }, transport.local)
    if (i % 2000 === 1999) await new Promise(resolve => setImmediate(resolve))
  }
  await new Promise(resolve => setTimeout(resolve, 50))
  const cpu = cpuMs() - cpu0
  const heapAfter = heap()

  // Baseline: one HMAC-SHA256 over each datagram, the same count.
  const key = Buffer.alloc(32, 7)
  const b0 = cpuMs()
  let sink = 0
  for (let i = 0; i < sources; i++) { packet.writeUInt32LE(i, 2); sink ^= createHmac('sha256', key).update(packet).digest()[0] }
  const base = cpuMs() - b0
  if (sink === 256) progress('')

  emit('link_abuse.cpu_us_per_spoofed_init', cpu * 1000 / sources, 'us', { sources, baseline_hmac_us: base * 1000 / sources, ratio: cpu / base })
  emit('link_abuse.heap_growth_mib', (heapAfter - heapBefore) / 1048576, 'MiB', { sources, heap_before_mib: heapBefore / 1048576, heap_after_mib: heapAfter / 1048576, gc: typeof (globalThis as { gc?: unknown }).gc === 'function' })
  emit('link_abuse.reply_bytes_per_init', replies.bytes / sources, 'bytes', { init_bytes: MIN_INIT_BYTES, replies: replies.count, cookies: link.stats.cookiesSent })
  await link.close()
  await transport.close()
}
