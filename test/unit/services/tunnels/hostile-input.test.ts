import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { CELL_BYTES, decodeLinkCell } from '../../../../src/node/services/tunnels/cell.js'
import { decodeDescriptor } from '../../../../src/node/services/tunnels/descriptor.js'
import { TunnelError } from '../../../../src/node/services/tunnels/errors.js'
import { ntorClientFinish, ntorClientStart, ntorServerRespond } from '../../../../src/node/services/tunnels/ntor.js'
import { deriveHopKeys, ONION_BYTES, ONION_PAYLOAD_BYTES, relayForward, unwrapBackward } from '../../../../src/node/services/tunnels/onion.js'
import {
  decodeBegin, decodeExtend, decodeExtended, decodeReason, decodeRelayMessage, decodeRequest, decodeSendme
} from '../../../../src/node/services/tunnels/relay-message.js'

/** Runs a decoder on hostile bytes: it may succeed or throw a TunnelError, nothing else. */
function survives (decode: (b: Buffer) => unknown, b: Buffer): void {
  try { decode(b) } catch (err) {
    expect(err).toBeInstanceOf(TunnelError)
  }
}

describe('hostile input to the pure tunnel code', () => {
  it('random and truncated bytes never escape as anything but TunnelError or undefined', () => {
    const service = generateIdentity()
    const hop = generateIdentity()
    const layer = deriveHopKeys({ secret: randomBytes(32), role: 'far' })
    const origin = [deriveHopKeys({ secret: randomBytes(32), role: 'origin' })]
    const { state } = ntorClientStart(hop)
    const bodies = [decodeExtend, decodeExtended, decodeBegin, decodeReason, decodeRequest, decodeSendme]
    for (let i = 0; i < 300; i++) {
      const size = [0, 1, 2, 5, 40, 96, 200, ONION_PAYLOAD_BYTES, ONION_BYTES, CELL_BYTES][i % 10]
      const b = randomBytes(size)
      survives(decodeLinkCell, b)
      survives(decodeRelayMessage, b)
      for (const d of bodies) { survives(d, b); survives(d, b.subarray(0, i % 50)) }
      survives(x => decodeDescriptor(x, service.publicKey, 20_000), b)
      expect(relayForward(layer, b)).toBeUndefined()
      expect(unwrapBackward(origin, b)).toBeUndefined()
      expect(ntorServerRespond(hop, b)).toBeUndefined()
      // Addressed to the hop, with any 32 bytes as X: answered or refused, never thrown.
      expect(() => ntorServerRespond(hop, Buffer.concat([hop.id, hop.publicKey, b.subarray(0, 32)]))).not.toThrow()
      expect(ntorClientFinish(state, b.subarray(0, 64))).toBeUndefined()
    }
    // Nothing random authenticated, so no counter moved.
    expect(layer.fwdCount + origin[0].bwdCount).toBe(0)
  })
})
