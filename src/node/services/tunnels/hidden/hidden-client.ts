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
import { COOKIE_BYTES, HS_REQUEST, HS_STATUS, HS_STREAM, decodeReply, encodeIntroduce, readStatus, tryDecode } from './hs-messages.js'
import { pickByRank } from './hidden-host.js'
import { sealIntroduction } from './introduce-blob.js'

/**
 * The client's side of a hidden-service connection:
 *   descriptor (kv, blinded key) → a circuit to a rendezvous point of our own
 *   choosing + hs-establish-rendezvous, built in parallel with a circuit to an
 *   intro point → hs-introduce (sealed to the service, PoW when asked) →
 *   hs-rendezvous2 on the rendezvous circuit → ntor finish → virtual hop →
 *   BEGIN 'hs'.
 * An intro point that refuses (unknown key, over its limit) is replaced by
 * another one once; a circuit that fails, or a service that does not come to
 * the rendezvous in time (its descriptor may have changed: new intro points,
 * a proof of work asked), makes the whole attempt start once more with a
 * fresh descriptor.
 */
export interface ClientDeps {
  tunnels: TunnelService
  /** Relays usable as rendezvous points. */
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
}

interface Waiter { resolve: (reply: Buffer) => void }

const DESCRIPTOR_CACHE_MAX = 256

export class HiddenClient {
  private readonly waiting = new Map<string, Waiter>()
  private readonly descriptors = new Map<string, HiddenDescriptor>()

  constructor (private readonly d: ClientDeps) {}

  /** An hs-rendezvous2 notify on one of our rendezvous circuits. Never throws. */
  onRendezvous2 (circuit: Circuit, payload: Buffer): void {
    const w = this.waiting.get(circuit.info.id)
    const reply = tryDecode(decodeReply, payload)
    if (w === undefined || reply === undefined) return
    this.waiting.delete(circuit.info.id)
    w.resolve(reply)
  }

  async connect (publicKey: Buffer, opts: ConnectOptions = {}): Promise<Duplex> {
    if (publicKey.length !== 32) throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, `a hidden service key is 32 bytes, not ${publicKey.length}`)
    const failedRelays: Buffer[] = []
    let lastError: unknown
    for (let attempt = 0; attempt < 2; attempt++) {
      opts.signal?.throwIfAborted()
      try {
        return await this.attempt(publicKey, attempt > 0, failedRelays, opts)
      } catch (err) {
        lastError = err
        if (!retryable(err) || opts.signal?.aborted === true) throw err
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

  private async attempt (publicKey: Buffer, fresh: boolean, failedRelays: Buffer[], opts: ConnectOptions): Promise<Duplex> {
    const { signal } = opts
    const known = this.descriptors.get(publicKey.toString('hex'))?.introPoints.map(i => i.id) ?? []
    const avoid = new Set([this.d.selfId, ...known, ...failedRelays].map(b => b.toString('hex')))
    const [rendezvous] = pickByRank(this.d.candidates().filter(c => !avoid.has(c.id.toString('hex'))), 1)
    if (rendezvous === undefined) throw new TunnelError(TunnelErrorCode.NO_RELAYS, 'no relay to use as a rendezvous point: wait for the routing table to fill')
    const cookie = randomBytes(COOKIE_BYTES)
    const isolation = opts.isolation
    const opened: Circuit[] = []
    const closeAll = (): void => { for (const c of opened) c.close(END_REASON.done) }
    // The rendezvous circuit does not depend on the descriptor: it is built while the
    // descriptor is fetched, and the intro circuit as soon as the descriptor names one.
    // The introduction leaves once the cookie is *sent* to the rendezvous point: the
    // service's answer reaches that point several link trips after the cookie (cells on
    // a circuit keep their order), and a refusal is checked before waiting for the service.
    let established: Promise<void> | undefined
    const rvP = this.d.tunnels.build({ hops: 3, purpose: 'hs-client', isolation, lastHop: rendezvous, exclude: known, signal })
      .then(c => {
        opened.push(c)
        established = c.request(HS_REQUEST.establishRendezvous, cookie, { signal }).then(answer => {
          const status = readStatus(answer)
          if (status !== HS_STATUS.ok) throw new TunnelError(TunnelErrorCode.HS_UNREACHABLE, `the rendezvous point refused (status ${status})`)
        })
        established.catch(() => {})
        return c
      })
    rvP.catch(() => {})
    const buildIntro = async (ip: IntroPoint): Promise<Circuit> => {
      const c = await this.d.tunnels.build({ hops: 3, purpose: 'hs-client', isolation, lastHop: introContact(ip), exclude: [rendezvous.id], signal })
      opened.push(c)
      return c
    }
    let desc: HiddenDescriptor
    let intros: IntroPoint[]
    let rv: Circuit
    let introCircuit: Circuit | undefined
    let introP: Promise<Circuit | undefined> | undefined
    try {
      desc = await this.descriptor(publicKey, fresh, signal)
      opts.onProgress?.({ phase: 'descriptor' })
      intros = shuffle(desc.introPoints)
      // The rendezvous point is never also the intro point used.
      if (intros.length > 1 && intros[0].id.equals(rendezvous.id)) intros.push(intros.shift() as IntroPoint)
      // An intro point that cannot be reached is not fatal: introduce() tries the next one.
      introP = buildIntro(intros[0]).catch(() => undefined)
      ;[rv, introCircuit] = await Promise.all([rvP, introP])
      opts.onProgress?.({ phase: 'rendezvous' })
    } catch (err) {
      await Promise.allSettled([rvP, introP])
      closeAll()
      if (isTornetCircuitFailure(err)) failedRelays.push(rendezvous.id)
      throw err
    }
    try {
      const reply = new Promise<Buffer>((resolve, reject) => {
        this.waiting.set(rv.info.id, { resolve })
        rv.onClose(() => { reject(new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the rendezvous circuit closed')) })
      })
      reply.catch(() => {})
      const hs = ntorClientStart({ id: nodeIdOf(publicKey), publicKey })
      const introduced = await this.introduce(publicKey, desc, intros, introCircuit, buildIntro, cookie, rendezvous, hs.message, signal)
      opts.onProgress?.({ phase: 'introduce' })
      introduced.close(END_REASON.done)
      await established?.catch((err: unknown) => {
        if (isTornetCircuitFailure(err)) failedRelays.push(rendezvous.id)
        throw err
      })
      const answer = await withTimeout(reply, this.d.rendezvousTimeoutMs ?? 10_000, signal,
        () => new TunnelError(TunnelErrorCode.HS_UNREACHABLE, 'the hidden service did not come to the rendezvous in time'))
      const material = ntorClientFinish(hs.state, answer)
      if (material === undefined) throw new TunnelError(TunnelErrorCode.HANDSHAKE_FAILED, 'the rendezvous answer does not authenticate as the hidden service')
      rv.addVirtualHop(material)
      const stream = await rv.openStream(HS_STREAM, { signal, optimistic: true })
      opts.onProgress?.({ phase: 'joined' })
      // The circuit serves this one stream: it closes with it.
      stream.once('close', () => { rv.close(END_REASON.done) })
      return stream
    } catch (err) {
      closeAll()
      throw err
    } finally {
      this.waiting.delete(rv.info.id)
    }
  }

  /** Introduces through the first intro point, or the next one once when it refuses. The circuit that took it. */
  private async introduce (
    publicKey: Buffer, desc: HiddenDescriptor, intros: IntroPoint[], first: Circuit | undefined, buildIntro: (ip: IntroPoint) => Promise<Circuit>,
    cookie: Buffer, rendezvous: Contact, ntorMessage: Buffer, signal?: AbortSignal
  ): Promise<Circuit> {
    let circuit = first
    let lastStatus: number = HS_STATUS.unknown
    const tries = Math.min(2, intros.length)
    for (let i = 0; i < tries; i++) {
      if (i > 0 || circuit === undefined) {
        circuit?.close(END_REASON.done)
        circuit = undefined
        if (i === 0) continue
        circuit = await buildIntro(intros[i])
      }
      const ip = intros[i]
      const blob = await sealIntroduction(publicKey, ip.authKey, {
        cookie,
        rendezvous: { id: rendezvous.id, publicKey: rendezvous.publicKey ?? Buffer.alloc(32), nonce: rendezvous.nonce ?? Buffer.alloc(8), endpoint: rendezvous.endpoint },
        ntor: ntorMessage,
        timestamp: this.d.now()
      }, desc.powBits, { signal })
      try {
        lastStatus = readStatus(await circuit.request(HS_REQUEST.introduce, encodeIntroduce({ authKey: ip.authKey, blob }), { signal }))
      } catch (err) {
        if (i + 1 >= tries) throw err
        continue
      }
      if (lastStatus === HS_STATUS.ok) return circuit
    }
    circuit?.close(END_REASON.done)
    throw new TunnelError(TunnelErrorCode.HS_UNREACHABLE, `no intro point took the introduction (last status ${lastStatus})`)
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
