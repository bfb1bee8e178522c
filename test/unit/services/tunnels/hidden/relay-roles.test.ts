import { describe, expect, it } from 'vitest'
import { NS, namespaced } from '../../../../../src/node/crypto/namespaces.js'
import { generateIdentity, sign } from '../../../../../src/node/identity/identity.js'
import { makeContact } from '../../../../../src/node/routing/contact.js'
import {
  HS_NOTIFY, HS_STATUS, decodeIntroduce, decodeReply, encodeEstablishIntro, encodeIntroduce, encodeRendezvous1, readStatus
} from '../../../../../src/node/services/tunnels/hidden/hs-messages.js'
import { createIntroPoint, u64 } from '../../../../../src/node/services/tunnels/hidden/intro-point.js'
import { createRendezvousPoint } from '../../../../../src/node/services/tunnels/hidden/rendezvous-point.js'
import type { RelayCircuitContext } from '../../../../../src/node/services/tunnels/tunnel-api.js'

/** A relay-side circuit context that records what the relay does with it. */
class FakeCtx implements RelayCircuitContext {
  readonly id = Math.random().toString(16).slice(2)
  readonly previous = makeContact(Buffer.alloc(32, 1), { address: '127.0.0.1', port: 1 })
  closed = false
  notified: Array<{ name: string, payload: Buffer }> = []
  joinedWith?: RelayCircuitContext
  private readonly listeners: Array<() => void> = []
  join (other: RelayCircuitContext): void { this.joinedWith = other }
  notify (name: string, payload: Buffer): void { this.notified.push({ name, payload }) }
  onClose (l: () => void): void { this.listeners.push(l) }
  close (): void { this.closed = true; for (const l of this.listeners) l() }
}

const relayId = Buffer.alloc(32, 0xaa)
let t = 1_700_000_000_000
const now = (): number => t

function establishPayload (auth = generateIdentity(), timestamp = t, boundTo = relayId): { payload: Buffer, authKey: Buffer } {
  const signature = sign(auth, namespaced(NS.hsEstablishIntro, boundTo, auth.publicKey, u64(timestamp)))
  return { payload: encodeEstablishIntro({ authKey: auth.publicKey, timestamp, signature }), authKey: auth.publicKey }
}

describe('intro point', () => {
  it('passes an introduction for an established auth key to that circuit, and only then', async () => {
    const ip = createIntroPoint({ selfId: relayId, now })
    const service = new FakeCtx()
    const client = new FakeCtx()
    const { payload, authKey } = establishPayload()
    expect(readStatus(await ip.establish(payload, service))).toBe(HS_STATUS.ok)
    const intro = encodeIntroduce({ authKey, blob: Buffer.from('x'.repeat(50)) })
    expect(readStatus(await ip.introduce(intro, client))).toBe(HS_STATUS.ok)
    expect(service.notified).toHaveLength(1)
    expect(service.notified[0].name).toBe(HS_NOTIFY.introduce2)
    expect(decodeIntroduce(service.notified[0].payload).authKey).toEqual(authKey)
    expect(client.notified).toEqual([])
    // Unknown key, malformed request: answered, nothing passed.
    expect(readStatus(await ip.introduce(encodeIntroduce({ authKey: Buffer.alloc(32, 5), blob: Buffer.alloc(50) }), client))).toBe(HS_STATUS.unknown)
    expect(readStatus(await ip.introduce(Buffer.from([1, 2, 3]), client))).toBe(HS_STATUS.malformed)
    expect(service.notified).toHaveLength(1)
    // The service circuit closes: the key is forgotten.
    service.close()
    expect(ip.size()).toBe(0)
    expect(readStatus(await ip.introduce(intro, client))).toBe(HS_STATUS.unknown)
  })

  it('refuses a bad signature, one bound to another relay, a stale timestamp, and a replayed establish', async () => {
    const ip = createIntroPoint({ selfId: relayId, now })
    const ctx = new FakeCtx()
    const other = establishPayload(undefined, t, Buffer.alloc(32, 0xbb))
    expect(readStatus(await ip.establish(other.payload, ctx))).toBe(HS_STATUS.badSignature)
    const tampered = establishPayload().payload; tampered[80] ^= 1
    expect(readStatus(await ip.establish(tampered, ctx))).toBe(HS_STATUS.badSignature)
    expect(readStatus(await ip.establish(establishPayload(undefined, t - 3600_000).payload, ctx))).toBe(HS_STATUS.replay)
    const auth = generateIdentity()
    const first = establishPayload(auth, t)
    expect(readStatus(await ip.establish(first.payload, ctx))).toBe(HS_STATUS.ok)
    // Someone replays the same establish on their own circuit to steal the introductions: refused.
    const thief = new FakeCtx()
    expect(readStatus(await ip.establish(first.payload, thief))).toBe(HS_STATUS.replay)
    // The service itself re-establishing later (newer timestamp) on a new circuit replaces it.
    t += 1000
    const fresh = new FakeCtx()
    expect(readStatus(await ip.establish(establishPayload(auth, t).payload, fresh))).toBe(HS_STATUS.ok)
    await ip.introduce(encodeIntroduce({ authKey: auth.publicKey, blob: Buffer.alloc(50) }), new FakeCtx())
    expect(fresh.notified).toHaveLength(1)
    expect(ctx.notified).toHaveLength(0)
  })

  it('rate-limits introductions per auth key (token bucket) and bounds the keys held', async () => {
    const ip = createIntroPoint({ selfId: relayId, now, ratePerSec: 1, burst: 3, maxIntros: 2 })
    const a = establishPayload()
    const svc = new FakeCtx()
    await ip.establish(a.payload, svc)
    const intro = encodeIntroduce({ authKey: a.authKey, blob: Buffer.alloc(50) })
    const answers: number[] = []
    for (let i = 0; i < 5; i++) answers.push(readStatus(await ip.introduce(intro, new FakeCtx())))
    expect(answers).toEqual([0, 0, 0, HS_STATUS.limit, HS_STATUS.limit])
    t += 1000
    expect(readStatus(await ip.introduce(intro, new FakeCtx()))).toBe(HS_STATUS.ok)
    expect(svc.notified).toHaveLength(4)
    await ip.establish(establishPayload().payload, new FakeCtx())
    expect(readStatus(await ip.establish(establishPayload().payload, new FakeCtx()))).toBe(HS_STATUS.limit)
    expect(ip.stats()).toEqual({ passed: 4, refused: 2 })
  })
})

describe('rendezvous point', () => {
  it('joins the service circuit to the waiting client circuit by cookie, once, and tells the client', async () => {
    const rp = createRendezvousPoint({ now })
    const client = new FakeCtx()
    const service = new FakeCtx()
    const cookie = Buffer.alloc(20, 7)
    expect(readStatus(await rp.establish(cookie, client))).toBe(HS_STATUS.ok)
    expect(readStatus(await rp.establish(cookie, new FakeCtx()))).toBe(HS_STATUS.replay)
    expect(readStatus(await rp.rendezvous1(encodeRendezvous1({ cookie: Buffer.alloc(20, 8), reply: Buffer.alloc(64) }), service))).toBe(HS_STATUS.unknown)
    const reply = Buffer.alloc(64, 3)
    expect(readStatus(await rp.rendezvous1(encodeRendezvous1({ cookie, reply }), service))).toBe(HS_STATUS.ok)
    expect(service.joinedWith).toBe(client)
    await new Promise(resolve => setImmediate(resolve))
    expect(client.notified).toHaveLength(1)
    expect(client.notified[0].name).toBe(HS_NOTIFY.rendezvous2)
    expect(decodeReply(client.notified[0].payload)).toEqual(reply)
    // The cookie is spent: a replayed rendezvous1 finds nothing.
    expect(readStatus(await rp.rendezvous1(encodeRendezvous1({ cookie, reply }), new FakeCtx()))).toBe(HS_STATUS.unknown)
    expect(rp.joined()).toBe(1)
  })

  it('expires and bounds waiting cookies; malformed requests are answered', async () => {
    const rp = createRendezvousPoint({ now, maxWaiting: 2, waitMs: 1000 })
    expect(readStatus(await rp.establish(Buffer.alloc(5), new FakeCtx()))).toBe(HS_STATUS.malformed)
    expect(readStatus(await rp.rendezvous1(Buffer.alloc(5), new FakeCtx()))).toBe(HS_STATUS.malformed)
    const c1 = new FakeCtx()
    await rp.establish(Buffer.alloc(20, 1), c1)
    await rp.establish(Buffer.alloc(20, 2), new FakeCtx())
    expect(readStatus(await rp.establish(Buffer.alloc(20, 3), new FakeCtx()))).toBe(HS_STATUS.limit)
    c1.close()
    expect(rp.size()).toBe(1)
    t += 2000
    expect(readStatus(await rp.rendezvous1(encodeRendezvous1({ cookie: Buffer.alloc(20, 2), reply: Buffer.alloc(64) }), new FakeCtx()))).toBe(HS_STATUS.unknown)
    expect(readStatus(await rp.establish(Buffer.alloc(20, 4), new FakeCtx()))).toBe(HS_STATUS.ok)
  })
})
