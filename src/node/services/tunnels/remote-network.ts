import type { Duplex } from 'node:stream'
import type { Contact } from '../../routing/contact.js'
import type { ClosestOptions, FindValueOptions, FoundValue, ServiceHandler, ServiceNetwork, ValueProvider } from '../service-network.js'
import {
  EXIT_CLOSEST, EXIT_FIND_VALUE, EXIT_REQUEST, EXIT_STREAM, MAX_EXIT_FRAME, MAX_REMOTE_CLOSEST,
  decodeClosestAnswer, decodeFindValueAnswer, decodeRequestAnswer, decodeStreamAnswer,
  encodeClosestQuery, encodeFindValueQuery, encodeRequestQuery, encodeStreamQuery, exitFailureError
} from './exit-messages.js'
import { frame, readFrame } from './exit-frames.js'
import type { Circuit } from './tunnel-api.js'

/**
 * A ServiceNetwork whose outbound operations run at the last hop of a
 * circuit (network-exit.ts there): every lookup, request and stream is one
 * circuit request or circuit stream, and the nodes it reaches see the exit,
 * never this node. What this node does not hand to the circuit stays local:
 * registerService and registerValueProvider go to `local` (inbound traffic is
 * this node's own), and a fetch-only user gives no `local` at all.
 *
 * The circuit is asked for per operation (`circuit()`, e.g. the tunnel
 * service's circuitFor(hops, isolation)), so a circuit that closed is
 * replaced at the next operation; an operation caught by the close fails with
 * TUNNEL_CIRCUIT_CLOSED and the caller retries it as it would a lost peer.
 *
 * Values a FIND_VALUE brings back are checked with the validate() of the
 * provider registered here for that kind (the exit checks them too, but it
 * could lie); one that fails is a miss.
 */
export interface RemoteNetworkOptions {
  /** This node, as services see themselves (never sent to the exit). */
  self: Contact
  /** The circuit to use for the next operation. */
  circuit: (signal?: AbortSignal) => Promise<Circuit>
  /** Where inbound registrations go (the node's own network); absent for a fetch-only user. */
  local?: Pick<ServiceNetwork, 'registerService' | 'registerValueProvider'>
  /** How long a lookup through the circuit may take. Default 30 s. */
  lookupTimeoutMs?: number
  /** Default time-out of a request when the caller gives none (the exit's own request time-out rides in the query). Default 10 s. */
  requestTimeoutMs?: number
  /** Extra time a circuit round trip may add to a request's own time-out. Default 5 s. */
  circuitMarginMs?: number
}

export class RemoteServiceNetwork implements ServiceNetwork {
  private readonly validators = new Map<number, (key: Buffer, value: Buffer) => boolean>()
  private readonly lookupTimeoutMs: number
  private readonly requestTimeout: number
  private readonly marginMs: number

  constructor (private readonly opts: RemoteNetworkOptions) {
    this.lookupTimeoutMs = opts.lookupTimeoutMs ?? 30_000
    this.requestTimeout = opts.requestTimeoutMs ?? 10_000
    this.marginMs = opts.circuitMarginMs ?? 5000
  }

  get self (): Contact { return this.opts.self }

  async closest (key: Buffer, opts: ClosestOptions = {}): Promise<Contact[]> {
    const count = Math.min(MAX_REMOTE_CLOSEST, Math.max(1, opts.count ?? MAX_REMOTE_CLOSEST))
    const circuit = await this.opts.circuit(opts.signal)
    // One more than wanted: the exit may count this node among the closest, and it is left out below.
    const asked = Math.min(MAX_REMOTE_CLOSEST, count + 1)
    const answer = decodeClosestAnswer(await circuit.request(EXIT_CLOSEST, encodeClosestQuery({ key, count: asked }), { signal: opts.signal, timeoutMs: this.lookupTimeoutMs }))
    if (!answer.ok) throw exitFailureError(answer.error)
    // Whoever asked never hears of itself (a lookup result never holds the asker).
    return answer.contacts.filter(c => !c.id.equals(this.self.id)).slice(0, count)
  }

  async findValue (key: Buffer, kind: number, opts: FindValueOptions = {}): Promise<FoundValue | undefined> {
    const answer = decodeFindValueAnswer(await this.exchange(EXIT_FIND_VALUE,
      encodeFindValueQuery({ key, kind, notFoundStop: opts.notFoundStop }), this.lookupTimeoutMs, opts.signal))
    if (answer.status === 'error') throw exitFailureError(answer.error)
    if (answer.status === 'value') {
      const validate = this.validators.get(kind)
      if (validate === undefined || validate(key, answer.value)) return { value: answer.value, from: answer.from }
      opts.onNoValue?.({ notFound: 0, stoppedEarly: false })
      return undefined
    }
    opts.onNoValue?.({ notFound: answer.notFound, stoppedEarly: answer.stoppedEarly })
    return undefined
  }

  async request (to: Contact, service: string, payload: Uint8Array, opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Buffer> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeout
    const query = encodeRequestQuery({ to, service, timeoutMs, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.length) })
    const answer = decodeRequestAnswer(await this.exchange(EXIT_REQUEST, query, timeoutMs + this.marginMs, opts.signal))
    if (!answer.ok) throw exitFailureError(answer.error)
    return answer.reply
  }

  async openStream (to: Contact, service: string, opts: { signal?: AbortSignal } = {}): Promise<Duplex> {
    const circuit = await this.opts.circuit(opts.signal)
    const stream = await circuit.openStream(EXIT_STREAM, { signal: opts.signal })
    try {
      stream.write(frame(encodeStreamQuery({ to, service })))
      const answer = decodeStreamAnswer(await readFrame(stream, MAX_EXIT_FRAME, { signal: opts.signal, timeoutMs: this.requestTimeout + this.marginMs }))
      if (!answer.ok) throw exitFailureError(answer.error)
      return stream
    } catch (err) {
      stream.destroy()
      throw err
    }
  }

  registerService (service: string, handler: ServiceHandler): void {
    this.opts.local?.registerService(service, handler)
  }

  registerValueProvider (kind: number, provider: ValueProvider): void {
    if (provider.validate !== undefined) this.validators.set(kind, provider.validate.bind(provider))
    this.opts.local?.registerValueProvider(kind, provider)
  }

  /** One question and one answer on a circuit stream of its own. */
  private async exchange (service: string, query: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    const circuit = await this.opts.circuit(signal)
    const stream = await circuit.openStream(service, { signal })
    try {
      stream.write(frame(query))
      return await readFrame(stream, MAX_EXIT_FRAME, { signal, timeoutMs })
    } finally {
      stream.destroy()
    }
  }
}
