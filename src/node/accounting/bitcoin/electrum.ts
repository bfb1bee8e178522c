import { createHash } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { TornetError } from '../../errors.js'
import { bitcoinError, BitcoinErrorCode } from './errors.js'

/**
 * An Electrum protocol client (protocol 1.4): JSON-RPC 2.0 over TCP or TLS,
 * one JSON object per "\n"-terminated line each way.
 *
 *   → {"jsonrpc": "2.0", "id": 3, "method": "blockchain.scripthash.get_history", "params": ["<scripthash>"]}
 *   ← {"jsonrpc": "2.0", "id": 3, "result": [{"tx_hash": "<hex>", "height": 812345}, {"tx_hash": "…", "height": 0, "fee": 141}]}
 *   ← {"jsonrpc": "2.0", "id": 3, "error": {"code": 1, "message": "…"}}
 *   ← {"jsonrpc": "2.0", "method": "blockchain.headers.subscribe", "params": [{"height": …, "hex": …}]}  (notification)
 *
 * server.version is sent first, as the protocol requires. A script hash is
 * sha256(scriptPubKey) with its bytes reversed, in hex. A history height of 0
 * (or -1: unconfirmed parent) means the mempool. A line that is not JSON, or
 * longer than the bound, means the server is broken: the connection ends and
 * every pending request fails with BITCOIN_SOURCE_MALFORMED.
 */

export interface ElectrumEndpoint { host: string, port: number, tls: boolean }

export interface ElectrumOptions {
  /** Connect deadline and per-request deadline; default 15 s. */
  timeoutMs?: number
  /** Longest line accepted; default 4 MiB (a large raw transaction in hex). */
  maxLineBytes?: number
  /** TLS: check the certificate against the system CAs (default true; many servers are self-signed). */
  rejectUnauthorized?: boolean
}

export interface HistoryEntry { txid: string, height: number }

const PROTOCOL_VERSION = '1.4'
const HEX64 = /^[0-9a-f]{64}$/
/** Longest history looked at per address: a receive address handed to one peer has a handful. */
export const MAX_HISTORY = 1000

/** The Electrum script hash of an output script. */
export function scriptHash (script: Uint8Array): string {
  return Buffer.from(createHash('sha256').update(script).digest()).reverse().toString('hex')
}

interface Pending { resolve: (v: unknown) => void, reject: (e: unknown) => void, timer: NodeJS.Timeout }

export class ElectrumClient {
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private buffered: Buffer[] = []
  private bufferedBytes = 0
  private failure: TornetError | undefined
  readonly label: string

  private constructor (private readonly socket: Socket, endpoint: ElectrumEndpoint, private readonly timeoutMs: number, private readonly maxLineBytes: number) {
    this.label = `${endpoint.host}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}`
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => this.fail(bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE, `Electrum server ${this.label}: ${err.message}.`, err)))
    socket.on('close', () => this.fail(bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE, `Electrum server ${this.label} closed the connection.`)))
  }

  get closed (): boolean { return this.failure !== undefined }

  /** Connects and negotiates the protocol version. */
  static async connect (endpoint: ElectrumEndpoint, opts: ElectrumOptions = {}): Promise<ElectrumClient> {
    const timeoutMs = opts.timeoutMs ?? 15_000
    const label = `${endpoint.host}:${endpoint.port}`
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s: Socket = endpoint.tls
        ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: /^[\d.]+$|:/.test(endpoint.host) ? undefined : endpoint.host, rejectUnauthorized: opts.rejectUnauthorized ?? true })
        : netConnect({ host: endpoint.host, port: endpoint.port })
      const event = endpoint.tls ? 'secureConnect' : 'connect'
      const done = (err?: TornetError): void => {
        clearTimeout(timer)
        s.removeListener('error', onError)
        s.removeListener(event, onConnect)
        if (err !== undefined) { s.destroy(); reject(err) } else resolve(s)
      }
      const onConnect = (): void => done()
      const onError = (err: NodeJS.ErrnoException): void => done(bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE,
        `Cannot connect to Electrum server ${label} (${err.code ?? err.message}); check bitcoin.source.host, port and tls${/CERT|SELF_SIGNED/.test(err.code ?? '') ? ' (its certificate was not accepted)' : ''}.`, err))
      const timer = setTimeout(() => done(bitcoinError(BitcoinErrorCode.SOURCE_TIMEOUT, `Electrum server ${label} did not accept a connection within ${timeoutMs} ms.`)), timeoutMs)
      s.once(event, onConnect)
      s.once('error', onError)
    })
    socket.setNoDelay(true)
    const client = new ElectrumClient(socket, endpoint, timeoutMs, opts.maxLineBytes ?? 4 << 20)
    try {
      const v = await client.request('server.version', ['tornet', PROTOCOL_VERSION])
      if (!Array.isArray(v) || typeof v[1] !== 'string') throw client.malformed('server.version', 'not [software, protocol]')
    } catch (err) {
      client.close()
      throw err
    }
    return client
  }

  /** The height of the server's best chain. */
  async height (): Promise<number> {
    const r = await this.request('blockchain.headers.subscribe', [])
    const h = (r as { height?: unknown } | null)?.height
    if (!Number.isSafeInteger(h) || (h as number) < 0) throw this.malformed('blockchain.headers.subscribe', 'no "height"')
    return h as number
  }

  /** The confirmed and mempool transactions touching a script hash. */
  async history (scripthash: string): Promise<HistoryEntry[]> {
    const r = await this.request('blockchain.scripthash.get_history', [scripthash])
    if (!Array.isArray(r)) throw this.malformed('blockchain.scripthash.get_history', 'not a list')
    if (r.length > MAX_HISTORY) throw this.malformed('blockchain.scripthash.get_history', `more than ${MAX_HISTORY} entries for one address`)
    return r.map((e: unknown) => {
      const o = e as { tx_hash?: unknown, height?: unknown } | null
      if (typeof o?.tx_hash !== 'string' || !HEX64.test(o.tx_hash) || !Number.isSafeInteger(o.height)) throw this.malformed('blockchain.scripthash.get_history', 'an entry without "tx_hash" and "height"')
      return { txid: o.tx_hash, height: o.height as number }
    })
  }

  /** A raw transaction, hex. */
  async transaction (txid: string): Promise<string> {
    const r = await this.request('blockchain.transaction.get', [txid])
    if (typeof r !== 'string' || !/^([0-9a-f]{2})+$/.test(r)) throw this.malformed('blockchain.transaction.get', 'not hex')
    return r
  }

  async request (method: string, params: unknown[]): Promise<unknown> {
    if (this.failure !== undefined) throw this.failure
    const id = this.nextId++
    return await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(bitcoinError(BitcoinErrorCode.SOURCE_TIMEOUT, `Electrum server ${this.label} did not answer ${method} within ${this.timeoutMs} ms.`))
      }, this.timeoutMs)
      this.pending.set(id, {
        resolve: (v) => { clearTimeout(timer); this.pending.delete(id); resolve(v) },
        reject: (e) => { clearTimeout(timer); this.pending.delete(id); reject(e) },
        timer
      })
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n')
    })
  }

  close (): void {
    this.fail(bitcoinError(BitcoinErrorCode.SOURCE_UNAVAILABLE, `Connection to Electrum server ${this.label} was closed.`))
  }

  malformed (method: string, why: string): TornetError {
    return bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Electrum server ${this.label} gave an unexpected ${method} answer: ${why}. Use another server (ElectrumX, Fulcrum or electrs).`)
  }

  private fail (err: TornetError): void {
    if (this.failure !== undefined) return
    this.failure = err
    this.socket.destroy()
    for (const p of [...this.pending.values()]) p.reject(err)
    this.pending.clear()
    this.buffered = []
    this.bufferedBytes = 0
  }

  private onData (chunk: Buffer): void {
    let start = 0
    for (let nl = chunk.indexOf(0x0a); nl !== -1 && this.failure === undefined; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl)
      const line = this.bufferedBytes === 0 ? piece : Buffer.concat([...this.buffered, piece])
      this.buffered = []
      this.bufferedBytes = 0
      start = nl + 1
      if (line.length > this.maxLineBytes) { this.tooLong(); return }
      this.onLine(line)
    }
    if (this.failure !== undefined || start >= chunk.length) return
    this.buffered.push(chunk.subarray(start))
    this.bufferedBytes += chunk.length - start
    if (this.bufferedBytes > this.maxLineBytes) this.tooLong()
  }

  private tooLong (): void {
    this.fail(bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Electrum server ${this.label} sent a line longer than ${this.maxLineBytes} bytes.`))
  }

  private onLine (line: Buffer): void {
    const text = line.toString('utf8').trim()
    if (text === '') return
    let msg: unknown
    try { msg = JSON.parse(text) } catch {
      this.fail(bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Electrum server ${this.label} sent a line that is not JSON; it is not an Electrum server, or a broken one.`))
      return
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.fail(bitcoinError(BitcoinErrorCode.SOURCE_MALFORMED, `Electrum server ${this.label} sent JSON that is not a JSON-RPC message.`))
      return
    }
    const m = msg as Record<string, unknown>
    if (typeof m.id !== 'number') return // a notification (a new header): the poll asks for the height itself
    const p = this.pending.get(m.id)
    if (p === undefined) return // timed out already
    if (m.error !== undefined && m.error !== null) {
      const e = m.error as Record<string, unknown>
      const message = typeof e.message === 'string' ? e.message.slice(0, 300) : JSON.stringify(m.error).slice(0, 300)
      p.reject(bitcoinError(BitcoinErrorCode.SOURCE_REFUSED, `Electrum server ${this.label} refused: ${message}.`))
      return
    }
    if (!('result' in m)) { p.reject(this.malformed('a request', 'neither "result" nor "error"')); return }
    p.resolve(m.result)
  }
}

