import { duplexPair, type Duplex } from 'node:stream'
import { generateIdentity, type Identity } from '../../src/node/identity/identity.js'
import { makeContact, type Contact } from '../../src/node/routing/contact.js'
import type { ServiceHandler, ServiceNetwork } from '../../src/node/services/service-network.js'
import { CELL_BYTES, decodeLinkCell, encodeLinkCell, LinkCommand, type LinkCell } from '../../src/node/services/tunnels/cell.js'
import { decodeHandshakeBody, encodeHandshakeBody } from '../../src/node/services/tunnels/create-body.js'
import { ntorClientFinish, ntorClientStart, ntorServerRespond } from '../../src/node/services/tunnels/ntor.js'
import { deriveHopKeys, unwrapBackward, wrapForward, type HopLayer } from '../../src/node/services/tunnels/onion.js'
import { decodeExtended, decodeRelayMessage, encodeExtend, encodeRelayMessage, RelayCommand } from '../../src/node/services/tunnels/relay-message.js'
import { createTunnelService } from '../../src/node/services/tunnels/tunnel-service.js'

/**
 * One relay's forwarding rate, the relay alone: a real tunnel service whose
 * link streams are in-memory pipes. This process plays the origin on one
 * side (CREATE, EXTEND, then a burst of pre-wrapped cells) and the next hop
 * on the other (answers CREATE, counts cells). The figure is the relay's
 * framing, layer check and re-framing per cell; the link's own encryption is
 * left out (the link bench measures it).
 */
class CellReader {
  private buf = Buffer.alloc(0)
  private waiters: Array<() => void> = []
  /** Bytes seen in all; when `counting`, they are only counted, not kept. */
  bytes = 0
  counting = false
  constructor (stream: Duplex) {
    stream.on('data', (b: Buffer) => {
      this.bytes += b.length
      if (!this.counting) this.buf = Buffer.concat([this.buf, b])
      for (const w of this.waiters.splice(0)) w()
    })
  }

  async next (): Promise<LinkCell> {
    while (this.buf.length < CELL_BYTES) await new Promise<void>(resolve => this.waiters.push(resolve))
    const cell = decodeLinkCell(Buffer.from(this.buf.subarray(0, CELL_BYTES)))
    this.buf = this.buf.subarray(CELL_BYTES)
    return cell
  }

  async untilBytes (bytes: number): Promise<void> {
    while (this.bytes < bytes) await new Promise<void>(resolve => this.waiters.push(resolve))
  }
}

export async function relayCellsPerSecond (count: number): Promise<{ cellsPerSecond: number, ms: number }> {
  const relayId = generateIdentity()
  const nextId = generateIdentity()
  const origin = generateIdentity()
  const contactOf = (i: Identity): Contact => makeContact(i.id, { address: '10.0.0.1', port: 4000 }, { publicKey: i.publicKey, rank: i.rank })
  let handler: ServiceHandler | undefined
  const [toNext, nextWire] = duplexPair()
  const network = {
    self: contactOf(relayId),
    registerService: (_name: string, h: ServiceHandler) => { handler = h },
    openStream: async () => toNext
  } as unknown as ServiceNetwork
  const relay = createTunnelService({ network, identity: relayId, directory: { candidates: () => [] }, minRank: 0, allowPrivateEndpoints: true })
  relay.start()
  try {
    const [originWire, fromOrigin] = duplexPair()
    handler?.onStream?.(fromOrigin, { from: contactOf(origin), signal: new AbortController().signal })
    const back = new CellReader(originWire)
    const ahead = new CellReader(nextWire)

    // CREATE → CREATED: the relay's layer.
    const h1 = ntorClientStart({ id: relayId.id, publicKey: relayId.publicKey })
    originWire.write(encodeLinkCell({ circuitId: 1, command: LinkCommand.create, body: encodeHandshakeBody(h1.message) }))
    const layers: HopLayer[] = [deriveHopKeys(ntorClientFinish(h1.state, decodeHandshakeBody((await back.next()).body))!)]

    // EXTEND → (CREATE answered here as the next hop) → EXTENDED: the next hop's layer.
    const h2 = ntorClientStart({ id: nextId.id, publicKey: nextId.publicKey })
    const extend = encodeExtend({ id: nextId.id, publicKey: nextId.publicKey, endpoint: { address: '10.1.0.1', port: 4000 }, handshake: h2.message })
    originWire.write(encodeLinkCell({ circuitId: 1, command: LinkCommand.relay, body: wrapForward(layers, 0, encodeRelayMessage({ command: RelayCommand.extend, streamId: 0, data: extend })) }))
    const create = await ahead.next()
    const answer = ntorServerRespond({ id: nextId.id, publicKey: nextId.publicKey, secretKey: nextId.secretKey }, decodeHandshakeBody(create.body))!
    nextWire.write(encodeLinkCell({ circuitId: create.circuitId, command: LinkCommand.created, body: encodeHandshakeBody(answer.reply) }))
    const extended = unwrapBackward(layers, (await back.next()).body)!
    layers.push(deriveHopKeys(ntorClientFinish(h2.state, decodeExtended(decodeRelayMessage(extended.payload).data))!))

    // The burst: cells wrapped before the clock starts, so only the relay's work is timed.
    const payload = encodeRelayMessage({ command: RelayCommand.drop, streamId: 0, data: Buffer.alloc(0) })
    const burst: Buffer[] = []
    for (let i = 0; i < count; i++) burst.push(encodeLinkCell({ circuitId: 1, command: LinkCommand.relay, body: wrapForward(layers, 1, payload) }))
    ahead.counting = true
    const seen = ahead.bytes
    const t0 = performance.now()
    for (let i = 0; i < burst.length; i += 64) {
      if (!originWire.write(Buffer.concat(burst.slice(i, i + 64)))) await new Promise(resolve => originWire.once('drain', resolve))
      // In-memory pipes hand bytes over within one turn of the event loop; a link delivers
      // them one I/O phase at a time, and the relay writes out once per turn.
      await new Promise(resolve => setImmediate(resolve))
    }
    await ahead.untilBytes(seen + count * CELL_BYTES)
    const ms = performance.now() - t0
    return { cellsPerSecond: count / (ms / 1000), ms }
  } finally {
    await relay.stop()
  }
}
