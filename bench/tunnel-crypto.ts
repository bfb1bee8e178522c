import { randomBytes } from 'node:crypto'
import { aeadSealDetached } from '../src/node/crypto/aead.js'
import { ntorClientFinish, ntorClientStart, ntorServerRespond } from '../src/node/services/tunnels/ntor.js'
import {
  deriveHopKeys, type HopLayer, ONION_PAYLOAD_BYTES, originateBackward, relayBackward, relayForward, unwrapBackward, wrapForward
} from '../src/node/services/tunnels/onion.js'
import { generateIdentity } from '../src/node/identity/identity.js'
import { median, round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * The CPU cost of onion cells, before any network: one cell through a 3-hop
 * circuit is the origin's wrap of 3 layers plus each relay peeling one
 * (forward), or a hop's seal, two relays' layers and the origin's peel
 * (backward). The baseline, measured in the same run and interleaved with it,
 * is one raw ChaCha20-Poly1305 seal of the same payload bytes (libsodium
 * through crypto/aead.ts, as the layers use, into a reused buffer); the ratio
 * (cells/s ÷ seals/s) is one over the number of raw seals a cell costs. A cell
 * does 3 seals and 3 opens (a hop tries first the AAD that opened its last cell).
 * Part of suite `tunnel` (bench/tunnel.ts: `await (await import('./tunnel-crypto.js')).runTunnelCrypto()`); alone:
 *
 *   npm run bench -- tunnel-crypto
 */

export const summary = 'tunnel cell crypto: cells/s through 3 onion layers vs one raw AEAD seal; ntor handshakes/s'

const ROUNDS = 5
const ROUND_MS = 400

function opsPerSecond (fn: () => void, ms = ROUND_MS): number {
  let n = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < ms) { for (let i = 0; i < 50; i++) fn(); n += 50; t = performance.now() }
  return n / ((t - t0) / 1000)
}

function circuit (): { origin: HopLayer[], relays: HopLayer[] } {
  const origin: HopLayer[] = []
  const relays: HopLayer[] = []
  for (let i = 0; i < 3; i++) {
    const secret = randomBytes(32)
    origin.push(deriveHopKeys({ secret, role: 'origin' }))
    relays.push(deriveHopKeys({ secret, role: 'far' }))
  }
  return { origin, relays }
}

export async function runTunnelCrypto (): Promise<void> {
  const payload = randomBytes(ONION_PAYLOAD_BYTES)
  const key = randomBytes(32)
  const aad = Buffer.from('forward')
  const nonce = Buffer.alloc(12)
  const out = Buffer.alloc(payload.length)
  const tag = Buffer.alloc(16)
  let counter = 0
  const raw = (): void => { nonce.writeUInt32LE(counter++, 4); aeadSealDetached(key, nonce, payload, aad, out, tag) }

  const { origin, relays } = circuit()
  const forward = (): void => {
    let cur = wrapForward(origin, 2, payload)
    for (let i = 0; i < 3; i++) {
      const r = relayForward(relays[i], cur)
      if (r === undefined) throw new Error('bench: forward cell failed to authenticate')
      if (r.kind === 'deliver') return
      cur = r.onion
    }
    throw new Error('bench: forward cell was not delivered')
  }
  const backward = (): void => {
    const cell = relayBackward(relays[0], relayBackward(relays[1], originateBackward(relays[2], payload)))
    if (unwrapBackward(origin, cell)?.from !== 2) throw new Error('bench: backward cell failed to authenticate')
  }

  const rawRates: number[] = []
  const fwdRates: number[] = []
  const bwdRates: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    progress(`tunnel crypto: round ${r + 1}/${ROUNDS}`)
    rawRates.push(opsPerSecond(raw))
    fwdRates.push(opsPerSecond(forward))
    bwdRates.push(opsPerSecond(backward))
  }
  const base = median(rawRates)
  const fwd = median(fwdRates)
  const bwd = median(bwdRates)
  const extra = { hops: 3, payload_bytes: ONION_PAYLOAD_BYTES, rounds: ROUNDS, baseline_raw_seal_per_s: Math.round(base) }
  emit('tunnel.cell_crypto_per_s', Math.round(fwd), 'cells/s', { ...extra, direction: 'forward', ratio_vs_raw_seal: round(fwd / base, 3) })
  emit('tunnel.cell_crypto_backward_per_s', Math.round(bwd), 'cells/s', { ...extra, direction: 'backward', ratio_vs_raw_seal: round(bwd / base, 3) })

  // One hop's handshake, client and relay sides together (a circuit build spends three).
  const hop = generateIdentity()
  const handshake = (): void => {
    const { state, message } = ntorClientStart(hop)
    const answer = ntorServerRespond(hop, message)
    if (answer === undefined || ntorClientFinish(state, answer.reply) === undefined) throw new Error('bench: ntor failed')
  }
  const ntor = median(Array.from({ length: ROUNDS }, () => opsPerSecond(handshake, 200)))
  emit('tunnel.ntor_handshakes_per_s', Math.round(ntor), 'handshakes/s', { rounds: ROUNDS, ratio_vs_raw_seal: round(ntor / base, 4) })
}

export async function run (): Promise<void> {
  await runTunnelCrypto()
}
