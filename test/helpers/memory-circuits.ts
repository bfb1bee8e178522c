import { randomBytes } from 'node:crypto'
import { duplexPair } from 'node:stream'
import type { Contact } from '../../src/node/routing/contact.js'
import { TunnelError, TunnelErrorCode } from '../../src/node/services/tunnels/errors.js'
import {
  END_REASON, type Circuit, type CircuitInfo, type EndReason, type RelayCircuitContext, type RelayRequestHandler,
  type RelayStreamHandler, type TunnelService
} from '../../src/node/services/tunnels/tunnel-api.js'

/**
 * The last hop of a circuit, in memory: the relay-side registry of named
 * request and stream handlers (TunnelService.handleRequest/handleStream), and
 * circuits that end at it with no hops in between. For testing what runs at
 * and through an exit (remote-network.ts, network-exit.ts) before real
 * circuits exist; the real path is tested on UDP.
 */
export class MemoryExit implements Pick<TunnelService, 'handleRequest' | 'handleStream'> {
  private readonly requests = new Map<string, RelayRequestHandler>()
  private readonly streams = new Map<string, RelayStreamHandler>()
  /** Every circuit context handlers were given (tests check what the exit was told). */
  readonly contexts: RelayCircuitContext[] = []

  /** `previous`: the neighbour the exit sees circuits come from. */
  constructor (readonly previous: Contact) {}

  handleRequest (name: string, handler: RelayRequestHandler): void { this.requests.set(name, handler) }
  handleStream (service: string, handler: RelayStreamHandler): void { this.streams.set(service, handler) }

  /** A circuit from some origin to this exit. */
  circuit (opts: { isolation?: string } = {}): MemoryCircuit {
    return new MemoryCircuit(this, this.requests, this.streams, opts.isolation)
  }
}

export class MemoryCircuit implements Circuit {
  readonly info: CircuitInfo
  private readonly closeListeners: Array<(reason: EndReason) => void> = []
  private readonly relayCloseListeners: Array<() => void> = []
  private readonly ctx: RelayCircuitContext
  private closed = false
  requests = 0
  streamsOpened = 0

  constructor (exit: MemoryExit, private readonly requestHandlers: Map<string, RelayRequestHandler>,
    private readonly streamHandlers: Map<string, RelayStreamHandler>, isolation?: string) {
    const id = randomBytes(8).toString('hex')
    this.info = { id, purpose: 'general', isolation, state: 'open', hops: [{ rank: 0 }], endToEnd: false, createdAt: Date.now(), bytesIn: 0, bytesOut: 0, streams: 0 }
    const self = this
    this.ctx = {
      id: randomBytes(8).toString('hex'),
      previous: exit.previous,
      join: () => { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'no joins in memory circuits') },
      notify: () => {},
      get closed () { return self.closed },
      onClose: (l) => { this.relayCloseListeners.push(l) }
    }
    exit.contexts.push(this.ctx)
  }

  async request (name: string, payload: Buffer): Promise<Buffer> {
    this.check()
    this.requests++
    const handler = this.requestHandlers.get(name)
    if (handler === undefined) throw new TunnelError(TunnelErrorCode.NO_SUCH_SERVICE, `no handler ${name}`)
    await new Promise(resolve => setImmediate(resolve))
    return Buffer.from(await handler(Buffer.from(payload), this.ctx))
  }

  async openStream (service: string): Promise<import('node:stream').Duplex> {
    this.check()
    this.streamsOpened++
    const handler = this.streamHandlers.get(service)
    if (handler === undefined) throw new TunnelError(TunnelErrorCode.NO_SUCH_SERVICE, `no stream service ${service}`)
    const [near, far] = duplexPair()
    this.onClose(() => { near.destroy(); far.destroy() })
    // As END does on a real circuit: one end going away closes the other.
    near.on('close', () => far.destroy())
    far.on('close', () => near.destroy())
    handler(far, this.ctx)
    return near
  }

  async extend (): Promise<void> { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'memory circuits have one hop') }
  adoptStream (): import('node:stream').Duplex { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'no virtual hops in memory circuits') }
  addVirtualHop (): void { throw new TunnelError(TunnelErrorCode.INVALID_ARGUMENT, 'no virtual hops in memory circuits') }

  close (reason: EndReason = END_REASON.done): void {
    if (this.closed) return
    this.closed = true
    this.info.state = 'closed'
    for (const l of this.relayCloseListeners) l()
    for (const l of this.closeListeners) l(reason)
  }

  onClose (listener: (reason: EndReason) => void): void { this.closeListeners.push(listener) }

  private check (): void {
    if (this.closed) throw new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'the circuit closed')
  }
}
