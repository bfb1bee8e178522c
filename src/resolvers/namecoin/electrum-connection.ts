import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { TornetError, formatHostPort } from '../../node/index.js'
import { resolveError } from '../errors.js'
import { RESOLVE_ERRORS } from '../types.js'
import type { CertificatePins } from './certificate-pins.js'

/**
 * One connection to an ElectrumX server: JSON-RPC 2.0 over TCP (`t`) or TLS
 * (`s`), one JSON object per line ("\n"-terminated) each way.
 *
 *   → {"jsonrpc": "2.0", "id": 7, "method": "blockchain.scripthash.get_history", "params": ["<hex>"]}
 *   ← {"jsonrpc": "2.0", "id": 7, "result": [{"tx_hash": "<hex>", "height": 123}]}
 *   ← {"jsonrpc": "2.0", "id": 7, "error": {"code": 1, "message": "..."}}
 *   ← {"jsonrpc": "2.0", "method": "blockchain.headers.subscribe", "params": [...]}   (notification, ignored)
 *
 * Answers are matched to requests by id, so requests can overlap. A line
 * that is not JSON, or longer than `maxLineBytes`, means the server is
 * broken: the connection ends and every pending request fails with
 * RESOLVE_UNAVAILABLE. Every request has a deadline (RESOLVE_TIMEOUT).
 */

export interface ElectrumServer { host: string, port: number, tls: boolean }

export interface ElectrumConnectionOptions {
  /** Connect (and TLS handshake) deadline, and the default per-request deadline. */
  timeoutMs: number
  /** Default 8 MiB: a raw transaction of the maximum size in hex, with room to spare. */
  maxLineBytes?: number
  /** TLS: check the server's certificate against the system CAs (default true). */
  rejectUnauthorized?: boolean
  signal?: AbortSignal
  /**
   * TLS trust on first use: when given, the certificate is not checked
   * against CAs (most ElectrumX servers are self-signed) but its SHA-256
   * fingerprint against the pin for this server; a changed one fails with
   * RESOLVE_CERT_CHANGED.
   */
  pins?: CertificatePins
}

export function serverLabel (s: ElectrumServer): string {
  return `${formatHostPort(s.host, s.port)}:${s.tls ? 's' : 't'}`
}

/** "host:port:t|s", with IPv6 hosts in brackets. */
export function parseServer (spec: string): ElectrumServer | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5}):([ts])$/.exec(spec.trim())
  if (m === null) return undefined
  const port = Number(m[2])
  if (port < 1 || port > 65535) return undefined
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1]
  return { host, port, tls: m[3] === 's' }
}

interface Pending { resolve: (v: unknown) => void, reject: (e: unknown) => void, timer: NodeJS.Timeout }

export class ElectrumConnection {
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private buffered: Buffer[] = []
  private bufferedBytes = 0
  private failure: TornetError | undefined
  private readonly maxLineBytes: number

  private constructor (private readonly socket: Socket, readonly server: ElectrumServer, private readonly timeoutMs: number, maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes
    // An idle connection must not keep the process alive; pending requests hold it through their timers.
    socket.unref()
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => this.fail(resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(server)} connection failed: ${err.message}`, err)))
    socket.on('close', () => this.fail(resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(server)} closed the connection.`)))
  }

  get closed (): boolean { return this.failure !== undefined }

  static async open (server: ElectrumServer, opts: ElectrumConnectionOptions): Promise<ElectrumConnection> {
    opts.signal?.throwIfAborted()
    const label = serverLabel(server)
    return await new Promise<ElectrumConnection>((resolve, reject) => {
      const socket: Socket = server.tls
        ? tlsConnect({ host: server.host, port: server.port, servername: isIpLiteral(server.host) ? undefined : server.host, rejectUnauthorized: opts.pins === undefined && (opts.rejectUnauthorized ?? true) })
        : netConnect({ host: server.host, port: server.port })
      const done = (err?: unknown): void => {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        socket.removeListener('error', onError)
        socket.removeListener(server.tls ? 'secureConnect' : 'connect', onConnect)
        if (err !== undefined) { socket.destroy(); reject(err); return }
        socket.setNoDelay(true)
        resolve(new ElectrumConnection(socket, server, opts.timeoutMs, opts.maxLineBytes ?? 8 << 20))
      }
      const onConnect = (): void => {
        if (server.tls && opts.pins !== undefined) {
          const fingerprint = (socket as TLSSocket).getPeerCertificate().fingerprint256
          if (typeof fingerprint !== 'string' || fingerprint === '') {
            done(resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${label} showed no TLS certificate.`))
            return
          }
          const key = formatHostPort(server.host, server.port)
          const check = opts.pins.check(key, fingerprint)
          if (check.kind === 'changed') {
            done(resolveError(RESOLVE_ERRORS.certificateChanged,
              `ElectrumX server ${label} shows TLS certificate ${fingerprint}, not the one pinned on first use (${check.pinned}); its answers are refused. ` +
              `If the operator really replaced it, remove "${key}" from ${opts.pins.path ?? 'the pins'} (or run "tornet resolve --forget-pin ${key}").`))
            return
          }
        }
        done()
      }
      const onError = (err: NodeJS.ErrnoException): void => done(resolveError(RESOLVE_ERRORS.unavailable, isCertificateError(err)
        ? `ElectrumX server ${label}: its TLS certificate was not accepted (${err.message}). Many ElectrumX servers use self-signed ` +
          'certificates; set electrumx.rejectUnauthorized to false in the Namecoin config to accept them (lookups can then be intercepted).'
        : `Cannot connect to ElectrumX server ${label} (${err.code ?? err.message}). Check the server list in the Namecoin electrumx config, or use a Namecoin Core node instead.`, err))
      const onAbort = (): void => done(opts.signal?.reason)
      const timer = setTimeout(() => done(resolveError(RESOLVE_ERRORS.timeout, `ElectrumX server ${label} did not accept a connection within ${opts.timeoutMs} ms.`)), opts.timeoutMs)
      socket.once(server.tls ? 'secureConnect' : 'connect', onConnect)
      socket.once('error', onError)
      opts.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  async request (method: string, params: unknown[], opts: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<unknown> {
    opts.signal?.throwIfAborted()
    if (this.failure !== undefined) throw this.failure
    const id = this.nextId++
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    return await new Promise<unknown>((resolve, reject) => {
      const signal = opts.signal
      const onAbort = (): void => { finish(); reject(signal?.reason) }
      const finish = (): void => { clearTimeout(timer); this.pending.delete(id); signal?.removeEventListener('abort', onAbort) }
      const timer = setTimeout(() => {
        finish()
        reject(resolveError(RESOLVE_ERRORS.timeout, `ElectrumX server ${serverLabel(this.server)} did not answer ${method} within ${timeoutMs} ms.`))
      }, timeoutMs)
      this.pending.set(id, { resolve: (v) => { finish(); resolve(v) }, reject: (e) => { finish(); reject(e) }, timer })
      signal?.addEventListener('abort', onAbort, { once: true })
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n')
    })
  }

  close (): void {
    this.fail(resolveError(RESOLVE_ERRORS.unavailable, `Connection to ElectrumX server ${serverLabel(this.server)} was closed.`))
  }

  private fail (err: TornetError): void {
    if (this.failure !== undefined) return
    this.failure = err
    this.socket.destroy()
    for (const p of [...this.pending.values()]) p.reject(err)
    this.pending.clear()
    this.buffered = []
  }

  private onData (chunk: Buffer): void {
    if (this.failure !== undefined) return
    let start = 0
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl)
      const line = this.bufferedBytes === 0 ? piece : Buffer.concat([...this.buffered, piece])
      this.buffered = []
      this.bufferedBytes = 0
      start = nl + 1
      if (line.length > this.maxLineBytes) { this.tooLong(); return }
      this.onLine(line)
      if (this.failure !== undefined) return
    }
    if (start < chunk.length) {
      this.buffered.push(chunk.subarray(start))
      this.bufferedBytes += chunk.length - start
      if (this.bufferedBytes > this.maxLineBytes) this.tooLong()
    }
  }

  private tooLong (): void {
    this.fail(resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(this.server)} sent a line longer than ${this.maxLineBytes} bytes.`))
  }

  private onLine (line: Buffer): void {
    const text = line.toString('utf8').trim()
    if (text === '') return
    let msg: unknown
    try { msg = JSON.parse(text) } catch {
      this.fail(resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(this.server)} sent a line that is not JSON.`))
      return
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.fail(resolveError(RESOLVE_ERRORS.unavailable, `ElectrumX server ${serverLabel(this.server)} sent JSON that is not a JSON-RPC message.`))
      return
    }
    const m = msg as Record<string, unknown>
    if (typeof m.id !== 'number') return // a notification (e.g. a new block header): we do not subscribe to updates
    const p = this.pending.get(m.id)
    if (p === undefined) return // the request already timed out or was aborted
    if (m.error !== undefined && m.error !== null) {
      const e = m.error as Record<string, unknown>
      const message = typeof e.message === 'string' ? e.message.slice(0, 300) : JSON.stringify(m.error).slice(0, 300)
      p.reject(new ElectrumRpcError(typeof e.code === 'number' ? e.code : 0, `ElectrumX server ${serverLabel(this.server)}: ${message}`))
      return
    }
    p.resolve(m.result)
  }
}

/** An error the server answered (as opposed to a broken connection). Carries RESOLVE_UNAVAILABLE. */
export class ElectrumRpcError extends TornetError {
  constructor (readonly rpcCode: number, message: string) {
    super(RESOLVE_ERRORS.unavailable, message)
  }
}

function isCertificateError (err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? ''
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)
}

function isIpLiteral (host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
