import { describe, expect, it } from 'vitest'
import { exchangeBytes, firstPacketBytes, oneWayTrips } from '../../../../src/node/routing/simulator/link-cost.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { InitiatorHandshake, localKeys, respondToIkInit, respondToXxInit } from '../../../../src/node/link/handshake.js'
import { createSigner } from '../../../../src/node/link/link-crypto.js'
import { decodeLinkPacket, encodeDataPacket, TAG_BYTES, type IkInit, type XxInit, type XxResp } from '../../../../src/node/wire/link-packets.js'
import { encodeFrames, FrameType } from '../../../../src/node/wire/channel-frames.js'

/** The simulator's byte model, checked against packets the real handshake code builds. */
describe('link cost model', () => {
  const a = generateIdentity(); const b = generateIdentity()
  const ka = localKeys(a, createSigner(a.secretKey)); const kb = localKeys(b, createSigner(b.secretKey))
  const ctx = { localIndex: 2, minRank: 0, now: Date.now, maxSkewMs: 60_000 }
  const request = (n: number): Buffer => encodeFrames([{ type: FrameType.REQUEST, reqId: 1, fragIndex: 0, fragCount: 1, service: 'dht', data: Buffer.alloc(n) }])
  const response = (n: number): Buffer => encodeFrames([{ type: FrameType.RESPONSE, reqId: 1, fragIndex: 0, fragCount: 1, data: Buffer.alloc(n) }])
  const data = (frames: Buffer): number => encodeDataPacket(1, 0, 0, Buffer.alloc(frames.length + TAG_BYTES)).length
  const ping = data(encodeFrames([{ type: FrameType.PING, id: 1 }]))

  for (const [req, reply] of [[36, 2], [100, 782], [60, 1100]]) {
    it(`matches real packets for a ${req} B request and a ${reply} B reply`, () => {
      const open = data(request(req)) + data(response(reply))
      expect(exchangeBytes('open', req, reply)).toBe(open)
      expect(firstPacketBytes('open', req)).toBe(data(request(req)))

      const ik = new InitiatorHandshake(ka, { pattern: 'ik', localIndex: 1, remotePublicKey: b.publicKey, minRank: 0, frames: request(req), datagramSize: 1200, now: Date.now })
      const init = ik.initPacket()
      const accepted = respondToIkInit(kb, decodeLinkPacket(init) as IkInit, ctx)
      if (accepted.kind !== 'accepted') throw new Error('IK refused')
      const respond = accepted.respond as (f: Buffer) => Buffer
      // The response rides in IK_RESP when it fits the init's size, else it follows in a DATA packet.
      const inResp = respond(response(reply))
      const ikResp = inResp.length <= init.length ? inResp.length : respond(Buffer.alloc(0)).length + data(response(reply))
      expect(firstPacketBytes('ik', req)).toBe(init.length)
      expect(exchangeBytes('ik', req, reply)).toBe(init.length + ikResp + 2 * ping)

      const xx = new InitiatorHandshake(ka, { pattern: 'xx', localIndex: 1, minRank: 0, datagramSize: 1200, now: Date.now })
      const xxInit = xx.initPacket()
      const r = respondToXxInit(kb, decodeLinkPacket(xxInit) as XxInit, ctx)
      if (r === undefined) throw new Error('XX refused')
      const step = xx.onResponse(decodeLinkPacket(r.send) as XxResp, () => request(req))
      if (step.kind !== 'established' || step.send === undefined) throw new Error('XX failed')
      expect(firstPacketBytes('xx', req)).toBe(xxInit.length)
      expect(exchangeBytes('xx', req, reply)).toBe(xxInit.length + r.send.length + step.send.length + data(response(reply)))
    })
  }

  it('XX costs two more one-way trips and more bytes than IK', () => {
    expect(oneWayTrips('open')).toBe(2)
    expect(oneWayTrips('ik')).toBe(2)
    expect(oneWayTrips('xx')).toBe(4)
    expect(exchangeBytes('xx', 80, 800)).toBeGreaterThan(exchangeBytes('ik', 80, 800))
    expect(exchangeBytes('ik', 80, 800)).toBeGreaterThan(exchangeBytes('open', 80, 800))
  })
})
