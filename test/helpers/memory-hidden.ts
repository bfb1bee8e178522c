/**
 * A HiddenPort for gateway tests without circuits: connect(key) opens a real
 * TCP connection to the local server registered for that key and hands back
 * a plain Duplex over it (not the socket: a circuit's stream has no socket
 * methods either). Failures of the real thing can be asked for: a missing
 * descriptor, a connect that fails or hangs, a stream cut mid-way.
 */
import { connect as tcpConnect, type Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { TunnelError, TunnelErrorCode } from '../../src/node/services/tunnels/errors.js'
import type { HiddenPort } from '../../src/gateway/ports.js'

export interface HiddenConnectCall {
  publicKey: string // hex
  isolation: string
  /** Bytes of early data the connect carried (as the real one does, they reach the service first). */
  early: number
}

export class MemoryHidden implements HiddenPort {
  private readonly services = new Map<string, { host: string, port: number }>()
  readonly calls: HiddenConnectCall[] = []
  /** Errors the next connects throw, in order (then connects work again). */
  readonly failNext: Error[] = []
  /** The next this-many streams are cut (CIRCUIT_CLOSED) once the request's first bytes reach the service. */
  cutNext = 0
  /** A connect waits this long before it answers (or until its signal aborts). */
  connectDelayMs = 0
  /** Streams still open. */
  readonly open = new Set<Duplex>()

  add (publicKey: Buffer, target: { host: string, port: number }): void {
    this.services.set(publicKey.toString('hex'), target)
  }

  async connect (publicKey: Buffer, opts: { isolation: string, signal: AbortSignal, earlyData?: Buffer }): Promise<Duplex> {
    this.calls.push({ publicKey: publicKey.toString('hex'), isolation: opts.isolation, early: opts.earlyData?.length ?? 0 })
    if (this.connectDelayMs > 0) await delay(this.connectDelayMs, opts.signal)
    const failure = this.failNext.shift()
    if (failure !== undefined) throw failure
    const target = this.services.get(publicKey.toString('hex'))
    if (target === undefined) throw new TunnelError(TunnelErrorCode.HS_NOT_FOUND, 'no descriptor for this service')
    const socket = tcpConnect(target.port, target.host)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', err => reject(new TunnelError(TunnelErrorCode.HS_UNREACHABLE, `service refused: ${err.message}`)))
    })
    const cut = this.cutNext > 0
    if (cut) this.cutNext--
    const stream = streamOver(socket, cut)
    if (opts.earlyData !== undefined && opts.earlyData.length > 0) stream.write(opts.earlyData)
    this.open.add(stream)
    stream.once('close', () => this.open.delete(stream))
    return stream
  }
}

function streamOver (socket: Socket, cut: boolean): Duplex {
  const stream = new Duplex({
    read () { socket.resume() },
    write (chunk: Buffer, _encoding, callback) {
      socket.write(chunk, err => {
        callback(err ?? null)
        if (cut) stream.destroy(new TunnelError(TunnelErrorCode.CIRCUIT_CLOSED, 'a relay on the circuit went away'))
      })
    },
    final (callback) {
      socket.end()
      callback()
    },
    destroy (err, callback) {
      socket.destroy()
      callback(err)
    }
  })
  socket.on('data', (chunk: Buffer) => { if (!stream.push(chunk)) socket.pause() })
  socket.on('end', () => stream.push(null))
  socket.on('error', err => stream.destroy(new TunnelError(TunnelErrorCode.STREAM_CLOSED, `the service's server failed: ${err.message}`)))
  return stream
}

function delay (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new TunnelError(TunnelErrorCode.TIMEOUT, 'connect cancelled'))
    }, { once: true })
  })
}
