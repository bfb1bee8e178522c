import { createCipheriv, hkdfSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  deriveHopKeys, type HopLayer, MAX_HOPS, ONION_BYTES, ONION_PAYLOAD_BYTES, originateBackward, relayBackward, relayForward,
  sealForwardInPlace, sealOriginInPlace, SLOTS_BYTES, TAG_BYTES, unwrapBackward, wrapForward
} from '../../../../src/node/services/tunnels/onion.js'
import { encodeRelayMessage, RelayCommand } from '../../../../src/node/services/tunnels/relay-message.js'

const secretOf = (i: number): Buffer => Buffer.alloc(32, 0x10 + i)

/** A circuit of `n` hops: the origin's layers and each relay's own layer, keyed alike. */
function circuit (n: number, base = 0): { origin: HopLayer[], relays: HopLayer[] } {
  const origin: HopLayer[] = []
  const relays: HopLayer[] = []
  for (let i = 0; i < n; i++) {
    origin.push(deriveHopKeys({ secret: secretOf(base + i), role: 'origin' }))
    relays.push(deriveHopKeys({ secret: secretOf(base + i), role: 'far' }))
  }
  return { origin, relays }
}

const message = (text: string): Buffer => encodeRelayMessage({ command: RelayCommand.data, streamId: 1, data: Buffer.from(text) })

/** Passes a forward onion hop by hop from relay `first` until one takes delivery. */
function forwardThrough (relays: HopLayer[], onion: Buffer, first = 0): { at: number, payload: Buffer } | { failedAt: number } | { passedOn: Buffer } {
  let cur = onion
  for (let i = first; i < relays.length; i++) {
    const r = relayForward(relays[i], cur)
    if (r === undefined) return { failedAt: i }
    if (r.kind === 'deliver') return { at: i, payload: r.payload }
    cur = r.onion
  }
  return { passedOn: cur }
}

/** Hop `from` originates a payload; relays from-1..0 add their layers. */
function backwardFrom (relays: HopLayer[], from: number, payload: Buffer): Buffer {
  let cur = originateBackward(relays[from], payload)
  for (let i = from - 1; i >= 0; i--) cur = relayBackward(relays[i], cur)
  return cur
}

/** A deterministic "random" source for golden vectors. */
function counterBytes (seed: number): (n: number) => Buffer {
  let next = seed
  return (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = next++ & 0xff; return b }
}

describe('onion layers', () => {
  it('a 3-hop circuit carries cells to every hop and back from every hop, many times over', () => {
    const { origin, relays } = circuit(3)
    for (let round = 0; round < 5; round++) {
      for (let dest = 0; dest < 3; dest++) {
        const payload = message(`to ${dest} #${round}`)
        const onion = wrapForward(origin, dest, payload)
        expect(onion.length).toBe(ONION_BYTES)
        expect(forwardThrough(relays, onion)).toEqual({ at: dest, payload })
        const back = message(`from ${dest} #${round}`)
        expect(unwrapBackward(origin, backwardFrom(relays, dest, back))).toEqual({ from: dest, payload: back })
      }
    }
    // Hop i saw every cell meant for hops ≥ i: 5 rounds × (3 - i) in each direction.
    expect(relays.map(r => r.fwdCount)).toEqual([15, 10, 5])
    expect(origin.map(r => r.fwdCount)).toEqual([15, 10, 5])
    expect(relays.map(r => r.bwdCount)).toEqual([15, 10, 5])
    expect(origin.map(r => r.bwdCount)).toEqual([15, 10, 5])
  })

  it('cells are one size at every hop and the bytes change at each one (no hop sees another hop\'s bytes)', () => {
    const { origin, relays } = circuit(3)
    const payload = message('same size everywhere')
    const seen: Buffer[] = [wrapForward(origin, 2, payload)]
    for (let i = 0; i < 2; i++) {
      const r = relayForward(relays[i], seen[i])
      if (r?.kind !== 'forward') throw new Error('expected forward')
      expect(r.onion.length).toBe(ONION_BYTES)
      seen.push(r.onion)
    }
    for (const s of seen) expect(s.includes(payload.subarray(0, 24))).toBe(false)
    expect(seen[0].subarray(SLOTS_BYTES).equals(seen[1].subarray(SLOTS_BYTES))).toBe(false)
    expect(seen[1].subarray(SLOTS_BYTES).equals(seen[2].subarray(SLOTS_BYTES))).toBe(false)
  })

  it('a joined path (3 client hops + virtual hop + 3 service hops) works both ways', () => {
    // Both circuits end at the rendezvous R: client hops c0 c1 R, service hops s0 s1 R'.
    const client = circuit(3, 0)
    const service = circuit(3, 10)
    const e2e = secretOf(99) // the end-to-end (ntor) secret between client and service
    const clientLayers = [...client.origin, deriveHopKeys({ secret: e2e, role: 'origin' })]
    const serviceLayers = [...service.origin, deriveHopKeys({ secret: e2e, role: 'far' })]
    expect(clientLayers.length + serviceLayers.length - 1).toBeLessThanOrEqual(MAX_HOPS)

    /** Forward along one circuit to its rendezvous hop, then backward along the other (R joins them). */
    const cross = (onion: Buffer, forwardRelays: HopLayer[], backwardRelays: HopLayer[]): Buffer => {
      const passed = forwardThrough(forwardRelays, onion)
      if (!('passedOn' in passed)) throw new Error(`not passed on: ${JSON.stringify(passed)}`)
      let cur = passed.passedOn
      for (let i = backwardRelays.length - 1; i >= 0; i--) cur = relayBackward(backwardRelays[i], cur)
      return cur
    }

    for (let round = 0; round < 4; round++) {
      const up = message(`GET / #${round}`)
      const atService = cross(wrapForward(clientLayers, 3, up), client.relays, service.relays)
      expect(unwrapBackward(serviceLayers, atService)).toEqual({ from: 3, payload: up })

      const down = message(`200 OK #${round}`)
      const atClient = cross(wrapForward(serviceLayers, 3, down), service.relays, client.relays)
      expect(unwrapBackward(clientLayers, atClient)).toEqual({ from: 3, payload: down })

      // The client still talks to its rendezvous hop itself, and hears from it, between end-to-end cells.
      const toR = message(`ping R #${round}`)
      expect(forwardThrough(client.relays, wrapForward(clientLayers, 2, toR))).toEqual({ at: 2, payload: toR })
      const fromR = message(`pong #${round}`)
      expect(unwrapBackward(clientLayers, backwardFrom(client.relays, 2, fromR))).toEqual({ from: 2, payload: fromR })
    }
  })

  it('sealing into a caller buffer or in place gives the same bytes as a fresh onion, and inputs stay unchanged', () => {
    const a = circuit(3)
    const b = circuit(3)
    const payload = message('in place')
    const keep = Buffer.from(payload)
    const fresh = wrapForward(a.origin, 2, payload, counterBytes(1))
    const into = Buffer.alloc(ONION_BYTES)
    wrapForward(b.origin, 2, payload, counterBytes(1), into)
    expect(into).toEqual(fresh)
    const inPlace = Buffer.alloc(ONION_BYTES)
    payload.copy(inPlace, SLOTS_BYTES)
    const c = circuit(3)
    sealForwardInPlace(c.origin, 2, inPlace, counterBytes(1))
    // c's counters are at 0 like a's were: the same bytes.
    expect(inPlace).toEqual(fresh)
    expect(payload).toEqual(keep)

    // A relay adds its backward layer from the received cell into another buffer; the received cell is untouched.
    const back = sealOriginInPlace(a.relays[2], Buffer.concat([Buffer.alloc(SLOTS_BYTES), payload]), counterBytes(9))
    const received = Buffer.from(back)
    const out = Buffer.alloc(ONION_BYTES)
    relayBackward(a.relays[1], back, out)
    expect(back).toEqual(received)
    expect(out).toEqual(relayBackward(b.relays[1], back))
    expect(() => relayBackward(a.relays[0], back, Buffer.alloc(ONION_BYTES - 1))).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))

    // A relay peels a forward cell into its scratch buffer: the same result as a fresh one, the cell untouched.
    const cell = wrapForward(circuit(3).origin, 1, payload, counterBytes(3))
    const cellCopy = Buffer.from(cell)
    const scratch = Buffer.alloc(ONION_BYTES, 0x77)
    const peeled = relayForward(circuit(3).relays[0], cell, counterBytes(5), scratch)
    const fresh0 = relayForward(circuit(3).relays[0], cell, counterBytes(5))
    if (peeled?.kind !== 'forward' || fresh0?.kind !== 'forward') throw new Error('expected forward')
    expect(peeled.onion).toBe(scratch)
    expect(peeled.onion).toEqual(fresh0.onion)
    expect(cell).toEqual(cellCopy)
  })

  it('a hop that alternates deliver and forward cells opens every one (the AAD tried first only saves time)', () => {
    const { origin, relays } = circuit(2)
    for (const dest of [0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0]) {
      const payload = message(`to ${dest}`)
      expect(forwardThrough(relays, wrapForward(origin, dest, payload))).toEqual({ at: dest, payload })
      const back = message(`from ${dest}`)
      expect(unwrapBackward(origin, backwardFrom(relays, dest, back))).toEqual({ from: dest, payload: back })
    }
    // A failed try of either AAD never moved a counter.
    expect(relays[0].fwdCount).toBe(11)
    expect(origin[0].bwdCount).toBe(11)
  })

  it('a far layer anywhere but last is refused before any counter moves', () => {
    const { origin } = circuit(2)
    const far = deriveHopKeys({ secret: secretOf(7), role: 'far' })
    expect(() => wrapForward([far, ...origin], 2, message('x'))).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
    expect(origin.map(l => l.fwdCount)).toEqual([0, 0])
  })

  it('one flipped bit anywhere in a forward cell fails at the hop that checks it', () => {
    for (const bit of [0, 7, 8 * TAG_BYTES + 3, 8 * 2 * TAG_BYTES, 8 * SLOTS_BYTES, 8 * (ONION_BYTES - 1) + 5]) {
      for (let at = 0; at < 3; at++) {
        const { origin, relays } = circuit(3)
        let cur = wrapForward(origin, 2, message('tag me'))
        for (let i = 0; i < at; i++) {
          const r = relayForward(relays[i], cur)
          if (r?.kind !== 'forward') throw new Error('expected forward')
          cur = r.onion
        }
        cur = Buffer.from(cur)
        cur[bit >> 3] ^= 1 << (bit & 7)
        const byte = bit >> 3
        // A payload bit fails at the very next hop; a tag in slot k at the hop k places further;
        // a slot past the tags still in use is random fill, so the cell arrives.
        const slot = Math.floor(byte / TAG_BYTES)
        const got = forwardThrough(relays, cur, at)
        if (byte >= SLOTS_BYTES) expect(got).toEqual({ failedAt: at })
        else if (slot <= 2 - at) expect(got).toEqual({ failedAt: at + slot })
        else expect(got).toMatchObject({ at: 2 })
      }
    }
  })

  it('one flipped bit anywhere in a backward cell, at any hop, fails at the origin', () => {
    for (const bit of [1, 8 * TAG_BYTES + 2, 8 * SLOTS_BYTES + 9, 8 * (ONION_BYTES - 1)]) {
      for (let at = 2; at >= 0; at--) {
        const { origin, relays } = circuit(3)
        let cur = originateBackward(relays[2], message('tag me too'))
        for (let i = 1; i >= at; i--) cur = relayBackward(relays[i], cur)
        cur = Buffer.from(cur)
        cur[bit >> 3] ^= 1 << (bit & 7)
        for (let i = at - 1; i >= 0; i--) cur = relayBackward(relays[i], cur)
        // A flipped bit in a slot past the tags in use is random fill: harmless; every other bit is fatal.
        const tagsInUse = 3 - at
        const harmless = (bit >> 3) >= tagsInUse * TAG_BYTES && (bit >> 3) < SLOTS_BYTES
        const got = unwrapBackward(origin, cur)
        if (harmless) expect(got?.from).toBe(2)
        else expect(got).toBeUndefined()
      }
    }
  })

  it('replayed, reordered and dropped cells fail forward', () => {
    const { origin, relays } = circuit(3)
    const a = wrapForward(origin, 2, message('a'))
    const b = wrapForward(origin, 2, message('b'))
    const c = wrapForward(origin, 2, message('c'))
    expect(forwardThrough(relays, a)).toMatchObject({ at: 2 })
    expect(relayForward(relays[0], a)).toBeUndefined() // replay
    expect(relayForward(relays[0], c)).toBeUndefined() // b was dropped: c is out of order
    expect(forwardThrough(relays, b)).toMatchObject({ at: 2 }) // failures did not move the counter
    // Reordered further along: hop 0 passes both, hop 1 gets them swapped.
    const d = relayForward(relays[0], c)
    const e = relayForward(relays[0], wrapForward(origin, 2, message('e')))
    if (d?.kind !== 'forward' || e?.kind !== 'forward') throw new Error('expected forward')
    expect(relayForward(relays[1], e.onion)).toBeUndefined()
  })

  it('replayed and reordered cells fail backward', () => {
    const { origin, relays } = circuit(3)
    const a = backwardFrom(relays, 2, message('a'))
    const b = backwardFrom(relays, 2, message('b'))
    expect(unwrapBackward(origin, b)).toBeUndefined() // reordered
    expect(unwrapBackward(origin, a)?.from).toBe(2)
    expect(unwrapBackward(origin, a)).toBeUndefined() // replayed
    expect(unwrapBackward(origin, b)?.from).toBe(2)
  })

  it('wrong sizes are refused or fail, never throw out of the relay path', () => {
    const { origin, relays } = circuit(1)
    expect(relayForward(relays[0], Buffer.alloc(ONION_BYTES - 1))).toBeUndefined()
    expect(unwrapBackward(origin, Buffer.alloc(ONION_BYTES + 1))).toBeUndefined()
    expect(relayForward(relays[0], Buffer.alloc(ONION_BYTES))).toBeUndefined()
    expect(() => wrapForward(origin, 0, Buffer.alloc(ONION_PAYLOAD_BYTES - 1))).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
    expect(() => wrapForward(origin, 1, message('x'))).toThrow(expect.objectContaining({ code: 'TUNNEL_INVALID_ARGUMENT' }))
  })

  it('the innermost layer is plain ChaCha20-Poly1305 under HKDF keys (recomputed here without onion.ts)', () => {
    const secret = secretOf(0)
    const okm = Buffer.from(hkdfSync('sha256', secret, Buffer.from('tornet tunnel hop keys v1'), 'forward|backward', 64))
    const payload = message('independent check')
    const onion = wrapForward([deriveHopKeys({ secret, role: 'origin' })], 0, payload, counterBytes(0))
    const c = createCipheriv('chacha20-poly1305', okm.subarray(0, 32), Buffer.alloc(12), { authTagLength: 16 })
    c.setAAD(Buffer.from('deliver'), { plaintextLength: payload.length })
    const body = c.update(payload); c.final()
    expect(onion.subarray(0, TAG_BYTES)).toEqual(c.getAuthTag())
    expect(onion.subarray(TAG_BYTES, SLOTS_BYTES)).toEqual(counterBytes(0)(SLOTS_BYTES - TAG_BYTES))
    expect(onion.subarray(SLOTS_BYTES)).toEqual(body)
  })

  it('golden vectors: fixed keys, counters and fill give fixed bytes', () => {
    const { origin, relays } = circuit(3)
    const rnd = counterBytes(0x40)
    const fwd = wrapForward(origin, 2, message('golden forward'), rnd)
    const afterHop0 = relayForward(relays[0], fwd, rnd)
    if (afterHop0?.kind !== 'forward') throw new Error('expected forward')
    const second = wrapForward(origin, 0, message('second cell, counter 1'), rnd)
    const bwd = relayBackward(relays[0], relayBackward(relays[1], originateBackward(relays[2], message('golden backward'), rnd)))
    const e2eFar = deriveHopKeys({ secret: secretOf(99), role: 'far' })
    const farForward = wrapForward([...circuit(3, 10).origin, e2eFar], 3, message('from the service'), rnd)
    const actual = {
      hopSecrets: [0, 1, 2].map(i => secretOf(i).toString('hex')),
      forwardToHop2: fwd.toString('hex'),
      forwardAfterHop0: afterHop0.onion.toString('hex'),
      secondForwardToHop0: second.toString('hex'),
      backwardFromHop2AtOrigin: bwd.toString('hex'),
      farOriginForward: farForward.toString('hex')
    }
    // Regenerate deliberately with UPDATE_GOLDEN=1 after an intended change of the layer format.
    const file = new URL('../../../fixtures/tunnels/onion-vectors.json', import.meta.url)
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, JSON.stringify(actual, null, 2) + '\n')
    const golden = JSON.parse(readFileSync(file, 'utf8')) as typeof actual
    expect(actual).toEqual(golden)
    // And the recorded bytes still decrypt on a fresh set of layers.
    const fresh = circuit(3)
    expect(forwardThrough(fresh.relays, Buffer.from(golden.forwardToHop2, 'hex'))).toEqual({ at: 2, payload: message('golden forward') })
    expect(unwrapBackward(fresh.origin, Buffer.from(golden.backwardFromHop2AtOrigin, 'hex'))).toEqual({ from: 2, payload: message('golden backward') })
  })
})
