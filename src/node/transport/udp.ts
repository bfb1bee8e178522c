import { createSocket, type Socket } from 'node:dgram'
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns'
import { isIP, isIPv4 } from 'node:net'
import type { Endpoint } from '../types.js'
import type { Transport } from './transport.js'

/**
 * The real transport: one UDP socket, IPv4 or IPv6. Binding "::" gives a
 * dual-stack socket (IPv4 peers appear as plain "1.2.3.4", and are sent to as
 * "::ffff:1.2.3.4"). Large kernel buffers absorb bursts (failure to enlarge is
 * ignored: some systems cap them). A send error is counted, never thrown; a
 * socket error closes the socket and re-binds the same port with backoff.
 * The kernel reads a datagram after `send` returns: do not modify it after.
 *
 * Per-datagram cost matters (a 1,200-byte stream sends ~10^4 a second): the
 * socket resolves IP literals synchronously instead of through dns.lookup's
 * deferred callback, and sends without a completion callback (each one is a
 * nextTick), so the common send is one synchronous sendmsg. Node reports a
 * failed callback-less send nowhere, so `sendErrors` counts only throws.
 */
export interface UdpTransportOptions {
  host: string
  port: number
  /** Kernel buffer sizes to ask for; default 4 MiB each. */
  recvBufferSize?: number
  sendBufferSize?: number
}

export interface UdpTransportStats {
  sent: number
  received: number
  sendErrors: number
  socketErrors: number
  rebinds: number
  /** Datagrams not sent because the socket was down or the address family did not fit. */
  unsendable: number
}

const BUFFER_BYTES = 4 * 1024 * 1024
const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 5000

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void

let lastLiteral = ''
let lastFamily = 0

/**
 * Endpoints are IP literals: answer them at once (dgram would defer each send
 * through dns.lookup). dgram asks for every datagram; the last answer is kept
 * (isIP is a regular expression, and a stream asks about one address).
 */
function literalLookup (hostname: string, options: LookupOneOptions | LookupCallback, callback?: LookupCallback): void {
  const cb = typeof options === 'function' ? options : callback as LookupCallback
  if (hostname === lastLiteral) { cb(null, hostname, lastFamily); return }
  const family = isIP(hostname)
  if (family !== 0) { lastLiteral = hostname; lastFamily = family; cb(null, hostname, family); return }
  dnsLookup(hostname, typeof options === 'function' ? {} : options, cb)
}

export class UdpTransport implements Transport {
  readonly stats: UdpTransportStats = { sent: 0, received: 0, sendErrors: 0, socketErrors: 0, rebinds: 0, unsendable: 0 }
  private socket?: Socket
  private handler?: (data: Buffer, from: Endpoint) => void
  private closed = false
  private backoff = BACKOFF_MIN_MS
  private rebindTimer?: NodeJS.Timeout
  private readonly v6: boolean
  private bound: Endpoint = { address: '', port: 0 }
  /** The last destination address and what it is sent to as (a stream sends to one address for long: no regex per datagram). */
  private lastAddress = ''
  private lastSendAddress: string | undefined

  constructor (private readonly opts: UdpTransportOptions) {
    this.v6 = opts.host.includes(':')
  }

  get local (): Endpoint { return this.bound }

  /** @internal Binds the socket (once at creation, again after an error). */
  async bind (port: number): Promise<void> {
    const socket = createSocket({ type: this.v6 ? 'udp6' : 'udp4', ipv6Only: false, lookup: literalLookup })
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => { socket.close(); reject(err) }
      socket.once('error', onError)
      socket.bind({ address: this.opts.host, port, exclusive: true }, () => {
        socket.off('error', onError)
        resolve()
      })
    })
    try { socket.setRecvBufferSize(this.opts.recvBufferSize ?? BUFFER_BYTES) } catch { /* capped by the system */ }
    try { socket.setSendBufferSize(this.opts.sendBufferSize ?? BUFFER_BYTES) } catch { /* capped by the system */ }
    const a = socket.address()
    this.bound = { address: a.address, port: a.port }
    socket.on('message', (msg, rinfo) => {
      this.stats.received++
      const h = this.handler
      if (h === undefined) return
      const address = this.v6 && rinfo.address.startsWith('::ffff:') && isIPv4(rinfo.address.slice(7)) ? rinfo.address.slice(7) : rinfo.address
      try { h(msg, { address, port: rinfo.port }) } catch { /* a handler must not throw; keep the socket alive */ }
    })
    socket.on('error', (err) => this.onSocketError(socket, err))
    this.socket = socket
    this.backoff = BACKOFF_MIN_MS
  }

  send (data: Uint8Array | readonly Uint8Array[], to: Endpoint): void {
    const s = this.socket
    if (s === undefined || this.closed) { this.stats.unsendable++; return }
    let address = this.lastSendAddress
    if (to.address !== this.lastAddress || address === undefined) {
      address = to.address
      if (isIPv4(address)) {
        if (this.v6) address = '::ffff:' + address
      } else if (!this.v6) {
        this.stats.unsendable++
        return
      }
      this.lastAddress = to.address
      this.lastSendAddress = address
    }
    try {
      // An array goes out as one sendmsg with an iovec (node:dgram takes a list of buffers).
      s.send(data as Uint8Array | Uint8Array[], to.port, address)
      this.stats.sent++
    } catch {
      this.stats.sendErrors++
    }
  }

  onDatagram (handler: (data: Buffer, from: Endpoint) => void): void { this.handler = handler }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.rebindTimer !== undefined) clearTimeout(this.rebindTimer)
    const s = this.socket
    this.socket = undefined
    if (s !== undefined) await new Promise<void>((resolve) => { try { s.close(() => resolve()) } catch { resolve() } })
  }

  private onSocketError (socket: Socket, _err: Error): void {
    this.stats.socketErrors++
    if (this.socket !== socket || this.closed) return
    this.socket = undefined
    try { socket.close() } catch { /* already closed */ }
    this.scheduleRebind()
  }

  private scheduleRebind (): void {
    if (this.closed) return
    const delay = this.backoff
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS)
    this.rebindTimer = setTimeout(() => {
      this.rebindTimer = undefined
      if (this.closed) return
      this.stats.rebinds++
      this.bind(this.bound.port).catch(() => this.scheduleRebind())
    }, delay)
    this.rebindTimer.unref()
  }

  /** @internal For tests: make the socket fail as if the OS reported an error. */
  injectSocketError (): void {
    this.socket?.emit('error', new Error('injected socket error'))
  }
}

export async function createUdpTransport (opts: UdpTransportOptions): Promise<UdpTransport> {
  const t = new UdpTransport(opts)
  await t.bind(opts.port)
  return t
}
