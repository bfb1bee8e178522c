import { type Socket, connect as tcpConnect } from 'node:net'
import type { Duplex } from 'node:stream'
import { NS, namespaced } from '../../../crypto/namespaces.js'
import { generateIdentity, nodeIdOf, rankOf, sign } from '../../../identity/identity.js'
import { type X25519KeyPair, ed25519SecretToX25519 } from '../../../link/link-crypto.js'
import { type Contact, makeContact } from '../../../routing/contact.js'
import type { HiddenDescriptor } from '../descriptor.js'
import type { HiddenServiceInfo } from '../hidden-api.js'
import { ntorServerRespond } from '../ntor.js'
import { type Circuit, END_REASON, type TunnelService } from '../tunnel-api.js'
import { type DescriptorKv, publishDescriptor, publishPeriods } from './descriptor-store.js'
import type { HiddenServiceKey } from './hs-key-file.js'
import {
  HS_EARLY_STREAM_ID, HS_REQUEST, HS_STATUS, HS_STREAM, decodeIntroduce, encodeEstablishIntro, encodeRendezvous1, readStatus, tryDecode
} from './hs-messages.js'
import { u64 } from './intro-point.js'
import { checkPow, openIntroduction } from './introduce-blob.js'
import { TokenBucket } from '../../token-bucket.js'

/**
 * One hidden service, the service's side: keeps `introCount` intro circuits
 * (3 hops each, the last hop an intro point picked by rank, all distinct),
 * publishes the descriptor naming them, answers introductions by building a
 * circuit to the client's rendezvous point, and pipes the streams that arrive
 * past the joined circuit's virtual hop to 127.0.0.1:PORT.
 *
 * Speed (hidden-client.ts tells the whole flow): for each intro point the
 * service keeps one more 3-hop circuit ready ("spare"), so a client that meets
 * it at that intro point is answered with no build at all; a spare used is
 * replaced in the background. An introduction opens the connection to the
 * local server at once and writes the early data it carries; the answer waits
 * (TCP backpressure: the socket is not read) until the circuits join, then
 * flows on the adopted first stream right behind hs-rendezvous1.
 *
 * Floods: introductions pass a token bucket for the whole service; when it is
 * empty the service asks for a proof of work (powBits in a re-published
 * descriptor) and refuses introductions without one, checked before any
 * public-key work; the requirement is lifted after a quiet `powCooldownMs`.
 * A cookie or ephemeral key seen before is a replay and refused.
 */
export interface HostLimits {
  /** Introductions answered per second, and the burst; default 5 and 10. */
  ratePerSec?: number
  burst?: number
  /** Proof of work asked for when over the limit (leading zero bits), raised by 2 per further minute of flood up to maxPowBits; default 12 and 20. */
  powBits?: number
  maxPowBits?: number
  /** Quiet time after which the proof of work is no longer required; default 10 min. */
  powCooldownMs?: number
  /** Rendezvous circuits open at once; default 32 (the oldest closes beyond). */
  maxRendezvous?: number
}

export interface HostDeps {
  tunnels: TunnelService
  /** Relays the service may use as intro points (its own id excluded by the caller). */
  candidates: () => Contact[]
  kv: DescriptorKv
  now: () => number
  log: (level: 'debug' | 'info' | 'warn', message: string) => void
  limits?: HostLimits
  /** Intro points kept; default 3. */
  introCount?: number
  /** Descriptor lifetime; default 3 h (re-published every republishMs while the service runs). */
  descriptorTtlMs?: number
  /** How often intro circuits are checked and the descriptor re-published; default 30 min. */
  republishMs?: number
}

interface Intro {
  contact: Contact
  circuit: Circuit
  authKey: { publicKey: Buffer, secretKey: Buffer }
}

const REPLAY_WINDOW_MS = 10 * 60_000
const MAX_REPLAY_ENTRIES = 20_000

export class HiddenHost {
  private readonly intros = new Map<string, Intro>()
  private readonly rendezvous = new Map<string, Circuit>()
  /** Ready circuits to our own intro points (by relay id, hex), one each: see the class comment. */
  private readonly spares = new Map<string, Circuit>()
  private readonly sparing = new Set<string>()
  private readonly seen = new Map<string, number>()
  private readonly bucket: TokenBucket
  private readonly x25519: X25519KeyPair
  private readonly limits: Required<HostLimits>
  private powBits = 0
  private lastOverload = 0
  private lastRaise = 0
  private introductions = 0
  private refused = 0
  private descriptorExpires?: number
  private timer?: NodeJS.Timeout
  private maintaining?: Promise<void>
  private again = false
  private stopped = false
  /** Relays that failed as intro points lately: not picked again this round. */
  private readonly failed = new Set<string>()

  constructor (readonly key: HiddenServiceKey, private readonly d: HostDeps) {
    this.limits = {
      ratePerSec: 5, burst: 10, powBits: 12, maxPowBits: 20, powCooldownMs: 10 * 60_000, maxRendezvous: 32, ...d.limits
    }
    this.bucket = new TokenBucket(this.limits.ratePerSec, this.limits.burst, d.now)
    this.x25519 = ed25519SecretToX25519(key.secretKey)
  }

  /** Establishes the intro points and publishes the descriptor; throws HS_UNREACHABLE-like errors when no intro point took. */
  async start (signal?: AbortSignal): Promise<void> {
    await this.maintain(signal)
    if (this.intros.size === 0) throw new Error('no intro point could be established: the node knows too few relays (wait for the routing table to fill and try again)')
    const every = this.d.republishMs ?? 30 * 60_000
    this.timer = setInterval(() => { this.schedule() }, every)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.maintaining?.catch(() => {})
    for (const i of this.intros.values()) i.circuit.close(END_REASON.done)
    for (const c of this.rendezvous.values()) c.close(END_REASON.done)
    for (const c of this.spares.values()) c.close(END_REASON.done)
    this.spares.clear()
    this.intros.clear()
    this.rendezvous.clear()
  }

  info (): HiddenServiceInfo {
    return {
      name: this.key.name,
      publicKey: this.key.publicKey.toString('hex'),
      target: { ...this.key.target },
      descriptorExpires: this.descriptorExpires,
      introPoints: [...this.intros.values()].map(i => ({ rank: i.contact.rank })),
      introductions: this.introductions,
      refused: this.refused,
      powRequired: this.powBits > 0
    }
  }

  /** Whether `circuitId` is one of this service's intro circuits. */
  hasIntroCircuit (circuitId: string): boolean { return this.intros.has(circuitId) }
  /** Whether `circuitId` is one of this service's joined rendezvous circuits. */
  hasRendezvous (circuitId: string): boolean { return this.rendezvous.has(circuitId) }

  /** Runs maintain() now, or once more after the running one. */
  private schedule (): void {
    if (this.stopped) return
    if (this.maintaining !== undefined) { this.again = true; return }
    this.maintain().catch(err => { this.d.log('warn', `hidden service ${this.key.name}: ${(err as Error).message}`) })
  }

  /** Tops the intro points up to introCount, lifts a stale proof-of-work requirement, and publishes. */
  private async maintain (signal?: AbortSignal): Promise<void> {
    if (this.maintaining !== undefined) return await this.maintaining
    const run = async (): Promise<void> => {
      do {
        this.again = false
        if (this.powBits > 0 && this.d.now() - this.lastOverload > this.limits.powCooldownMs) this.powBits = 0
        await this.topUp(signal)
        if (this.stopped) return
        for (const i of this.intros.values()) this.prepareSpare(i.contact)
        await this.publish(signal)
      } while (this.again && !this.stopped)
    }
    this.maintaining = run().finally(() => { this.maintaining = undefined })
    await this.maintaining
  }

  private async topUp (signal?: AbortSignal): Promise<void> {
    const want = this.d.introCount ?? 3
    for (let round = 0; round < 3 && this.intros.size < want && !this.stopped; round++) {
      const used = new Set([...this.intros.values()].map(i => i.contact.id.toString('hex')))
      const picks = pickByRank(this.d.candidates().filter(c => !used.has(c.id.toString('hex')) && !this.failed.has(c.id.toString('hex'))), want - this.intros.size)
      if (picks.length === 0) break
      const exclude = [...this.intros.values()].map(i => i.contact.id)
      await Promise.all(picks.map(async c => {
        try {
          await this.establish(c, exclude, signal)
        } catch (err) {
          signal?.throwIfAborted()
          this.failed.add(c.id.toString('hex'))
          this.d.log('debug', `hidden service ${this.key.name}: intro point (rank ${c.rank}) failed: ${(err as Error).message}`)
        }
      }))
    }
    this.failed.clear()
  }

  private async establish (contact: Contact, exclude: Buffer[], signal?: AbortSignal): Promise<void> {
    const circuit = await this.d.tunnels.build({ hops: 3, purpose: 'hs-intro', lastHop: contact, exclude, signal })
    try {
      const auth = generateIdentity()
      const timestamp = this.d.now()
      const signature = sign(auth, namespaced(NS.hsEstablishIntro, contact.id, auth.publicKey, u64(timestamp)))
      const answer = await circuit.request(HS_REQUEST.establishIntro, encodeEstablishIntro({ authKey: auth.publicKey, timestamp, signature }), { signal })
      const status = readStatus(answer)
      if (status !== HS_STATUS.ok) throw new Error(`the intro point answered status ${status}`)
      if (this.stopped) throw new Error('stopped')
      const intro: Intro = { contact, circuit, authKey: { publicKey: auth.publicKey, secretKey: auth.secretKey } }
      this.intros.set(circuit.info.id, intro)
      circuit.onClose(() => {
        if (this.intros.get(circuit.info.id) !== intro) return
        this.intros.delete(circuit.info.id)
        const k = contact.id.toString('hex')
        this.spares.get(k)?.close(END_REASON.done)
        this.spares.delete(k)
        // A lost intro point is replaced and the descriptor re-published at once: clients
        // holding the old one fall back to the other intro points meanwhile.
        this.schedule()
      })
    } catch (err) {
      circuit.close(END_REASON.done)
      throw err
    }
  }

  private async publish (signal?: AbortSignal): Promise<void> {
    if (this.intros.size === 0) return
    const now = this.d.now()
    const expires = now + (this.d.descriptorTtlMs ?? 3 * 3600_000)
    const descriptor: HiddenDescriptor = {
      servicePublicKey: this.key.publicKey,
      introPoints: [...this.intros.values()].map(i => ({
        id: i.contact.id, publicKey: i.contact.publicKey ?? Buffer.alloc(32), endpoint: i.contact.endpoint, authKey: i.authKey.publicKey
      })),
      expires,
      powBits: this.powBits
    }
    const stored = await publishDescriptor(this.d.kv, this.key, descriptor, publishPeriods(now), now, signal)
    if (stored > 0) this.descriptorExpires = expires
  }

  /** An hs-introduce2 notify on one of this service's intro circuits. Never throws. */
  onIntroduce2 (circuit: Circuit, payload: Buffer): void {
    try {
      this.introduce2(circuit, payload)
    } catch (err) {
      // Whatever a peer sent, it must not reach the event loop: count it and go on.
      this.refused++
      this.d.log('debug', `hidden service ${this.key.name}: introduction dropped: ${(err as Error).message}`)
    }
  }

  private introduce2 (circuit: Circuit, payload: Buffer): void {
    const intro = this.intros.get(circuit.info.id)
    if (intro === undefined) return
    const m = tryDecode(decodeIntroduce, payload)
    if (m === undefined || !m.authKey.equals(intro.authKey.publicKey) || m.blob.length < 40) { this.refused++; return }
    // The proof of work first: one hash, before the bucket and any public-key work.
    if (!checkPow(this.key.publicKey, m.authKey, m.blob.subarray(0, 32), m.blob.subarray(32, 40), this.powBits)) { this.refused++; return }
    if (!this.bucket.take()) { this.refused++; this.overloaded(); return }
    const opened = openIntroduction({ publicKey: this.key.publicKey, x25519: this.x25519 }, m.authKey, m.blob, this.powBits)
    if (!opened.ok) { this.refused++; return }
    const { inner } = opened
    const now = this.d.now()
    if (Math.abs(inner.timestamp - now) > REPLAY_WINDOW_MS || !this.firstTime(inner.cookie, opened.ephemeral, now)) { this.refused++; return }
    const rv = inner.rendezvous
    if (!nodeIdOf(rv.publicKey).equals(rv.id)) { this.refused++; return }
    const answer = ntorServerRespond({ id: nodeIdOf(this.key.publicKey), publicKey: this.key.publicKey, secretKey: this.key.secretKey }, inner.ntor)
    if (answer === undefined) { this.refused++; return }
    this.introductions++
    // One of our own intro points (the client meets us where it introduced): our checked contact for it.
    const own = [...this.intros.values()].find(i => i.contact.id.equals(rv.id))?.contact
    const contact = own ?? makeContact(rv.id, rv.endpoint, { publicKey: rv.publicKey, nonce: rv.nonce, rank: rankOf(rv.publicKey, rv.nonce) })
    const local = this.connectLocal(inner.early)
    this.meet(contact, inner.cookie, answer.reply, answer.material, intro.contact.id, local).catch(err => {
      local.destroy()
      this.d.log('debug', `hidden service ${this.key.name}: rendezvous failed: ${(err as Error).message}`)
    })
  }

  /** Keeps one ready circuit to the intro point `contact` (one build at a time per intro point). */
  private prepareSpare (contact: Contact): void {
    const k = contact.id.toString('hex')
    if (this.stopped || this.spares.has(k) || this.sparing.has(k)) return
    this.sparing.add(k)
    this.d.tunnels.build({ hops: 3, purpose: 'hs-service', lastHop: contact }).then((c) => {
      this.sparing.delete(k)
      const stillIntro = [...this.intros.values()].some(i => i.contact.id.equals(contact.id))
      if (this.stopped || !stillIntro || this.spares.has(k)) { c.close(END_REASON.done); return }
      this.spares.set(k, c)
      c.onClose(() => { if (this.spares.get(k) === c) this.spares.delete(k) })
    }, (err: Error) => {
      // The next maintain() round tries again: no retry loop while relays fail.
      this.sparing.delete(k)
      this.d.log('debug', `hidden service ${this.key.name}: a ready circuit to an intro point failed: ${err.message}`)
    })
  }

  /** The ready circuit to `relay`, when one is open; a replacement is started. */
  private takeSpare (relay: Contact): Circuit | undefined {
    const k = relay.id.toString('hex')
    const c = this.spares.get(k)
    if (c === undefined) return undefined
    this.spares.delete(k)
    setImmediate(() => { this.prepareSpare(relay) })
    return c.info.state === 'open' ? c : undefined
  }

  /** A connection to the local server with the client's early data written; read once the circuits join. */
  private connectLocal (early: Buffer | undefined): Socket {
    const socket = tcpConnect({ host: this.key.target.host === 'localhost' ? '127.0.0.1' : this.key.target.host, port: this.key.target.port })
    socket.pause()
    // Until the stream is there, an error is kept for it (serve() hands it on).
    socket.once('error', () => {})
    if (early !== undefined && early.length > 0) socket.write(early)
    return socket
  }

  /**
   * Meets the client at its rendezvous point: a ready circuit when the point is one of our intro
   * points, else a build; keys the virtual hop *before* hs-rendezvous1 leaves, so the cells
   * right behind it (the local server's answer, on the adopted first stream) are sealed for the
   * client and reach it in order after the join.
   */
  private async meet (
    rendezvous: Contact, cookie: Buffer, reply: Buffer, material: Parameters<Circuit['addVirtualHop']>[0], introId: Buffer, local: Socket
  ): Promise<void> {
    const circuit = this.takeSpare(rendezvous) ??
      await this.d.tunnels.build({ hops: 3, purpose: 'hs-service', lastHop: rendezvous, exclude: rendezvous.id.equals(introId) ? [] : [introId] })
    try {
      if (this.stopped) throw new Error('stopped')
      const rendezvousHop = circuit.info.hops.length - 1
      circuit.addVirtualHop(material)
      this.rendezvous.set(circuit.info.id, circuit)
      circuit.onClose(() => { this.rendezvous.delete(circuit.info.id) })
      while (this.rendezvous.size > this.limits.maxRendezvous) {
        const [oldestId, oldest] = this.rendezvous.entries().next().value as [string, Circuit]
        this.rendezvous.delete(oldestId)
        oldest.close(END_REASON.limit)
      }
      const answered = circuit.request(HS_REQUEST.rendezvous1, encodeRendezvous1({ cookie, reply }), { hop: rendezvousHop })
      answered.catch(() => {})
      this.serve(circuit.adoptStream(HS_EARLY_STREAM_ID, HS_STREAM), local)
      const status = readStatus(await answered)
      if (status !== HS_STATUS.ok) throw new Error(`the rendezvous point answered status ${status}`)
    } catch (err) {
      circuit.close(END_REASON.done)
      throw err
    }
  }

  /** A client stream that arrived past the virtual hop of one of this service's rendezvous circuits. */
  serve (stream: Duplex, socket: Socket = this.connectLocal(undefined)): void {
    // The local server down or failing: the stream ends with an error (END refused), so the
    // client can tell "the service is there but its server is not" from a clean close.
    const fail = (err: Error): void => { stream.destroy(err) }
    if (socket.destroyed) { fail(new Error('the local server refused the connection')); return }
    socket.on('error', fail)
    stream.on('error', () => { socket.destroy() })
    stream.on('close', () => { socket.destroy() })
    stream.pipe(socket)
    socket.pipe(stream)
    socket.resume()
  }

  private overloaded (): void {
    const now = this.d.now()
    this.lastOverload = now
    const raise = this.powBits === 0 || now - this.lastRaise >= 60_000
    if (!raise || this.powBits >= this.limits.maxPowBits) return
    this.powBits = this.powBits === 0 ? this.limits.powBits : Math.min(this.limits.maxPowBits, this.powBits + 2)
    this.lastRaise = now
    this.d.log('info', `hidden service ${this.key.name}: introductions over the limit, asking clients for ${this.powBits} bits of proof of work`)
    this.schedule()
  }

  /** False when this cookie or ephemeral key came before (a replayed introduction). */
  private firstTime (cookie: Buffer, ephemeral: Buffer, now: number): boolean {
    for (const [k, t] of this.seen) {
      if (t > now - REPLAY_WINDOW_MS && this.seen.size < MAX_REPLAY_ENTRIES) break
      this.seen.delete(k)
    }
    const a = 'c' + cookie.toString('hex')
    const b = 'e' + ephemeral.toString('hex')
    if (this.seen.has(a) || this.seen.has(b)) return false
    this.seen.set(a, now)
    this.seen.set(b, now)
    return true
  }
}

/**
 * `count` relays by rank: the best-ranked half (at least a few) shuffled, so that
 * services do not all crowd onto the same few relays.
 */
export function pickByRank (candidates: Contact[], count: number): Contact[] {
  const distinct = [...new Map(candidates.map(c => [c.id.toString('hex'), c])).values()].sort((a, b) => b.rank - a.rank)
  const pool = distinct.slice(0, Math.max(count * 2, Math.ceil(distinct.length / 2)))
  for (let i = pool.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [pool[i], pool[j]] = [pool[j], pool[i]] }
  return pool.slice(0, count)
}
