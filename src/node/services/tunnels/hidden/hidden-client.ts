import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { nodeIdOf } from '../../../identity/identity.js'
import { type Contact, makeContact } from '../../../routing/contact.js'
import type { HiddenDescriptor, IntroPoint } from '../descriptor.js'
import { TunnelError, TunnelErrorCode } from '../errors.js'
import type { HiddenConnectProgress } from '../hidden-api.js'
import { ntorClientFinish, ntorClientStart } from '../ntor.js'
import { type Circuit, END_REASON, type TunnelService } from '../tunnel-api.js'
import { type DescriptorKv, fetchDescriptor } from './descriptor-store.js'
import { COOKIE_BYTES, HS_EARLY_STREAM_ID, HS_REQUEST, HS_STATUS, HS_STREAM, decodeReply, encodeIntroduce, readStatus, tryDecode } from './hs-messages.js'
import { type IntroductionInner, earlyRoom, sealIntroduction } from './introduce-blob.js'

/**
 * The client's side of a hidden-service connection, rendezvous at the intro point:
 *   descriptor (kv, blinded key) → one circuit to an intro point (a pre-built
 *   2-hop circuit extended by one hop) → on it, back to back,
 *   hs-establish-rendezvous (that relay also holds our cookie) and hs-introduce
 *   (sealed to the service: cookie, rendezvous = this same relay, ntor message,
 *   and the first bytes of the stream, "early data") → the service answers on a
 *   circuit it keeps ready to that relay, which joins the two → hs-rendezvous2
 *   → ntor finish → virtual hop → the first stream (HS_EARLY_STREAM_ID) is
 *   adopted by both ends, with no BEGIN: the service's answer to the early data
 *   follows the join in the same cell order.
 *
 * Round trips on the critical path (L = one link's latency): descriptor read;
 * one EXTEND to the intro point (3 L there and back); introduction to the
 * service (6 L); the service's answer back over its ready circuit and ours
 * (6 L). Tor's flow adds a separate rendezvous circuit, the service's build to
 * it, and BEGIN + request (another 6 L each way).
 *
 * What it costs: the intro point is also the rendezvous point, so that one
 * relay sees both the introduction (which service, by its per-intro auth key)
 * and the joined circuit (the session's volume and timing); Tor keeps those on
 * two relays so that the rendezvous point does not know the service. It never
 * learns the client or the service (3 hops each side). In exchange a client
 * cannot make the service build circuits to a relay of the client's choosing
 * (Tor's guard-discovery lever): the service only ever goes to its own intro points.
 *
 * An intro point that refuses (unknown key, over its limit) or cannot be
 * reached is replaced by another one once; a service that does not come in
 * time (its descriptor may have changed) makes the whole attempt start once
 * more with a fresh descriptor.
 */
export interface ClientDeps {
  tunnels: TunnelService
  /** Relays this node knows (their rank proofs are passed on to the service). */
  candidates: () => Contact[]
  kv: DescriptorKv
  selfId: Buffer
  now: () => number
  /** How long the service has to come to the rendezvous; default 10 s. */
  rendezvousTimeoutMs?: number
}

export interface ConnectOptions {
  isolation?: string
  signal?: AbortSignal
  onProgress?: (p: HiddenConnectProgress) => void
  /**
   * The first bytes of the stream (an HTTP request): sent inside the introduction as far as
   * they fit (the rest right after the join), so the service's answer needs no round trip of
   * its own. Not for requests that must not be seen twice by the local server: an introduction
   * is refused when replayed, but a lost one may be retried on a new connection.
   */
  earlyData?: Buffer
}

interface Waiter { join: (reply: Buffer) => void }

const DESCRIPTOR_CACHE_MAX = 256

export class HiddenClient {
  private readonly waiting = new Map<string, Waiter>()
  private readonly descriptors = new Map<string, HiddenDescriptor>()

  constructor (private readonly d: ClientDeps) {}

  /**
   * An hs-rendezvous2 notify on one of our circuits. Never throws. The join is completed
   * here, synchronously: the service's first cells follow the notify and must find the
   * virtual hop and the adopted stream in place.
   */
  onRendezvous2 (circuit: Circuit, payload: Buffer): void {
    const w = this.waiting.get(circuit.info.id)
    const reply = tryDecode(decodeReply, payload)
    if (w === undefined || reply === undefined) return
    this.waiting.delete(circuit.info.id)
    w.join(reply)
  }

  async connect (publicKey: Buffer, opts: ConnectOptions = {}): Promise<Duplex> {
    if (publicKey.length !== 32) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `a hidden service key is 32 bytes, not ${publicKey.length}`)
    const failedRelays: Buffer[] = []
    const sent = { early: false }
    let lastError: unknown
    for (let attempt = 0; attempt < 2; attempt++) {
      opts.signal?.throwIfAborted()
      try {
        return await this.attempt(publicKey, attempt > 0, failedRelays, opts, sent)
      } catch (err) {
        lastError = err
        // Early data the service took may have reached its server: never sent a second time.
        if (!retryable(err) || opts.signal?.aborted === true || sent.early) throw err
      }
    }
    throw lastError
  }

  private async descriptor (publicKey: Buffer, fresh: boolean, signal?: AbortSignal): Promise<HiddenDescriptor> {
    const k = publicKey.toString('hex')
    const now = this.d.now()
    const held = this.descriptors.get(k)
    if (!fresh && held !== undefined && held.expires > now) return held
    const d = await fetchDescriptor(this.d.kv, publicKey, now, signal)
    if (d === undefined || d.introPoints.length === 0) {
      throw new TunnelError(TunnelErrorCode.HS_NOT_FOUND, `no descriptor for hidden service ${k.slice(0, 16)}…: it is not running, or was not published yet (try again in a minute)`)
    }
    this.descriptors.delete(k)
    this.descriptors.set(k, d)
    if (this.descriptors.size > DESCRIPTOR_CACHE_MAX) this.descriptors.delete(this.descriptors.keys().next().value as string)
    return d
  }

  private async attempt (publicKey: Buffer, fresh: boolean, failedRelays: Buffer[], opts: ConnectOptions, sent: { early: boolean }): Promise<Duplex> {
    const desc = await this.descriptor(publicKey, fresh, opts.signal)
    opts.onProgress?.({ phase: 'descriptor' })
    const failed = new Set(failedRelays.map(b => b.toString('hex')))
    const usable = desc.introPoints.filter(ip => !failed.has(ip.id.toString('hex')) && !ip.id.equals(this.d.selfId))
    const intros = shuffle(usable.length > 0 ? usable : desc.introPoints)
    const tries = Math.min(2, intros.length)
    let lastStatus: number = HS_STATUS.unknown
    for (let i = 0; i < tries; i++) {
      opts.signal?.throwIfAborted()
      const r = await this.through(publicKey, desc, intros[i], opts, sent).catch((err: unknown) => {
        if (isTornetCircuitFailure(err)) failedRelays.push(intros[i].id)
        // A circuit that fails is worth one more intro point; anything else ends the attempt.
        if (i + 1 < tries && isTornetCircuitFailure(err) && opts.signal?.aborted !== true && !sent.early) return HS_STATUS.unknown
        throw err
      })
      if (typeof r !== 'number') return r
      lastStatus = r
    }
    throw new TunnelError(TunnelErrorCode.HS_UNREACHABLE, `no intro point took the introduction (last status ${lastStatus})`)
  }

  /** Introduces through `ip` and meets the service there: the stream, or the intro point's refusal status. */
  private async through (publicKey: Buffer, desc: HiddenDescriptor, ip: IntroPoint, opts: ConnectOptions, sent: { early: boolean }): Promise<Duplex | number> {
    const { signal } = opts
    const cookie = randomBytes(COOKIE_BYTES)
    const hs = ntorClientStart({ id: nodeIdOf(publicKey), publicKey })
    const known = this.d.candidates().find(c => c.id.equals(ip.id))
    const inner: IntroductionInner = {
      cookie,
      rendezvous: { id: ip.id, publicKey: ip.publicKey, nonce: known?.nonce ?? Buffer.alloc(8), endpoint: ip.endpoint },
      ntor: hs.message,
      timestamp: this.d.now()
    }
    const early = opts.earlyData ?? Buffer.alloc(0)
    const room = earlyRoom(inner)
    inner.early = early.subarray(0, room)
    const rest = early.subarray(room)
    // Sealed (and any proof of work mined) while the circuit is extended.
    const sealing = sealIntroduction(publicKey, ip.authKey, inner, desc.powBits, { signal })
    sealing.catch(() => {})
    const circuit = await this.d.tunnels.build({ hops: 3, purpose: 'hs-client', isolation: opts.isolation, lastHop: introContact(ip), signal })
    opts.onProgress?.({ phase: 'rendezvous' })
    const joined = new Promise<Duplex>((resolve, reject) => {
      this.waiting.set(circuit.info.id, {
        join: (reply) => {
          const material = ntorClientFinish(hs.state, reply)
          if (material === undefined) { reject(new TunnelError(TunnelErrorCode.HANDSHAKE_FAILED, 'the rendezvous answer does not authenticate as the hidden service')); return }
          try {
            circuit.addVirtualHop(material)
            const stream = circuit.adoptStream(HS_EARLY_STREAM_ID, HS_STREAM)
            if (rest.length > 0) stream.write(rest)
            resolve(stream)
          } catch (err) { reject(err) }
        }
      })
      circuit.onClose(() => { reject(new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the rendezvous circuit closed')) })
    })
    joined.catch(() => {})
    try {
      // Cells keep their order: the relay holds the cookie before it passes the introduction on.
      const established = circuit.request(HS_REQUEST.establishRendezvous, cookie, { signal })
      established.catch(() => {})
      const blob = await sealing
      // From here the early data may reach the service's server, unless the intro point says it refused.
      if (inner.early.length > 0) sent.early = true
      const introduced = await circuit.request(HS_REQUEST.introduce, encodeIntroduce({ authKey: ip.authKey, blob }), { signal })
      const status = readStatus(introduced)
      if (status !== HS_STATUS.ok) { sent.early = false; circuit.close(END_REASON.done); return status }
      const rvStatus = readStatus(await established)
      if (rvStatus !== HS_STATUS.ok) throw new TunnelError(TunnelErrorCode.HS_UNREACHABLE, `the intro point refused to hold the rendezvous (status ${rvStatus})`)
      opts.onProgress?.({ phase: 'introduce' })
      const stream = await withTimeout(joined, this.d.rendezvousTimeoutMs ?? 10_000, signal,
        () => new TunnelError(TunnelErrorCode.HS_UNREACHABLE, 'the hidden service did not come to the rendezvous in time'))
      opts.onProgress?.({ phase: 'joined' })
      // The circuit serves this one stream: it closes with it.
      stream.once('close', () => { circuit.close(END_REASON.done) })
      return stream
    } catch (err) {
      circuit.close(END_REASON.done)
      throw err
    } finally {
      this.waiting.delete(circuit.info.id)
    }
  }
}

function introContact (ip: IntroPoint): Contact {
  return makeContact(ip.id, ip.endpoint, { publicKey: ip.publicKey })
}

function shuffle<T> (xs: readonly T[]): T[] {
  const a = [...xs]
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]] }
  return a
}

const RETRYABLE = new Set<string>([
  TunnelErrorCode.EXTEND_FAILED, TunnelErrorCode.CIRCUIT_CLOSED, TunnelErrorCode.HS_UNREACHABLE, TunnelErrorCode.BAD_CELL,
  TunnelErrorCode.TIMEOUT, TunnelErrorCode.STREAM_CLOSED
])

function retryable (err: unknown): boolean {
  return err instanceof TunnelError && RETRYABLE.has(err.code)
}

function isTornetCircuitFailure (err: unknown): boolean {
  return err instanceof TunnelError && (err.code === TunnelErrorCode.EXTEND_FAILED || err.code === TunnelErrorCode.CIRCUIT_CLOSED)
}

async function withTimeout<T> (p: Promise<T>, ms: number, signal: AbortSignal | undefined, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((resolve, reject) => {
        timer = setTimeout(() => { reject(onTimeout()) }, ms)
        if (signal !== undefined) {
          onAbort = () => { reject(new TunnelError(TunnelErrorCode.TIMEOUT, 'the connection was aborted')) }
          signal.addEventListener('abort', onAbort, { once: true })
        }
      })
    ])
  } finally {
    clearTimeout(timer)
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}
