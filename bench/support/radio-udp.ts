import { createTestnet } from '../../src/node/testnet.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import type { Listening } from '../../src/node/services/radio/radio-api.js'
import { sleep } from '../util.js'

/**
 * Relay CPU on real loopback UDP: `nodes` real nodes (UDP, encrypted links,
 * LMDB) in this process, node 0 broadcasting 128 kbit/s in 250 ms segments,
 * `listeners` listen() calls spread round-robin over the other nodes (a node
 * shares one subscription among its local listeners, as the gateway does).
 * Process CPU over `audioSeconds` of audio, minus the same span measured with
 * the network idle, divided by listeners and seconds.
 */
export interface RadioUdpFigures {
  cpuMsPerListenerSecond: number
  idleCpuMsPerSecond: number
  audioSeconds: number
  listeners: number
  /** Share of the audio segments the listeners got (a sanity check on the figure). */
  kept: number
}

export async function runRadioUdp (o: { nodes: number, listeners: number, audioSeconds?: number, onProgress?: (m: string) => void }): Promise<RadioUdpFigures> {
  const audioSeconds = o.audioSeconds ?? 20
  const net = await createTestnet(o.nodes)
  try {
    o.onProgress?.('udp: nodes joined; measuring idle CPU…')
    const idle0 = process.cpuUsage()
    await sleep(audioSeconds * 1000)
    const idle = process.cpuUsage(idle0)
    const idleMsPerS = (idle.user + idle.system) / 1000 / audioSeconds

    const id = generateIdentity()
    const key = { publicKey: id.publicKey, privateKey: id.secretKey }
    const b = net.nodes[0].radio.broadcast(key, { label: 'udp-bench', codec: 'mp3', bitrateKbps: 128 })
    let sent = 0
    const timer = setInterval(() => { b.pushAudio(Buffer.alloc(4000, sent & 0xff), 250); sent++ }, 250)
    await sleep(1_500)
    const handles: Listening[] = []
    let received = 0
    for (let i = 0; i < o.listeners; i++) {
      const node = net.nodes[1 + (i % (o.nodes - 1))]
      const l = await node.radio.listen(key.publicKey)
      l.on('segment', s => { if (s.kind === 'audio') received++ })
      handles.push(l)
    }
    o.onProgress?.(`udp: ${o.listeners} listeners on ${o.nodes - 1} nodes; measuring ${audioSeconds} s of audio…`)
    await sleep(2_000)
    const sentBefore = sent
    const receivedBefore = received
    const busy0 = process.cpuUsage()
    await sleep(audioSeconds * 1000)
    const busy = process.cpuUsage(busy0)
    const sentDuring = sent - sentBefore
    const receivedDuring = received - receivedBefore
    clearInterval(timer)
    for (const h of handles) h.close()
    await b.close()
    const busyMs = (busy.user + busy.system) / 1000
    return {
      cpuMsPerListenerSecond: Math.max(0, busyMs - idleMsPerS * audioSeconds) / o.listeners / audioSeconds,
      idleCpuMsPerSecond: idleMsPerS,
      audioSeconds,
      listeners: o.listeners,
      kept: receivedDuring / (sentDuring * o.listeners)
    }
  } finally {
    await net.close()
  }
}
